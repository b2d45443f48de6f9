"""`flask --app app cms create-token NAME --scopes ...` for scripts and deployment."""

import click

from ..accounts.actors import SYSTEM
from ..accounts.models import User
from ..accounts.tokens import create_token
from ..core.db import connect
from ..core.validation import ValidationError
from .commands import cms


@cms.command("create-token")
@click.argument("name")
@click.option("--scopes", required=True, help="Comma-separated, e.g. content:read,content:write")
@click.option("--user", "email", default=None, help="E-mail of the account the token acts for.")
@click.option("--expires", "days", type=int, default=None, help="Expire after this many days.")
def create_token_command(name, scopes, email, days):
    """Create an Admin API token; the token alone is printed on the last line."""
    connect()
    user = None
    if email:
        user = User.get_or_none(User.email == email.strip().lower())
        if user is None:
            raise click.ClickException(f"There is no account {email}.")
    try:
        token, plain = create_token(name, scopes, user=user, expires_days=days, actor=SYSTEM)
    except ValidationError as exc:
        raise click.ClickException(" ".join(exc.errors.values())) from None
    expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "no expiry"
    click.echo(f"Created token {token.name!r} ({token.scopes}; {expiry}). It is shown only once:")
    click.echo(plain)
