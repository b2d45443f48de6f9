"""The message key: instance/message_key, beside the database but not in it.

Everything a visitor writes is sealed into one Fernet token (AES-128-CBC + HMAC-SHA256)
with this key, so a copied database file or backup reveals nothing. A key missing when a
message comes is created; a damaged one is set aside (for recovery) and replaced.
"""

import base64
import json
import os
import secrets
import time

from flask import current_app
from werkzeug.exceptions import ServiceUnavailable

from ..core import clock
from ..core.db import storage_fault
from ..ops.bootstrap import instance_lock

_keys: dict = {}  # key path -> (file identity, Fernet), read again when the file changes
_damaged: set = set()  # identities of damaged key files this process has logged
MAX_KEY_BYTES = 4096  # a key is 45 bytes; a huge file there is damaged, not read whole
SETTLE_SECONDS = 0.05


def key_path() -> str:
    """Where the message key lives: instance/message_key."""
    return os.path.join(current_app.instance_path, "message_key")


class MessageKeyUnavailable(ServiceUnavailable):
    """The message key cannot be created or set aside (the instance folder is read-only
    or full): no message is stored that nobody could read."""


def _identity(info: os.stat_result) -> tuple:
    """What changes when the key file is replaced, restored or rewritten in place."""
    return info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size


def _load(path: str) -> tuple[tuple, object | None]:
    """The key file's identity and its cipher, None if it is not a key (FileNotFoundError)."""
    from cryptography.fernet import Fernet  # loaded once a message is stored or read

    with open(path, "rb") as fh:
        identity = _identity(os.fstat(fh.fileno()))
        raw = fh.read(MAX_KEY_BYTES).strip()
    try:
        return identity, Fernet(raw)
    except ValueError:  # not 32 bytes of URL-safe base64: garbage, truncated or empty
        return identity, None


def _create_key(path: str) -> None:
    """Create a new key (mode 0600) that others see complete or not at all."""
    temp = f"{path}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(base64.urlsafe_b64encode(os.urandom(32)) + b"\n")  # a Fernet key
            fh.flush()
            os.fsync(fh.fileno())
        os.link(temp, path)  # atomic: fails if another process created the key first
        current_app.logger.warning("created a new message key at %s; back it up", path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temp)


def _set_aside(path: str) -> str:
    """Move a damaged key out of the way, under a new name, so it can still be recovered."""
    base = aside = f"{path}.damaged-{clock.utcnow():%Y%m%d-%H%M%S}"
    n = 1
    while os.path.lexists(aside):  # under the instance lock: nobody else names one now
        n += 1
        aside = f"{base}-{n}"
    os.rename(path, aside)
    return aside


def _replace_key(path: str, damaged: bool) -> tuple[tuple, object]:
    """Create the key, first setting a damaged one aside; under the instance lock, so
    workers that find the same damage set it aside once and then share one new key."""
    if damaged:
        time.sleep(SETTLE_SECONDS)  # a key being copied into place is briefly empty
    try:
        with instance_lock(current_app.instance_path):
            try:
                identity, cipher = _load(path)
            except FileNotFoundError:
                identity, cipher = None, None
            if cipher is None:
                if identity is not None:
                    aside = _set_aside(path)
                    current_app.logger.warning(
                        "the message key %s was damaged; it is kept as %s, and a new key is "
                        "used for new messages (put the original key back to read older ones)",
                        path, aside,
                    )  # fmt: skip
                _create_key(path)
                identity, cipher = _load(path)
    except OSError as exc:
        current_app.logger.error(
            "%s: the message key %s cannot be written (%s); contact messages answer 503",
            storage_fault(exc) or "instance folder not writable", path, exc.strerror,
        )  # fmt: skip
        raise MessageKeyUnavailable() from exc
    return identity, cipher


def fernet(create: bool = True):
    """The cipher for this instance's messages, read again whenever the key file changes.

    Workers never keep a key past a change (a key put back or restored while the site
    runs is used at once). With `create` (a message is being stored) a missing key is
    created and a damaged one set aside and replaced; reading never changes a file and
    gets None instead.
    """
    path = key_path()
    cached = _keys.get(path)
    try:
        if cached and cached[0] == _identity(os.stat(path)):
            return cached[1]
        identity, cipher = _load(path)
    except FileNotFoundError:
        identity, cipher = None, None
    except OSError as exc:  # unreadable (permissions, I/O): not damage, never set aside
        current_app.logger.error("the message key %s cannot be read: %s", path, exc.strerror)
        if create:
            raise MessageKeyUnavailable() from exc
        return None
    if cipher is None and identity is not None and identity not in _damaged:
        _damaged.add(identity)
        current_app.logger.warning(
            "the message key %s is damaged (not a Fernet key): messages cannot be "
            "decrypted; the next contact message sets it aside and creates a new key",
            path,
        )
    if cipher is None:
        if not create:
            return None
        identity, cipher = _replace_key(path, damaged=identity is not None)
    _keys[path] = (identity, cipher)
    return cipher


def set_aside_keys() -> list[str]:
    """The names of damaged key files set aside in the instance folder, oldest first."""
    names = os.listdir(current_app.instance_path)
    return sorted(name for name in names if name.startswith("message_key.damaged-"))


def seal(contents: dict) -> str:
    """Encrypt and authenticate a message's fields."""
    return fernet().encrypt(json.dumps(contents).encode()).decode()


def unseal(token: str) -> dict | None:
    """Decrypt a sealed message; None if it was sealed with another key or altered, or the
    key is missing or damaged."""
    from cryptography.fernet import InvalidToken

    cipher = fernet(create=False)
    if cipher is None:
        return None
    try:
        return json.loads(cipher.decrypt(token.encode()))
    except InvalidToken:
        return None
