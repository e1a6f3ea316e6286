"""Encryption at rest for what workers report (Fernet)."""

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


def make_cipher(key: str | None, development_key_path: Path) -> Fernet:
    """Return the cipher for the configured key, or the development key when none is set."""
    return Fernet(key.encode() if key else development_key(development_key_path))
