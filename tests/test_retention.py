"""Retention: revisions (every one of the last N days, the newest of each week before) and
the activity log (D days), pruned with the message purge, hourly and by `cms purge`."""

from datetime import date, datetime, time, timedelta

from cms.accounts.actors import SYSTEM
from cms.audit import Activity
from cms.content import service as services
from cms.content.records import Revision
from cms.content.revisions import policy_versions
from cms.core import clock
from cms.core.db import db
from cms.messages import retention as messages
from cms.messages.models import Housekeeping
from cms.messages.retention import purge_expired


def _monday(weeks_ago: int) -> datetime:
    today = clock.utcnow().date()
    monday = today - timedelta(days=today.weekday(), weeks=weeks_ago)
    return datetime.combine(monday, time(10, 0))


def _revision(entry, kind: str, when: datetime, **fields) -> int:
    values = {"title": entry.title, "slug": entry.slug, "body": f"Text of {when}",
              "status": "draft", **fields}  # fmt: skip
    return Revision.create(kind=kind, object_id=entry.id, created_at=when, **values).id


def _history():
    """A post whose revisions span recent days and two old weeks."""
    post = services.save_post({"title": "Kept in part", "body": "Now."}, actor=SYSTEM)
    current = Revision.history("post", post.id).first().id
    old_week = [_revision(post, "post", _monday(10) + timedelta(days=d)) for d in (0, 2, 4)]
    older_week = [_revision(post, "post", _monday(20) + timedelta(days=d)) for d in (1, 3)]
    recent = [_revision(post, "post", clock.utcnow() - timedelta(days=d)) for d in (1, 5, 29)]
    return post, current, old_week, older_week, recent


def _ids(post) -> set[int]:
    return {r.id for r in Revision.history("post", post.id)}


def test_recent_revisions_stay_and_one_a_week_before(ctx):
    post, current, old_week, older_week, recent = _history()
    pruned = {}
    purge_expired(pruned)
    assert _ids(post) == {current, *recent, old_week[-1], older_week[-1]}  # the newest of each
    assert pruned["revisions"] == 3
    purge_expired()
    assert _ids(post) == {current, *recent, old_week[-1], older_week[-1]}  # nothing more to do


def test_the_current_revision_stays_however_old(ctx):
    post = services.save_post({"title": "Untouched", "body": "Old."}, actor=SYSTEM)
    only = Revision.history("post", post.id).first()
    clock.advance(timedelta(days=400))
    purge_expired()
    assert _ids(post) == {only.id}


def test_keep_days_is_configurable(app, ctx):
    post = services.save_post({"title": "Two weeks", "body": "Now."}, actor=SYSTEM)
    monday, tuesday = (_revision(post, "post", _monday(2) + timedelta(days=d)) for d in (0, 1))
    purge_expired()
    assert {monday, tuesday} <= _ids(post)  # within the default 30 days
    app.config["REVISION_KEEP_DAYS"] = 3
    purge_expired()
    assert monday not in _ids(post) and tuesday in _ids(post)


def test_a_policy_keeps_the_earlier_versions_it_shows(ctx):
    page = services.save_page({"title": "Fees", "body": "Fees now.", "status": "published",
                               "is_policy": True, "effective_date": date(2026, 1, 1)},
                              actor=SYSTEM)  # fmt: skip
    monday = _monday(30)
    public = _revision(page, "page", monday, status="published", published_at=monday,
                       effective_date=date(2025, 1, 1), body="Fees as they were.")  # fmt: skip
    # A later draft the same week: by the weekly rule alone, the public text would go.
    draft = _revision(page, "page", monday + timedelta(days=2), effective_date=date(2025, 1, 1))
    assert [v.id for v in policy_versions(page)] == [public]
    purge_expired()
    assert [v.id for v in policy_versions(page)] == [public]
    assert draft in {r.id for r in Revision.history("page", page.id)}  # the week's newest


def test_activity_is_kept_for_its_days(app, ctx):
    old = Activity.create(actor="cli", action="post.update", created_at=clock.utcnow()
                          - timedelta(days=366))  # fmt: skip
    recent = Activity.create(actor="cli", action="post.update",
                             created_at=clock.utcnow() - timedelta(days=10))  # fmt: skip
    pruned = {}
    purge_expired(pruned)
    assert pruned["activity entries"] >= 1
    assert not Activity.select().where(Activity.id == old.id).exists()
    assert Activity.select().where(Activity.id == recent.id).exists()
    app.config["ACTIVITY_KEEP_DAYS"] = 5
    purge_expired()
    assert not Activity.select().where(Activity.id == recent.id).exists()


def test_pruned_hourly_on_a_visit_and_by_the_command(app, client, runner):
    with app.app_context():
        db.connect(reuse_if_open=True)
        post, current, old_week, *_ = _history()
        stale = Activity.create(actor="cli", action="x", created_at=datetime(2000, 1, 1))
        Housekeeping.replace(task=messages.PURGE_TASK, ran_at=datetime(2000, 1, 1)).execute()
    messages._next_purge_check.clear()
    client.get("/")
    with app.app_context():
        assert old_week[0] not in _ids(post) and old_week[-1] in _ids(post)
        assert not Activity.select().where(Activity.id == stale.id).exists()
        _revision(post, "post", _monday(40))
        _revision(post, "post", _monday(40) + timedelta(days=1))
    result = runner.invoke(args=["cms", "purge"])
    assert result.exit_code == 0
    assert "Pruned 1 old revisions, 0 old activity entries." in result.output


def test_a_week_across_new_year_is_one_week(ctx):
    post = services.save_post({"title": "New year", "body": "Now."}, actor=SYSTEM)
    monday = _revision(post, "post", datetime(2025, 12, 29, 10, 0))  # ISO week 2026-W01
    thursday = _revision(post, "post", datetime(2026, 1, 1, 10, 0))
    purge_expired()
    assert monday not in _ids(post) and thursday in _ids(post)
