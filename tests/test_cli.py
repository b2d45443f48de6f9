"""The `flask --app app cms` commands of the foundation."""

from cms.accounts.actors import SYSTEM
from cms.accounts.models import User
from cms.content.models import Category, Page, Post
from cms.core.db import db
from cms.site.models import get_settings


def test_create_user_reads_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["cms", "create-user", "Therapist@Example.org", "--role", "admin", "--name", "Sam"],
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin therapist@example.org" in result.output
    with app.app_context():
        user = User.get(User.email == "therapist@example.org")
        assert user.role == "admin" and user.name == "Sam"
        assert user.password_hash.startswith("scrypt:")
        assert "a long enough passphrase" not in user.password_hash


def test_create_user_rejects_weak_password_and_bad_email(app, runner):
    short = runner.invoke(args=["cms", "create-user", "a@example.org"], input="short\n")
    assert short.exit_code == 1
    assert "at least 12 characters" in short.output
    common = runner.invoke(args=["cms", "create-user", "a@example.org"], input="password1234\n")
    assert "too common" in common.output
    bad = runner.invoke(args=["cms", "create-user", "not-an-email"], input="x" * 20 + "y\n")
    assert "e-mail address such as" in bad.output
    with app.app_context():
        assert User.select().count() == 0


def test_create_user_refuses_duplicates(runner):
    args = ["cms", "create-user", "a@example.org", "--role", "editor"]
    assert runner.invoke(args=args, input="a long enough passphrase\n").exit_code == 0
    again = runner.invoke(args=args, input="a long enough passphrase\n")
    assert again.exit_code == 1 and "already exists" in again.output


def test_demo_remove_takes_exactly_the_demo_away(app, runner):
    from cms.content.service import save_post

    with app.app_context():
        db.connect(reuse_if_open=True)
        own = save_post(
            {"title": "My own post", "body": "Mine.", "status": "published"}, actor=SYSTEM
        )
    result = runner.invoke(args=["cms", "demo", "--remove"])
    assert result.exit_code == 0, result.output
    assert "6 posts" in result.output
    with app.app_context():
        assert [p.id for p in Post.select()] == [own.id]
        assert Page.select().count() == 0
        assert Category.select().count() == 0
        settings = get_settings()
        assert settings["site_title"] == "Practice" and settings["demo_content"] is None
    html = app.test_client().get("/").get_data(as_text=True)
    assert "My own post" in html and "Jordan Avery" not in html
    assert app.test_client().get("/social-media-policy").status_code == 404


def test_demo_can_be_loaded_into_an_empty_site(empty_app):
    runner = empty_app.test_cli_runner()
    client = empty_app.test_client()
    assert "There are no posts yet." in client.get("/").get_data(as_text=True)
    assert "no longer accepting new clients" in client.get("/").get_data(as_text=True)
    result = runner.invoke(args=["cms", "demo"])
    assert result.exit_code == 0 and "6 posts" in result.output
    html = client.get("/").get_data(as_text=True)
    assert "Social media and our therapy relationship" in html
    assert 'href="/online-therapy">Learn more</a>' in html
    assert "already loaded" in runner.invoke(args=["cms", "demo"]).output
