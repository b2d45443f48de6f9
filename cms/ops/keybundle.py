"""The key files in a backup: encrypted with a key derived from the passphrase, and checked
on the way back so a restore writes only the instance's own keys."""

import base64
import json
import os

from cryptography.fernet import Fernet, InvalidToken

from .archive import SCRYPT, BackupError, derive_key

KEY_FILES = ("secret_key", "message_key")
MAX_KEY_LENGTH = 1024


def _fernet(passphrase: str, salt: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive_key(passphrase, salt)))


def encrypt_keys(instance_path: str, passphrase: str) -> bytes:
    """The instance's key files, encrypted with a key derived from the passphrase."""
    keys = {}
    for name in KEY_FILES:
        path = os.path.join(instance_path, name)
        if os.path.exists(path):
            with open(path) as fh:
                keys[name] = fh.read()
    salt = os.urandom(16)
    token = _fernet(passphrase, salt).encrypt(json.dumps(keys).encode())
    envelope = {"kdf": "scrypt", **SCRYPT, "salt": base64.b64encode(salt).decode()}
    return json.dumps({**envelope, "fernet": token.decode()}).encode()


def decrypt_keys(blob: bytes, passphrase: str) -> dict[str, str]:
    """The key files from an archive, checked. Raises BackupError for a wrong passphrase."""
    try:
        envelope = json.loads(blob)
        fernet = _fernet(passphrase, base64.b64decode(envelope["salt"]))
        keys = json.loads(fernet.decrypt(envelope["fernet"].encode()))
    except InvalidToken:
        raise BackupError("The passphrase does not open the keys in this archive.") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupError("The encrypted keys in this archive are damaged.") from None
    return _checked_keys(keys)


def _checked_keys(keys) -> dict[str, str]:
    """Only the instance's own key files, each a short line of printable text."""
    if not isinstance(keys, dict):
        raise BackupError("The encrypted keys in this archive are damaged.")
    unknown = [repr(name)[:80] for name in keys if name not in KEY_FILES]
    if unknown:
        raise BackupError(
            f"The key bundle names files other than the instance's keys ({', '.join(unknown)}); "
            f"only {' and '.join(KEY_FILES)} are ever restored."
        )
    for name, value in keys.items():
        text = value.strip() if isinstance(value, str) else ""
        if not (0 < len(text) <= MAX_KEY_LENGTH and text.isascii() and text.isprintable()):
            raise BackupError(f"The {name} in the key bundle is not the text of a key.")
    return keys
