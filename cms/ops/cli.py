"""`flask --app app cms ...` commands."""

import sys

import click
from flask import current_app

from ..accounts.actors import SYSTEM
from ..accounts.users import create_user
from ..core.db import connect, migrate, pending_migrations
from ..core.validation import ValidationError
from ..messages.models import retention_days
from ..messages.retention import purge_expired
from ..site.models import get_settings
from . import data_cli  # noqa: F401  (adds backup, restore, export and import)
from .bootstrap import ensure_defaults, instance_lock
from .commands import cms
from .demo import load_demo, remove_demo


@cms.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "editor"]), default="admin", show_default=True)
@click.option("--name", default="", help="Display name (defaults to the e-mail's local part).")
def create_user_command(email, role, name):
    """Create an account; asks for the password, or reads it from stdin when piped."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    connect()
    try:
        user = create_user(email, password, role=role, name=name, actor=SYSTEM)
    except ValidationError as exc:
        for field, message in exc.errors.items():
            click.echo(f"Error ({field}): {message}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Created {user.role} {user.email}.")


@cms.command("reset-password")
@click.argument("email")
@click.option(
    "--two-step-off",
    is_flag=True,
    help="Also switch two-step sign-in off (the phone and the recovery codes are lost).",
)
def reset_password_command(email, two_step_off):
    """Print a one-time link to choose a new password (the current one keeps working until
    the link is used); for an administrator locked out with no one to send a link."""
    from ..accounts import two_step
    from ..accounts.models import User
    from ..accounts.onetime import link_base
    from ..accounts.recovery import issue_reset_link, reset_minutes

    connect()
    user = User.get_or_none(User.email == email.strip().lower())
    if user is None or not user.active:
        raise click.ClickException(f"No active account uses {email}.")
    if two_step_off and user.totp_secret:
        two_step.disable(user, actor=SYSTEM)
        click.echo("Two-step sign-in is off; switch it on again from Account after signing in.")
    link = issue_reset_link(user, "cms reset-password")
    where = "" if link_base() else " (after this site's address)"
    click.echo(f"Open this one-time link within {reset_minutes()} minutes{where}:\n{link}")


@cms.command("demo")
@click.option("--remove", is_flag=True, help="Remove the demo content instead of adding it.")
def demo_command(remove):
    """Add the demo content, or remove exactly what the demo added."""
    connect()
    if remove:
        counts = remove_demo()
        click.echo("Removed demo content: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        return
    if get_settings().get("demo_content"):
        click.echo("The demo content is already loaded.")
        return
    record = load_demo()
    ensure_defaults()
    click.echo("Loaded demo content: " + ", ".join(f"{len(v)} {k}" for k, v in record.items()))


@cms.command("migrate")
def migrate_command():
    """Apply pending schema migrations, after taking a backup."""
    from .backup import BackupError, create_backup  # loads cryptography: only when used

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


@cms.command("purge")
def purge_command():
    """Delete contact messages older than the retention period; prune old revisions and
    activity entries."""
    connect()
    pruned: dict = {}
    count = purge_expired(pruned)
    click.echo(f"Deleted {count} message(s) older than {retention_days()} days.")
    click.echo("Pruned " + ", ".join(f"{n} old {what}" for what, n in pruned.items()) + ".")


def init_app(app) -> None:
    """Register the command group."""
    app.cli.add_command(cms)
