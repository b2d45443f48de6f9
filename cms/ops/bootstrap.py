"""First start: a private instance folder, the secret key, the schema, the default notices,
demo content and the setup link, prepared by one process while the others wait.

gunicorn's workers and CLI commands started at the same moment all call create_app; an OS
lock on a file in the instance folder lets one of them bootstrap while the others wait
and then, re-checking under the lock, find everything done.
"""

import errno
import fcntl
import os
import secrets
import stat
from contextlib import contextmanager

from peewee import OperationalError

from ..accounts.actors import SYSTEM
from ..accounts.onetime import announce_setup_link
from ..accounts.two_step import reseal_secrets
from ..content.rerender import rerender_stored_html
from ..core.db import (
    DISK_FULL,
    READ_ONLY,
    connect,
    db,
    migrate,
    pending_migrations,
    storage_fault,
    storage_problem,
)
from ..site.defaults import install_defaults
from ..site.models import SiteState

LOCK_FILE = "bootstrap.lock"
UNWRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT}
SHARED_BITS = 0o077  # group and other access: the folder holds the keys and the inbox

DEFAULT_NOTICES = [
    {
        "key": "availability-not-accepting",
        "label": "Availability: not accepting new clients",
        "availability_state": "not_accepting",
        "placement": "top",
        "body": "Thank you for your interest in working with me. "
        "I am no longer accepting new clients.",
        "position": 0,
    },
    {
        "key": "availability-waitlist",
        "label": "Availability: waitlist",
        "availability_state": "waitlist",
        "placement": "top",
        "body": "My practice is currently full. You are welcome to ask to be added to my "
        "waitlist, and I will contact you when a space opens.",
        "position": 0,
    },
    {
        "key": "availability-accepting",
        "label": "Availability: accepting new clients",
        "availability_state": "accepting",
        "placement": "top",
        "body": "I am currently accepting new clients. You are welcome to get in touch "
        "to book a free 15-minute consultation.",
        "position": 0,
    },
    {
        "key": "online-therapy",
        "label": "Online therapy banner",
        "placement": "banner",
        "body": "Secure online therapy sessions are available.",
        "link_label": "Learn more",
        "link_page_slug": "online-therapy",
        "position": 1,
    },
    {
        "key": "disclaimer",
        "label": "Terms of use disclaimer under every post",
        "placement": "post",
        "body": "**Terms & conditions of use / not a substitute for professional advice.** "
        "The articles on this site are general information only. They are not "
        "psychotherapy, counselling or medical advice, and reading them does not create "
        "a therapeutic relationship. If you need help, please contact a qualified "
        "professional.",
        "link_label": "Terms of use",
        "link_page_slug": "terms-of-use",
        "position": 2,
    },
    {
        "key": "contact-crisis",
        "label": "Crisis notice on the contact page",
        "placement": "contact",
        "body": "**If you are in crisis or in danger, do not use this form.** In an emergency "
        "call 911 or go to the nearest emergency department. In Canada you can call or "
        "text 9-8-8, the Suicide Crisis Helpline, at any time. This inbox is not "
        "monitored around the clock.",
        "position": 0,
    },
]

DEFAULT_MENU = [
    ("Home", "home", None),
    ("Blog", "blog", None),
    ("About", "page", "about"),
    ("Online therapy", "page", "online-therapy"),
    ("Contact", "contact", None),
]


def ensure_notices() -> None:
    """Create any default notice that does not exist yet (never overwrites edits)."""
    install_defaults(DEFAULT_NOTICES, actor=SYSTEM)


def ensure_defaults() -> None:
    """The default notices, linked to their pages once those exist, and the default menu."""
    install_defaults(DEFAULT_NOTICES, DEFAULT_MENU, actor=SYSTEM)


@contextmanager
def instance_lock(instance_path: str):
    """Hold the instance's bootstrap lock; another process that asks for it waits.

    On a read-only (or full) instance folder the lock file is opened read-only, which
    flock() allows, or, if it was never made, not taken: nothing can be written there then.
    """
    path = os.path.join(instance_path, LOCK_FILE)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        if exc.errno not in UNWRITABLE:
            raise
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            yield
            return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock (the kernel does it too if the process dies)


def _create_private(path: str, text: str = "") -> None:
    """Create a 0600 file that others see complete or not at all; keep one that exists."""
    temp = f"{path}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(temp, path)  # atomic, and never replaces a file (a key) that exists
    except FileExistsError:
        pass
    finally:
        os.unlink(temp)


def make_private(instance_path: str, logger) -> None:
    """Take group and other access off the instance folder and everything in it."""
    changed = []
    for folder, _, files in os.walk(instance_path):
        for path in [folder, *(os.path.join(folder, name) for name in files)]:
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                continue  # a temporary file that went away
            if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
                continue  # not ours to change (a config.py owned by root, say)
            if info.st_mode & SHARED_BITS:
                try:
                    os.chmod(path, stat.S_IMODE(info.st_mode) & ~SHARED_BITS)
                except OSError as exc:  # a read-only folder: say so, and serve readers
                    logger.warning("Could not make %s private: %s", path, exc.strerror)
                    continue
                name = os.path.relpath(path, instance_path)
                changed.append("the folder itself" if name == "." else name)
    if changed:
        logger.warning(
            "Removed group and other access from %s in the instance folder %s: it holds "
            "the keys, the database and the backups.",
            ", ".join(changed),
            instance_path,
        )


def prepare_instance(app) -> None:
    """Create the instance folder 0700, keep it private, read or make the secret key."""
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    with instance_lock(app.instance_path):
        make_private(app.instance_path, app.logger)
        if not app.config.get("SECRET_KEY"):
            path = os.path.join(app.instance_path, "secret_key")
            if not os.path.exists(path):
                _create_private(path, secrets.token_hex(32))
            with open(path) as fh:
                app.config["SECRET_KEY"] = fh.read().strip()


def prepare_database(app) -> None:
    """Migrate the schema, fill a new database (defaults, demo), log the setup link.

    On a read-only or full disk, a complete database is served as it is: the bootstrap's
    writes are skipped with a log line, and every change answers 503 until it is fixed.
    """
    with instance_lock(app.instance_path), app.app_context():
        if not os.path.exists(app.config["DATABASE"]):
            # SQLite gives the -wal and -shm files the database's own mode.
            _create_private(app.config["DATABASE"])
        connect()
        try:
            fault = db.fallback_reason() or storage_problem(app.config["DATABASE"])
            if fault in (READ_ONLY, DISK_FULL):
                if not _complete():
                    raise RuntimeError(
                        f"{fault}: the database {app.config['DATABASE']} needs its schema "
                        "created or upgraded, which cannot be written; free space or make "
                        "it writable, then start again"
                    )
                app.logger.error(
                    "%s: started without the start-up writes (re-sealing two-step secrets, "
                    "re-cleaning stored HTML, the setup link); readers are served, every "
                    "change answers 503 until it is fixed",
                    fault,
                )
                return
            _bootstrap(app)
        finally:
            # Never keep a connection opened before a server forks its workers.
            db.close()
        _unless_storage_fails(app, "the setup link", lambda: announce_setup_link(app))


def _complete() -> bool:
    """True when the database holds a site at this version's schema."""
    return SiteState.table_exists() and not pending_migrations()


def _bootstrap(app) -> None:
    fresh = not SiteState.table_exists()
    if app.config["AUTO_MIGRATE"] or fresh:
        if not fresh and pending_migrations():
            from .backup import create_backup

            create_backup(app)  # an upgrade never starts without a way back
        migrate()
        # Here the secret key is the one this instance will use.
        _unless_storage_fails(app, "re-sealing two-step secrets", reseal_secrets)
        _unless_storage_fails(app, "re-cleaning stored HTML", rerender_stored_html)
    if fresh:
        ensure_notices()
        if app.config["DEMO_CONTENT"]:
            from .demo import load_demo

            load_demo()
        ensure_defaults()


def _unless_storage_fails(app, what: str, action) -> None:
    """Run a start-up write that a site can do without while its disk is full or read-only."""
    try:
        action()
    except OperationalError as exc:
        fault = storage_fault(exc, app.config["DATABASE"])
        if fault not in (READ_ONLY, DISK_FULL):
            raise
        app.logger.error("%s: %s skipped (%s)", fault, what, exc)
