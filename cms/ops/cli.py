"""`flask --app app cms ...` commands."""

import sys

import click
from flask.cli import AppGroup

from ..core.db import connect, migrate, pending_migrations

cms = AppGroup("cms", help="Manage the practice-cms site.")


@cms.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "editor"]), default="admin", show_default=True)
@click.option("--name", default="", help="Display name (defaults to the e-mail's local part).")
def create_user_command(email, role, name):
    """Create an account; asks for the password, or reads it from stdin when piped."""
    from ..accounts.users import create_user
    from ..core.validation import ValidationError

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    connect()
    try:
        user = create_user(email, password, role=role, name=name)
    except ValidationError as exc:
        for field, message in exc.errors.items():
            click.echo(f"Error ({field}): {message}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Created {user.role} {user.email}.")


@cms.command("demo")
@click.option("--remove", is_flag=True, help="Remove the demo content instead of adding it.")
def demo_command(remove):
    """Add the demo content, or remove exactly what the demo added."""
    from ..site.models import get_settings
    from .bootstrap import ensure_menu, link_notice_pages
    from .demo import load_demo, remove_demo

    connect()
    if remove:
        counts = remove_demo()
        click.echo("Removed demo content: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        return
    if get_settings().get("demo_content"):
        click.echo("The demo content is already loaded.")
        return
    record = load_demo()
    link_notice_pages()
    ensure_menu()
    click.echo("Loaded demo content: " + ", ".join(f"{len(v)} {k}" for k, v in record.items()))


@cms.command("migrate")
def migrate_command():
    """Apply pending schema migrations, after taking a backup."""
    from flask import current_app

    from .backup import BackupError, create_backup
    from .bootstrap import instance_lock

    with instance_lock(current_app.instance_path):  # not while a starting server migrates
        connect()
        pending = pending_migrations()
        if not pending:
            click.echo("The schema is up to date.")
            return
        try:
            click.echo(f"Backup written to {create_backup(current_app)}")
        except BackupError as exc:
            raise click.ClickException(f"No migration was applied: {exc}") from None
        for name in migrate():
            click.echo(f"Applied {name}")


def init_app(app) -> None:
    """Register the command group."""
    from . import data_cli as ops_cli  # noqa: F401  (backup, restore, export, import commands)

    app.cli.add_command(cms)
