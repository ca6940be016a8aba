"""The audit signing key (Ed25519) from configuration, generated in development."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KEY_ENV = "GONGZHI_AUDIT_SIGNING_KEY"  # the PEM text itself
KEY_FILE_ENV = "GONGZHI_AUDIT_SIGNING_KEY_FILE"  # or a file holding it
DEV_KEY_FILE = "dev-audit-signing-key.pem"


def signing_key_pem(env: Mapping[str, str], data_dir: Path, *, production: bool) -> str:
    """The audit signing key (PKCS#8 PEM) from the environment; in development one generated
    into the data folder, so that checkpoints made before a restart still verify. Production
    refuses to start without a configured key: a key generated on the server's disk would
    change with every new container, and nobody could verify an older checkpoint."""
    pem = env.get(KEY_ENV, "")
    if not pem and env.get(KEY_FILE_ENV):
        pem = Path(env[KEY_FILE_ENV]).read_text(encoding="utf-8")
    if pem:
        AuditKey(pem)  # a malformed key fails at start, not at the first checkpoint
        return pem
    if production:
        msg = f"{KEY_ENV} or {KEY_FILE_ENV} must hold the Ed25519 audit signing key (PEM)"
        raise ValueError(msg)
    path = data_dir / DEV_KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8")
    data_dir.mkdir(parents=True, exist_ok=True)
    pem = new_key_pem()
    # Written whole or not at all: a second process starting at the same moment must not
    # read half a key; the first one to finish wins and both use its key.
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(pem, encoding="utf-8")
    partial.chmod(0o600)
    try:
        os.link(partial, path)
    except FileExistsError:
        pass
    finally:
        partial.unlink()
    return path.read_text(encoding="utf-8")


def new_key_pem() -> str:
    """A fresh Ed25519 signing key as PKCS#8 PEM (``gongzhi seal --new-key`` prints one)."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


class AuditKey:
    """The platform's audit signing key."""

    def __init__(self, pem: str) -> None:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            msg = f"{KEY_ENV} must be an Ed25519 private key"
            raise ValueError(msg)
        self._key = key
        self.public_key = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)
