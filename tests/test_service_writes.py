"""Every service write (audit.WRITES) at every kind of actor: an administrator, an editor, a
token of each, a disabled account and its token. Each is refused (NotAllowed,
nothing written, nothing logged) or done per its `admin` flag, and a write done logs exactly
one Activity under one of its declared names, for the actor who did it.

A write registered without a factory below fails: add one (it makes what the write needs, as
SYSTEM, and returns a call that takes only `actor=`). The writes of accounts, media, site and
messages, whose rules go beyond the administrator flag (one's own account, the inbox switch),
are called the same way by tests/test_domain_writes.py, which fails for one it lacks; every
other write, content's and any new domain's, is called here.
"""

import importlib
import itertools
import pkgutil
from datetime import datetime
from functools import partial

import pytest

import cms
from cms import audit
from cms.accounts.actors import SYSTEM, NotAllowed
from cms.accounts.models import User
from cms.accounts.tokens import ROLE_SCOPES, ApiToken, create_token
from cms.audit import Activity
from cms.content import autosaves, categories, imported, redirects, service, tags
from cms.content.models import Post
from cms.content.records import Revision
from cms.core.db import db


def _import_every_module() -> None:
    """Every write registers when its module is imported: import them all, so none is missed."""
    for module in pkgutil.walk_packages(cms.__path__, "cms."):
        if not module.name.startswith("cms.migrations"):
            importlib.import_module(module.name)


_import_every_module()
ELSEWHERE = ("cms.accounts.", "cms.media.", "cms.site.", "cms.messages.")  # test_domain_writes
HERE = sorted(name for name in audit.WRITES if not name.startswith(ELSEWHERE))
NUMBERS = itertools.count(1)


def _post(**fields) -> Post:
    n = next(NUMBERS)
    return service.save_post({"title": f"Post {n}", "body": "Text.", **fields}, actor=SYSTEM)


def _trashed_post() -> Post:
    post = _post()
    service.trash(post, actor=SYSTEM)
    return post


def _category():
    return categories.save_category({"name": f"Topic {next(NUMBERS)}"}, actor=SYSTEM)


def _tag():
    post = service.save_post({"title": "Tagged", "tags": [f"Tag {next(NUMBERS)}"]}, actor=SYSTEM)
    return post.tag_list[0]


def _revision_of(post: Post) -> Revision:
    return Revision.history("post", post.id).first()


def _old_path() -> str:
    return f"/old-address-{next(NUMBERS)}"


OLD_TIME = datetime(2020, 1, 2, 3, 4)
FACTORIES = {
    "cms.content.service.save_post": lambda: partial(service.save_post, {"title": "New"}),
    "cms.content.service.save_page": lambda: partial(service.save_page, {"title": "New"}),
    "cms.content.service.publish": lambda: partial(service.publish, _post()),
    "cms.content.service.unpublish": lambda: partial(service.unpublish, _post(status="published")),
    "cms.content.autosaves.autosave": lambda: partial(
        autosaves.autosave, "post", _post(), {"title": "Typed", "body": "Not saved yet."}
    ),
    "cms.content.autosaves.discard_autosaves": lambda: partial(
        autosaves.discard_autosaves, "post", _post()
    ),
    "cms.content.service.trash": lambda: partial(service.trash, _post()),
    "cms.content.service.restore": lambda: partial(service.restore, _trashed_post()),
    "cms.content.service.restore_revision": lambda: partial(
        service.restore_revision, _revision_of(_post())
    ),
    "cms.content.categories.save_category": lambda: partial(
        categories.save_category, {"name": f"Topic {next(NUMBERS)}"}
    ),
    "cms.content.categories.merge_categories": lambda: partial(
        categories.merge_categories, _category(), _category()
    ),
    "cms.content.categories.trash_category": lambda: partial(
        categories.trash_category, _category()
    ),
    "cms.content.categories.restore_category": lambda: partial(
        categories.restore_category, categories.trash_category(_category(), actor=SYSTEM)
    ),
    "cms.content.tags.save_tag": lambda: partial(tags.save_tag, _tag(), {"name": "Renamed"}),
    "cms.content.tags.delete_tag": lambda: partial(tags.delete_tag, _tag()),
    "cms.content.redirects.add_redirect": lambda: partial(
        redirects.add_redirect, _old_path(), "/blog/somewhere"
    ),
    "cms.content.redirects.save_redirect": lambda: partial(
        redirects.save_redirect, _old_path(), "/blog/somewhere", OLD_TIME
    ),
    "cms.content.imported.import_revision": lambda: partial(
        imported.import_revision,
        "post",
        _post().id,
        {"title": "Earlier", "slug": "earlier", "body": "Before."},
        None,
        OLD_TIME,
    ),  # fmt: skip
    "cms.content.imported.keep_import_times": lambda: partial(
        imported.keep_import_times, _post(), OLD_TIME, OLD_TIME
    ),
    "cms.content.imported.clear_revisions": lambda: partial(imported.clear_revisions),
    "cms.content.imported.remove_for_good": lambda: partial(
        imported.remove_for_good, [_post().id], [], [_category().id]
    ),
}


def _actors() -> dict:
    """Each kind of actor, with the role it acts as (None: refused whatever the write)."""

    def account(role: str, active: bool = True) -> User:
        n = next(NUMBERS)
        return User.create(
            email=f"{role}{n}@example.org", name=f"{role} {n}", role=role, active=active,
            password_hash="", session_token=f"session {n}",
        )  # fmt: skip

    def token(user: User):
        scopes = ROLE_SCOPES[user.role] if user.active else ["content:write"]
        return create_token(f"script of {user.email}", scopes, user=user, actor=SYSTEM)[0]

    admin, editor = account("admin"), account("editor")
    disabled = account("admin", active=False)
    disabled_token = token(account("admin"))
    User.update(active=False).where(User.id == disabled_token.user_id).execute()
    disabled_token = ApiToken.get_by_id(disabled_token.id)  # as a request would find it
    return {
        "admin": (admin, "admin"),
        "editor": (editor, "editor"),
        "admin token": (token(admin), "admin"),
        "editor token": (token(editor), "editor"),
        "disabled account": (disabled, None),
        "token of a disabled account": (disabled_token, None),
    }


def _state() -> list:
    """Every row of every table: what a refused write must leave as it was."""
    rows = {t: db.execute_sql(f'SELECT * FROM "{t}"').fetchall() for t in db.get_tables()}  # noqa: S608
    return sorted((table, sorted(map(repr, found))) for table, found in rows.items())


def _logged_for(actor) -> tuple:
    """(account id, actor text) the activity log records for an actor."""
    if actor is SYSTEM:
        return None, "cli"
    user = getattr(actor, "user", actor)
    return user.id, (f"token: {actor.name}" if actor is not user else None)


def test_every_write_has_a_factory():
    """The coverage below is complete: every registered write is called with every actor."""
    missing = sorted(set(HERE) - set(FACTORIES))
    assert not missing, f"service writes without a factory in this file: {missing}"
    stale = sorted(set(FACTORIES) - set(HERE))
    assert not stale, f"factories for functions that are not declared writes: {stale}"


@pytest.mark.parametrize("name", HERE)
def test_each_write_checks_the_actor_and_logs_one_action(ctx, name):
    write = audit.WRITES[name]
    if name not in FACTORIES:
        pytest.fail(f"{name} is a service write without a factory in this file")
    for kind, (actor, role) in _actors().items():
        call = FACTORIES[name]()
        allowed = role == "admin" or (role == "editor" and not write.admin)
        before, last = _state(), Activity.select().order_by(Activity.id.desc()).first()
        if not allowed:
            with pytest.raises(NotAllowed):
                call(actor=actor)
            assert _state() == before, f"{name} refused for {kind} but wrote something"
            continue
        call(actor=actor)
        new = list(Activity.select().where(Activity.id > (last.id if last else 0)))
        assert len(new) == 1, f"{name} by {kind} logged {[a.action for a in new]}"
        assert new[0].action in write.actions, f"{name} logged {new[0].action}"
        user_id, text = _logged_for(actor)
        assert new[0].user_id == user_id and (text is None or new[0].actor == text), kind


def test_every_write_requires_an_actor(ctx):
    """`actor=` is required: a call without one is a TypeError, before anything is written."""
    for name in HERE:
        call = FACTORIES[name]()
        before = _state()
        with pytest.raises(TypeError, match="actor"):
            call()
        assert _state() == before, name


def _last_action(app) -> str:
    with app.app_context():
        return Activity.select().order_by(Activity.id.desc()).first().action


def _editor_token(app, users) -> dict:
    with app.app_context():
        plain = create_token(
            "editor's script", ["content:write"], user=users["editor"], actor=SYSTEM
        )[1]
    return {"Authorization": f"Bearer {plain}"}


def test_the_editor_and_the_api_log_the_same_name_for_the_same_act(app, client, auth, users):
    """Trash, restore, revision restore and category trash: one name at both doors."""
    api = _editor_token(app, users)
    with app.app_context():
        db.connect(reuse_if_open=True)
        posts = [_post(status="published") for _ in range(4)]
        revisions = [_revision_of(post).id for post in posts[2:]]
        topics = [_category().id for _ in range(2)]
    auth.login("editor@example.org")
    acts = {
        "post.trash": (
            lambda: client.post(f"/admin/posts/{posts[0].id}/delete"),
            lambda: client.delete(f"/api/v1/admin/posts/{posts[1].id}", headers=api),
        ),
        "post.restore": (
            lambda: client.post(f"/admin/posts/{posts[0].id}/restore"),
            lambda: client.post(f"/api/v1/admin/posts/{posts[1].id}/restore", headers=api),
        ),
        "post.revision_restore": (
            lambda: client.post(f"/admin/posts/{posts[2].id}/revisions/{revisions[0]}/restore"),
            lambda: client.post(
                f"/api/v1/admin/posts/{posts[3].id}/revisions/{revisions[1]}/restore",
                headers=api,
            ),
        ),
        "category.trash": (
            lambda: client.post(f"/admin/categories/{topics[0]}/delete"),
            lambda: client.delete(f"/api/v1/admin/categories/{topics[1]}", headers=api),
        ),
    }
    for action, (editor, script) in acts.items():
        assert editor().status_code in (200, 302)
        by_editor = _last_action(app)
        assert script().status_code in (200, 204)
        assert (by_editor, _last_action(app)) == (action, action)
