"""The audit signing key from configuration, and the signed form of a checkpoint."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gongzhi.infra.audit_chain import link
from gongzhi.infra.audit_keys import AuditKey, new_key_pem, signing_key_pem
from gongzhi.infra.audit_seal import Checkpoint
from gongzhi.infra.personal_data import create_master_key
from gongzhi.infra.settings import Settings

SECRET = {"GONGZHI_JWT_SECRET": "test-signing-key-not-for-production-use-0123456789"}


def test_production_refuses_to_start_without_an_audit_key(tmp_path: Path) -> None:
    master_key, data = tmp_path / "master.key", tmp_path / "data"
    create_master_key(master_key)  # production's other required key, given
    env = {
        **SECRET,
        "GONGZHI_ENV": "production",
        "GONGZHI_DATA_DIR": str(data),
        "GONGZHI_MASTER_KEY_FILE": str(master_key),
    }
    with pytest.raises(ValueError, match="GONGZHI_AUDIT_SIGNING_KEY"):
        Settings.from_env(env)
    assert not list(data.glob("*")), "no key may be generated in production"

    pem = new_key_pem()
    assert Settings.from_env({**env, "GONGZHI_AUDIT_SIGNING_KEY": pem}).audit_signing_key == pem
    kept = tmp_path / "key.pem"
    kept.write_text(pem, encoding="utf-8")
    from_file = Settings.from_env({**env, "GONGZHI_AUDIT_SIGNING_KEY_FILE": str(kept)})
    assert from_file.audit_signing_key == pem


def test_development_generates_one_key_and_keeps_it(tmp_path: Path) -> None:
    env = {**SECRET, "GONGZHI_DATA_DIR": str(tmp_path)}
    first = Settings.from_env(env).audit_signing_key
    assert (
        AuditKey(first).public_key == AuditKey(Settings.from_env(env).audit_signing_key).public_key
    )
    assert (tmp_path / "dev-audit-signing-key.pem").stat().st_mode & 0o077 == 0


def test_a_malformed_key_fails_at_start(tmp_path: Path) -> None:
    env = {**SECRET, "GONGZHI_DATA_DIR": str(tmp_path), "GONGZHI_AUDIT_SIGNING_KEY": "nonsense"}
    with pytest.raises(ValueError):
        signing_key_pem(env, tmp_path, production=False)


def test_a_kept_checkpoint_verifies_only_as_it_was_signed() -> None:
    key = AuditKey(new_key_pem())
    head = link(bytes(32), 1, "7c1e…", 1, "gongzhi.domain.person:Person.Registered", b"{}")
    unsigned = Checkpoint(1, head, datetime(2026, 12, 7, 4, 30, 1, 250, tzinfo=UTC), b"")
    signed = Checkpoint(1, head, unsigned.sealed_at, key.sign(unsigned.message()))

    # What a committee keeps, read back, still verifies
    kept = Checkpoint.from_json(signed.as_json(key.public_key))
    assert kept == signed and kept.signed_by(key.public_key)

    # Any field changed, or another key, does not
    for changed in (
        Checkpoint(2, head, signed.sealed_at, signed.signature),
        Checkpoint(1, bytes(32), signed.sealed_at, signed.signature),
        Checkpoint(1, head, signed.sealed_at.replace(microsecond=251), signed.signature),
    ):
        assert not changed.signed_by(key.public_key)
    assert not signed.signed_by(AuditKey(new_key_pem()).public_key)

    with pytest.raises(ValueError, match="sealedAt"):
        Checkpoint.from_json({**signed.as_json(), "sealedAt": "2026-12-07T04:30:01"})
