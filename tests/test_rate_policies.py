"""One rate limiter (cms.core.ratelimit): every limit is a policy of it, counted in the database."""

import re
from datetime import timedelta

from cms.accounts import throttle
from cms.accounts.actors import SYSTEM
from cms.accounts.tokens import create_token
from cms.api import auth as api_auth
from cms.core import clock
from cms.core.ratelimit import Policy, RateHit
from cms.public import contact

POLICIES = {
    "contact": contact.SUBMISSIONS,
    "sign-in pair": throttle.PAIR,
    "sign-in address": throttle.ADDRESS,
    "sign-in account": throttle.ACCOUNT,
    "sign-in device": throttle.DEVICE,
    "API token": api_auth.TOKEN_REQUESTS,
    "API bad token": api_auth.BAD_TOKENS,
}


def test_every_limit_is_a_policy_with_its_own_bucket(app):
    assert all(isinstance(policy, Policy) for policy in POLICIES.values())
    buckets = [policy.bucket for policy in POLICIES.values()]
    assert len(set(buckets)) == len(buckets)
    with app.app_context():  # the limits people were told of are the configured ones
        assert contact.SUBMISSIONS.count() == 10 and contact.SUBMISSIONS.window() == 3600
        assert throttle.PAIR.count() == 5 and throttle.PAIR.window() == 900
        assert throttle.ACCOUNT.count() == 50 and throttle.ADDRESS.count() == 20
        assert api_auth.TOKEN_REQUESTS.count() == 600 and api_auth.BAD_TOKENS.count() == 30


def test_a_policy_counts_waits_and_forgets(ctx):
    policy = Policy("test", lambda: 2, lambda: 60, "Wait {minutes} minute{s}.")
    assert policy.hit("a").allowed and policy.wait("a") == 0
    policy.record("a")
    assert 1 <= policy.wait("a") <= 60
    refused = policy.hit("a")
    assert not refused.allowed and refused.retry_after == policy.wait("a")
    assert policy.say(refused.retry_after) == "Wait 1 minute."
    assert policy.say(61) == "Wait 2 minutes."
    assert policy.hit("b").allowed  # each key on its own
    policy.forget("a")
    assert policy.wait("a") == 0
    policy.record("a")
    policy.record("a")
    clock.advance(timedelta(seconds=61))
    assert policy.wait("a") == 0  # the window slid past them


def test_admin_api_requests_are_counted_in_the_database_for_every_worker(app, client, users):
    app.config["API_RATE_LIMIT"] = 2
    with app.app_context():
        token = create_token("script", ["content:read"], user=users["admin"], actor=SYSTEM)[1]
    headers = {"Authorization": f"Bearer {token}"}
    codes = [client.get("/api/v1/admin/posts", headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = client.get("/api/v1/admin/posts", headers=headers)
    assert refused.json["detail"] == "Too many requests with this token; please slow down."
    assert int(refused.headers["Retry-After"]) >= 1
    with app.app_context():
        rows = list(RateHit.select().where(RateHit.bucket == api_auth.TOKEN_REQUESTS.bucket))
    assert len(rows) == 2  # shared by all workers, refused requests not counted
    assert all(re.fullmatch(r"[0-9a-f]{64}", row.key) for row in rows)


def test_failed_sign_ins_are_counted_by_the_one_limiter(app, client, users):
    for _ in range(app.config["LOGIN_THROTTLE_ACCOUNT"]):
        client.post("/admin/login", data={"email": "admin@example.org", "password": "wrong!!"})
    blocked = client.post(
        "/admin/login", data={"email": "admin@example.org", "password": "correct horse battery"}
    )
    assert blocked.status_code == 429
    assert "Too many unsuccessful sign-in attempts" in blocked.get_data(as_text=True)
    with app.app_context():
        buckets = {row.bucket for row in RateHit.select()}
    assert {"login-pair", "login-address", "login-account"} <= buckets
