"""`gongzhi seal` and `gongzhi verify`, run as an operator or a committee's auditor runs them."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from gongzhi.bootstrap import Platform
from gongzhi.infra.settings import Settings
from tests.e2e.test_cli_import import gongzhi
from tests.integration.test_audit_chain import edit, record
from tests.integration.test_reseal import recorded_before_sealing


def test_verify_passes_an_untouched_log_and_names_the_event_edited_after_a_checkpoint(
    platform: Platform, settings: Settings, tmp_path: Path
) -> None:
    # Given a log and a checkpoint of it kept in a file
    positions = record(platform, 12)
    sealed = gongzhi(settings, "seal", "--reason", "业委会换届前封存")
    assert sealed.returncode == 0, sealed.stdout + sealed.stderr
    kept = tmp_path / "checkpoint.json"
    kept.write_text(sealed.stdout, encoding="utf-8")
    assert json.loads(sealed.stdout)["position"] == positions[-1]

    # Then verify passes, with the checkpoint proved too
    untouched = gongzhi(settings, "verify", "--checkpoint", str(kept))
    assert untouched.returncode == 0, untouched.stdout + untouched.stderr
    assert "the event log is intact: 12 events" in untouched.stdout
    assert f"checkpoint at position {positions[-1]}: valid" in untouched.stdout

    # When an event's stored state is edited with plain SQL
    with psycopg.connect(platform.pg.url(), autocommit=True) as sql:
        edit(sql, positions[7], positions[2])

    # Then verify fails, naming that event's position, for the log and for the checkpoint
    tampered = gongzhi(settings, "verify", "--checkpoint", str(kept))
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    assert f"TAMPERED at position {positions[7]}: the event does not match" in tampered.stdout
    assert f"checkpoint at position {positions[-1]}: position {positions[7]}" in tampered.stdout
    assert "the 7 events before it are intact" in tampered.stdout

    # And no checkpoint is made over it
    refused = gongzhi(settings, "seal")
    assert refused.returncode == 1
    assert f"fails verification at position {positions[7]}" in refused.stdout


def test_reseal_seals_records_written_in_clear_and_verify_still_passes(
    platform: Platform, settings: Settings
) -> None:
    # Given records written in clear before sealing existed, in a chained log
    recorded_before_sealing(platform)

    # When an operator reseals, then verifies
    resealed = gongzhi(settings, "reseal", "--reason", "存量个人信息加密")
    verified = gongzhi(settings, "verify")

    # Then the three clear events are rewritten sealed, and the log verifies as intact
    assert resealed.returncode == 0, resealed.stdout + resealed.stderr
    assert "resealed 3" in resealed.stdout
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "3 of them resealed" in verified.stdout
