"""审计封存 over GraphQL: the admin seals, auditors read the seal and verify a kept checkpoint,
and a checkpoint kept before an event was deleted names that event's position."""

from __future__ import annotations

from typing import Any

import psycopg

from gongzhi.graphql.auth import Principal
from tests.integration.conftest import Api
from tests.integration.tenants import Tenant

SEAL = """{ auditSeal { __typename ... on AuditSealPayload { publicKey algorithm
    checkpoint { position headHash sealedAt signature madeBy reason } }
    ... on Forbidden { message } } }"""
CHECKPOINT = """mutation($reason: String!) { checkpointAudit(input: {reason: $reason}) {
    __typename ... on AuditSealPayload { publicKey checkpoint { position headHash sealedAt
    signature madeBy reason } } ... on Forbidden { message } ... on Conflict { message } } }"""
VERIFY = """query($checkpoint: AuditCheckpointInput!) { verifyAuditSeal(checkpoint: $checkpoint) {
    __typename ... on AuditVerification { valid signatureValid brokenAt message eventsChecked }
    ... on ValidationError { field message } ... on Forbidden { message } } }"""


def kept(checkpoint: dict[str, Any]) -> dict[str, Any]:
    """What a committee keeps: the four signed fields."""
    return {k: checkpoint[k] for k in ("position", "headHash", "sealedAt", "signature")}


def verify(api: Api, checkpoint: dict[str, Any], as_: Principal) -> dict[str, Any]:
    answer: dict[str, Any] = api.gql(VERIFY, {"checkpoint": checkpoint}, as_=as_)["verifyAuditSeal"]
    return answer


def test_auditors_keep_a_checkpoint_and_it_names_the_event_deleted_later(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, _ = tenants
    people = mine.principals()
    committee = people["committee"]

    # Given no checkpoint yet: auditors see the key, and no checkpoint
    before = api.gql(SEAL, as_=committee)["auditSeal"]
    assert before["__typename"] == "AuditSealPayload"
    assert before["checkpoint"] is None and before["algorithm"] == "Ed25519"

    # When the platform admin seals the log
    made = api.gql(CHECKPOINT, {"reason": "年度审计前封存"})["checkpointAudit"]
    assert made["__typename"] == "AuditSealPayload", made
    checkpoint = made["checkpoint"]
    last = api.platform.app.recorder.max_notification_id()
    assert checkpoint["position"] == str(last)
    assert (checkpoint["madeBy"], checkpoint["reason"]) == ("admin-1", "年度审计前封存")

    # Then every auditing role reads the same seal and finds the checkpoint valid
    for role in ("committee", "regulator", "staff"):
        seal = api.gql(SEAL, as_=people[role])["auditSeal"]
        assert seal["checkpoint"] == checkpoint and seal["publicKey"] == made["publicKey"]
        answer = verify(api, kept(checkpoint), people[role])
        assert answer["valid"] is True, answer
        assert answer["brokenAt"] is None and answer["eventsChecked"] > 0

    # When an event before the checkpoint is deleted with plain SQL
    with psycopg.connect(api.platform.pg.url(), autocommit=True) as sql:
        sql.execute("DELETE FROM gongzhi_events WHERE notification_id = 5")

    # Then the kept checkpoint no longer holds, and the answer names the event
    answer = verify(api, kept(checkpoint), committee)
    assert (answer["valid"], answer["signatureValid"], answer["brokenAt"]) == (False, True, "5")
    assert "deleted" in answer["message"]

    # And the admin cannot have the broken log sealed
    refused = api.gql(CHECKPOINT, {"reason": "再封存"})["checkpointAudit"]
    assert refused["__typename"] == "Conflict" and "position 5" in refused["message"]


def test_an_altered_checkpoint_is_not_the_platforms(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, _ = tenants
    committee = mine.principals()["committee"]
    checkpoint = kept(api.gql(CHECKPOINT, {"reason": "封存"})["checkpointAudit"]["checkpoint"])

    # A checkpoint moved to an earlier position, or to another time, is refused by signature
    for field, value in (("position", "3"), ("sealedAt", "2026-01-01T00:00:00+00:00")):
        answer = verify(api, {**checkpoint, field: value}, committee)
        assert (answer["valid"], answer["signatureValid"]) == (False, False), (field, answer)

    # And a malformed one is refused naming its field
    for field, value in (("headHash", "not-hex"), ("signature", "***"), ("position", "x")):
        answer = verify(api, {**checkpoint, field: value}, committee)
        assert answer["__typename"] == "ValidationError"
        assert answer["field"] == f"checkpoint.{field}"


def test_residents_and_non_admins_are_refused(api: Api, tenants: tuple[Tenant, Tenant]) -> None:
    mine, _ = tenants
    people = mine.principals()
    checkpoint = kept(api.gql(CHECKPOINT, {"reason": "封存"})["checkpointAudit"]["checkpoint"])
    count_before = _checkpoints(api)

    # A resident asks the committee: the seal and its verification are refused
    assert api.gql(SEAL, as_=people["resident"])["auditSeal"]["__typename"] == "Forbidden"
    assert verify(api, checkpoint, people["resident"])["__typename"] == "Forbidden"

    # Only the platform admin seals
    for role in ("committee", "regulator", "staff", "resident"):
        answer = api.gql(CHECKPOINT, {"reason": "封存"}, as_=people[role])["checkpointAudit"]
        assert answer["__typename"] == "Forbidden", role
    assert _checkpoints(api) == count_before


def _checkpoints(api: Api) -> int:
    with psycopg.connect(api.platform.pg.url()) as sql:
        row = sql.execute("SELECT count(*) FROM audit_checkpoints").fetchone()
    assert row is not None
    return int(row[0])
