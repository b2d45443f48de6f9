"""Operations commands on `flask --app app cms`: backup, restore, export, import, WordPress.

Each loads its machinery when run (backups load cryptography, which readers never need).
"""

import os
import sqlite3
import sys

import click
from flask import current_app

from ..core.db import connect, fault_and_cause
from .commands import cms


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


def _storage_error(exc: Exception) -> str:
    """An OS or SQLite error as one line, named by its storage fault when it is one."""
    fault, cause = fault_and_cause(exc, current_app.config["DATABASE"])
    return f"{fault} ({cause})" if fault else str(exc)


@cms.command("backup")
@click.argument("path", required=False, type=click.Path(file_okay=False))
@click.option("--keep", type=click.IntRange(min=1), help="How many backups to keep (default 14).")
@passphrase_option
def backup_command(path, keep, passphrase_file):
    """Write a backup archive into PATH (default instance/backups), read it back, and prune
    old ones."""
    from .backup import BackupError, create_backup

    passphrase = _passphrase(passphrase_file)
    try:
        archive = create_backup(current_app, path, keep, passphrase)
    except BackupError as exc:
        raise click.ClickException(f"Backup failed: {exc}") from None
    except (OSError, sqlite3.Error) as exc:
        raise click.ClickException(f"Backup failed: {_storage_error(exc)}") from None
    click.echo(f"Backup written to {archive}")
    click.echo(
        "Read back: every file matches its checksum"
        + (", and the manifest is signed with the passphrase." if passphrase else ".")
    )
    if not passphrase:
        click.echo("The key files in instance/ are not in it: keep a copy of them elsewhere.")


@cms.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@passphrase_option
@click.option(
    "--allow-unsigned",
    is_flag=True,
    help="With a passphrase, accept an archive that is not signed (made without one, or by "
    "an older version); it cannot be shown to be unchanged.",
)
def restore_command(archive, passphrase_file, allow_unsigned):
    """Check an archive (gzip stream, checksums, with the passphrase its signature), then
    restore the database (and, with the passphrase, the keys) from it."""
    from .backup import BackupError, restore_backup
    from .bootstrap import instance_lock

    passphrase = _passphrase(passphrase_file)
    try:
        # Under the bootstrap lock: never while a starting server migrates the same file.
        with instance_lock(current_app.instance_path):
            done = restore_backup(current_app, archive, passphrase, allow_unsigned)
    except BackupError as exc:
        raise click.ClickException(f"Nothing was changed: {exc}") from None
    except (OSError, sqlite3.Error) as exc:
        raise click.ClickException(
            f"The restore failed and the current database was kept: {_storage_error(exc)}"
        ) from None
    for line in done:
        click.echo(line)


@cms.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--no-revisions", is_flag=True, help="Leave out the revision history.")
def export_command(directory, no_revisions):
    """Write all content to DIRECTORY as content.json plus media files."""
    from .portable import PortableError, export_site

    connect()
    private = os.umask(0o077)  # the export holds drafts: owner-only, whatever the umask
    try:
        counts = export_site(directory, revisions=not no_revisions)
    except (PortableError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        os.umask(private)
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
@click.option("--dry-run", is_flag=True, help="Report what would be imported; change nothing.")
@click.option("--replace-menu", is_flag=True,
              help="Replace the header menu even if it was changed here.")  # fmt: skip
def import_wordpress_command(export, uploads, author, dry_run, replace_menu):
    """Import posts, pages, categories, tags and images from a WordPress export (WXR)."""
    from .wordpress.importer import import_wordpress
    from .wordpress.wxr import WxrError

    connect()
    try:
        with click.progressbar(length=1, label="Reading", file=sys.stderr) as bar:

            def progress(total: int) -> None:  # called once per item of the export
                bar.label, bar.length = "Importing", total
                bar.update(1)

            summary = import_wordpress(export, uploads, author, dry_run, progress, replace_menu)
    except WxrError as exc:
        raise click.ClickException(f"Nothing was imported: {exc}") from None
    for line in summary.lines():
        click.echo(line)
