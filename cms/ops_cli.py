"""Operations commands on `flask --app app cms`: backup, restore, export, import, WordPress."""

import click
from flask import current_app

from .cli import cms
from .db import connect


def _passphrase(path: str | None) -> str | None:
    if not path:
        return None
    with open(path) as fh:
        value = fh.readline().strip()
    if not value:
        raise click.UsageError(f"The passphrase file {path} is empty.")
    return value


passphrase_option = click.option(
    "--passphrase-file",
    type=click.Path(exists=True, dir_okay=False),
    help="A file whose first line is the passphrase protecting the key files in the archive.",
)


@cms.command("backup")
@click.argument("path", required=False, type=click.Path(file_okay=False))
@click.option("--keep", type=click.IntRange(min=1), help="How many backups to keep (default 14).")
@passphrase_option
def backup_command(path, keep, passphrase_file):
    """Write a backup archive into PATH (default instance/backups) and prune old ones."""
    from .backup import BackupError, create_backup

    try:
        archive = create_backup(current_app, path, keep, _passphrase(passphrase_file))
    except (BackupError, OSError) as exc:
        raise click.ClickException(f"Backup failed: {exc}") from None
    click.echo(f"Backup written to {archive}")
    if not passphrase_file:
        click.echo("The key files in instance/ are not in it: keep a copy of them elsewhere.")


@cms.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@passphrase_option
def restore_command(archive, passphrase_file):
    """Restore the database (and, with the passphrase, the keys) from a backup archive."""
    from .backup import BackupError, restore_backup

    try:
        done = restore_backup(current_app, archive, _passphrase(passphrase_file))
    except BackupError as exc:
        raise click.ClickException(f"Nothing was changed: {exc}") from None
    for line in done:
        click.echo(line)


@cms.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--no-revisions", is_flag=True, help="Leave out the revision history.")
def export_command(directory, no_revisions):
    """Write all content to DIRECTORY as content.json plus media files."""
    from .portable import PortableError, export_site

    connect()
    try:
        counts = export_site(directory, revisions=not no_revisions)
    except (PortableError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Exported to {directory}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))


@cms.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def import_command(directory):
    """Read an export folder into this (empty) site."""
    from .portable import PortableError, import_site

    connect()
    try:
        counts = import_site(directory)
    except PortableError as exc:
        raise click.ClickException(f"Nothing was imported: {exc}") from None
    click.echo("Imported: " + ", ".join(f"{n} {k}" for k, n in counts.items()))


@cms.command("import-wordpress")
@click.argument("export", type=click.Path(exists=True, dir_okay=False))
@click.option("--uploads", type=click.Path(exists=True, file_okay=False),
              help="The wp-content/uploads folder, for images.")  # fmt: skip
@click.option("--author", metavar="EMAIL", help="Make this account the author of everything.")
def import_wordpress_command(export, uploads, author):
    """Import posts, pages, categories, tags and images from a WordPress export (WXR)."""
    from .wordpress import import_wordpress
    from .wxr import WxrError

    connect()
    try:
        summary = import_wordpress(export, uploads, author)
    except WxrError as exc:
        raise click.ClickException(f"Nothing was imported: {exc}") from None
    for line in summary.lines():
        click.echo(line)
