"""Device cookies (OWASP): a browser that signed in before passes the untrusted clients' limits."""

import re
from datetime import UTC, timedelta

import pyotp
from itsdangerous import URLSafeTimedSerializer

from cms.accounts.models import User
from cms.accounts.throttle import DEVICE_COOKIE
from cms.core import clock
from cms.core.db import db
from cms.core.ratelimit import RateHit

PASSWORD = "correct horse battery"
WRONG = "wrong password!!"
OFFICE = {"REMOTE_ADDR": "198.51.100.50"}  # one NAT address for a whole office
HOME = {"REMOTE_ADDR": "203.0.113.9"}


def browser(app, address=HOME):
    """A test client that keeps one client address (as a browser at home or at work)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address["REMOTE_ADDR"]
    return client


def sign_in(client, email="admin@example.org", password=PASSWORD, environ=None, **kwargs):
    return client.post(
        "/admin/login",
        data={"email": email, "password": password},
        environ_base=environ or {},
        **kwargs,
    )


def device_cookie(client) -> str:
    cookie = client.get_cookie(DEVICE_COOKIE, path="/admin")
    assert cookie is not None
    return cookie.value


def trusted_client(app, email="admin@example.org", address=HOME):
    """A browser that has signed in to the account before (and signed out since)."""
    client = browser(app, address)
    assert sign_in(client, email).status_code == 302
    client.post("/admin/logout")
    return client


def with_cookie(app, value, address=HOME):
    client = browser(app, address)
    client.set_cookie(DEVICE_COOKIE, value, path="/admin")
    return client


def attack_from_many_addresses(app, email="admin@example.org", addresses=12):
    """Wrong passwords from many addresses until the account-wide ceiling is reached."""
    attacker = app.test_client()
    answers = [
        sign_in(attacker, email, WRONG, {"REMOTE_ADDR": f"192.0.2.{n + 1}"}).status_code
        for n in range(addresses)
    ]
    assert answers.count(200) == app.config["LOGIN_THROTTLE_ACCOUNT_GLOBAL"]
    assert answers[-1] == 429
    return attacker


def _device_set_cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("cms_device="))


def test_the_device_cookie_is_issued_with_safe_flags(app, client, users):
    response = sign_in(client)
    cookie = _device_set_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/admin" in cookie
    assert int(re.search(r"Max-Age=(\d+)", cookie)[1]) >= 180 * 86400
    assert "Secure" not in cookie
    over_https = sign_in(app.test_client(), base_url="https://localhost")
    cookie = _device_set_cookie(over_https)
    assert "Secure" in cookie
    assert "admin@example.org" not in cookie


def test_the_owner_with_a_device_cookie_passes_the_account_ceiling(app, users):
    app.config["LOGIN_THROTTLE_ACCOUNT_GLOBAL"] = 10  # keeps the test quick; the rule is the same
    owner = trusted_client(app)
    attack_from_many_addresses(app)
    stranger = sign_in(browser(app, {"REMOTE_ADDR": "192.0.2.200"}))
    assert stranger.status_code == 429  # untrusted clients keep today's ceiling
    assert sign_in(browser(app)).status_code == 429  # the owner in a new browser
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.1"  # even from one of the attacker's addresses
    assert sign_in(owner).headers["Location"] == "/admin/"
    assert owner.get("/admin/").status_code == 200
    with app.app_context():  # counts are keyed hashes: no cookie value or id in the clear
        keys = [row.key for row in RateHit.select()]
    assert keys and all(re.fullmatch(r"[0-9a-f]{64}", key) for key in keys)


def test_a_forged_or_foreign_device_cookie_does_not_help(app, users):
    app.config["LOGIN_THROTTLE_ACCOUNT_GLOBAL"] = 10
    owner = trusted_client(app)
    editor = trusted_client(app, "editor@example.org")
    attack_from_many_addresses(app)
    genuine = device_cookie(owner)
    other_key = URLSafeTimedSerializer("not the key", salt="device-cookie").dumps(
        [users["admin"].id, "abc", "def"]
    )
    tampered = genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB")
    for value in (device_cookie(editor), other_key, tampered, "garbage", ""):
        assert sign_in(with_cookie(app, value)).status_code == 429, value
    assert sign_in(with_cookie(app, genuine)).status_code == 302


def test_a_stolen_device_cookie_gets_only_a_few_tries(app, users):
    owner_laptop, owner_phone = trusted_client(app), trusted_client(app)
    thief = with_cookie(app, device_cookie(owner_laptop))
    for _ in range(app.config["LOGIN_THROTTLE_ACCOUNT"]):
        assert sign_in(thief, password=WRONG).status_code == 200
    assert sign_in(thief).status_code == 429  # this cookie alone is paused
    assert sign_in(owner_laptop).status_code == 429  # (the same cookie)
    assert sign_in(owner_phone).status_code == 302  # other devices are not
    with app.app_context():  # charged to that cookie alone, not to the untrusted clients' counts
        assert {row.bucket for row in RateHit.select()} == {"login-device"}


def test_a_password_change_or_reset_ends_device_cookies(app, users):
    app.config["LOGIN_THROTTLE_ACCOUNT_GLOBAL"] = 10
    laptop, phone = trusted_client(app), trusted_client(app)
    old_phone_cookie = device_cookie(phone)
    sign_in(laptop)
    new_password = "a brand new passphrase"
    changed = laptop.post(
        "/admin/account/password",
        data={"current_password": PASSWORD, "new_password": new_password, "confirm": new_password},
    )
    assert changed.headers["Location"] == "/admin/account"
    laptop.post("/admin/logout")
    attack_from_many_addresses(app)
    assert sign_in(phone, password=new_password).status_code == 429
    assert sign_in(laptop, password=new_password).status_code == 302  # renewed
    laptop.post("/admin/logout")

    with app.app_context():  # an administrator's reset by link empties the password
        db.execute_sql("UPDATE user SET password_hash = '' WHERE email = 'admin@example.org'")
    assert sign_in(laptop, password=new_password).status_code == 429
    assert sign_in(with_cookie(app, old_phone_cookie)).status_code == 429


def test_a_disabled_account_has_no_trusted_devices(app, users):
    app.config["LOGIN_THROTTLE_ACCOUNT_GLOBAL"] = 10
    editor = trusted_client(app, "editor@example.org")
    attack_from_many_addresses(app, "editor@example.org")
    assert sign_in(editor, "editor@example.org").status_code == 302
    editor.post("/admin/logout")
    with app.app_context():
        User.update(active=False).where(User.email == "editor@example.org").execute()
    assert sign_in(editor, "editor@example.org").status_code == 429


def test_behind_an_office_nat_other_accounts_with_device_cookies_sign_in(app, users):
    app.config["LOGIN_THROTTLE_ADDRESS"] = 6  # keeps the test quick; the rule is the same
    editor = trusted_client(app, "editor@example.org", OFFICE)
    for n in range(6):  # someone in the office (or malware there) guesses at other e-mails
        sign_in(browser(app, OFFICE), f"nobody{n}@example.org", WRONG)
    assert sign_in(browser(app, OFFICE)).status_code == 429  # untrusted: paused
    assert sign_in(editor, "editor@example.org").status_code == 302
    assert editor.get("/admin/").status_code == 200


def _owner_with_two_step(app) -> tuple:
    owner = browser(app)
    sign_in(owner)
    page = owner.get("/admin/account/two-step").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page)[1]
    owner.post(
        "/admin/account/two-step",
        data={"code": pyotp.TOTP(secret).now(), "current_password": PASSWORD},
    )
    owner.post("/admin/logout")
    return owner, secret


def test_the_owner_passes_the_ceiling_at_the_two_step_code_too(app, users):
    app.config["LOGIN_THROTTLE_ACCOUNT_GLOBAL"] = 10
    owner, secret = _owner_with_two_step(app)
    attack_from_many_addresses(app)
    assert sign_in(owner).headers["Location"] == "/admin/login/two-step"
    moment = clock.utcnow().replace(tzinfo=UTC) + timedelta(seconds=30)
    code = pyotp.TOTP(secret).at(moment)  # the next step's: the setup code is spent
    assert owner.post("/admin/login/two-step", data={"code": code}).headers["Location"] == "/admin/"


def test_code_failures_are_not_forgotten_by_the_password_step(app, users):
    owner, _secret = _owner_with_two_step(app)
    thief = with_cookie(app, device_cookie(owner))  # a stolen cookie, and a known password
    for _ in range(app.config["LOGIN_THROTTLE_ACCOUNT"]):
        assert sign_in(thief).headers["Location"] == "/admin/login/two-step"
        assert thief.post("/admin/login/two-step", data={"code": "000000"}).status_code == 200
    assert sign_in(thief).status_code == 429  # re-entering the password wins nothing


def test_device_cookies_survive_a_key_change_with_the_old_key_as_fallback(app, users):
    app.config["LOGIN_THROTTLE_ACCOUNT_GLOBAL"] = 10
    owner, other = trusted_client(app), trusted_client(app)
    app.config.update(SECRET_KEY="the new key", SECRET_KEY_FALLBACKS=["test"])
    attack_from_many_addresses(app)
    assert sign_in(owner).status_code == 302
    app.config["SECRET_KEY_FALLBACKS"] = None
    assert sign_in(other).status_code == 429  # made with the old key, now unknown
