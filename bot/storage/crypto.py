"""Encryption at rest for what workers report (Fernet)."""

import hashlib
import logging
from pathlib import Path

from cryptography.fernet import Fernet

log = logging.getLogger(__name__)


def development_key(path: Path) -> bytes:
    """Return the local development key, creating it (readable by the owner only) if needed."""
    if not path.exists():
        path.write_bytes(Fernet.generate_key())
        path.chmod(0o600)
        log.warning("no CASE_ENCRYPTION_KEY set: using a development key in %s", path.name)
    return path.read_bytes().strip()


def resolve_key(key: str | None, development_key_path: Path) -> bytes:
    """Return the configured Fernet key, or the development key when none is set."""
    return key.encode() if key else development_key(development_key_path)


def signing_key(key: bytes) -> bytes:
    """Derive the key that signs caseworker buttons from the encryption key."""
    return hashlib.sha256(b"saathi-buttons:" + key).digest()
