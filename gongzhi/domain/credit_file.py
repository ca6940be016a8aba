"""信用档案 a property company's credit file: the records regulators enter about it.

One file per company (its id derived from the company's), holding every record: an
evaluation reads one aggregate for all the records that may count, and the rules that
compare records with each other (信用修复 needs a clean cycle after the record) see them
all. Records are never deleted: a withdrawal (撤销, with its reason) or a granted repair is
an event, and the record stays in the file and its history.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.credit_rules import (
    GOOD_KINDS,
    HonourLevel,
    Period,
    RecordKind,
    ScoredRecord,
    VetoKind,
)
from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.values import enum_value, optional_text, required_text

CREDIT_FILE_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/credit-file")


class RepairDecision(enum.StrEnum):
    GRANTED = "GRANTED"  # 准予修复
    REFUSED = "REFUSED"  # 不予修复


class CreditFile(Aggregate):
    """信用档案 of one 物业服务企业."""

    class Opened(Aggregate.Created):
        company_id: UUID

    class RecordEntered(Aggregate.Event):
        company_id: UUID
        record_id: UUID
        kind: str
        level: str | None
        veto_kind: str | None
        recorded_on: date
        valid_until: date | None
        authority: str
        document_number: str
        note: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CreditFile)
            aggregate.records[str(self.record_id)] = {
                "kind": self.kind,
                "level": self.level,
                "veto_kind": self.veto_kind,
                "recorded_on": self.recorded_on,
                "valid_until": self.valid_until,
                "withdrawn": False,
                "repaired_on": None,
                "repair_id": None,
            }

    class RecordWithdrawn(Aggregate.Event):
        record_id: UUID
        reason: str
        withdrawn_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CreditFile)
            aggregate.records[str(self.record_id)]["withdrawn"] = True

    class RepairRequested(Aggregate.Event):
        company_id: UUID
        record_id: UUID
        repair_id: UUID
        grounds: str
        requested_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CreditFile)
            aggregate.records[str(self.record_id)]["repair_id"] = self.repair_id

    class RepairDecided(Aggregate.Event):
        record_id: UUID
        repair_id: UUID
        decision: str
        decided_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CreditFile)
            record = aggregate.records[str(self.record_id)]
            record["repair_id"] = None
            if self.decision == RepairDecision.GRANTED:
                record["repaired_on"] = self.decided_on

    class EvaluationRequested(Aggregate.Event):
        """A regulator asks for the evaluation now; the projector queues the worker's job."""

        company_id: UUID
        period: str
        rule_set: str

    def __init__(self, company_id: UUID) -> None:
        self.company_id = company_id
        self.records: dict[str, dict[str, Any]] = {}

    @staticmethod
    def id_for(company_id: UUID) -> UUID:
        return uuid5(CREDIT_FILE_NAMESPACE, str(company_id))

    @classmethod
    def open(cls, company_id: UUID) -> CreditFile:
        return cls._create(cls.Opened, id=cls.id_for(company_id), company_id=company_id)

    def scored_records(self) -> list[ScoredRecord]:
        return [
            ScoredRecord(
                id=UUID(record_id),
                kind=r["kind"],
                recorded_on=r["recorded_on"],
                level=r["level"],
                veto_kind=r["veto_kind"],
                valid_until=r["valid_until"],
                withdrawn=r["withdrawn"],
                repaired_on=r["repaired_on"],
            )
            for record_id, r in self.records.items()
        ]

    def enter(
        self,
        *,
        kind: str,
        recorded_on: date,
        authority: str,
        document_number: str,
        entered_on: date,
        level: str | None = None,
        veto_kind: str | None = None,
        valid_until: date | None = None,
        note: str = "",
    ) -> UUID:
        """记录: an honour names its level, a veto item its kind; no other kind has either."""
        kind_value = enum_value("kind", RecordKind, kind)
        if kind_value == RecordKind.HONOUR.value:
            if level is None:
                raise InvalidValue("level", "an honour names its level")
            level = enum_value("level", HonourLevel, level)
        elif level is not None:
            raise InvalidValue("level", "only an honour has a level")
        if kind_value == RecordKind.VETO.value:
            if veto_kind is None:
                raise InvalidValue("vetoKind", "a veto item names its kind")
            veto_kind = enum_value("vetoKind", VetoKind, veto_kind)
        elif veto_kind is not None:
            raise InvalidValue("vetoKind", "only a veto item has a veto kind")
        if recorded_on > entered_on:
            raise InvalidValue("recordedOn", "must not be in the future")
        if valid_until is not None and valid_until < recorded_on:
            raise InvalidValue("validUntil", "must not be before the record's date")
        record_id = uuid4()
        self.trigger_event(
            self.RecordEntered,
            company_id=self.company_id,
            record_id=record_id,
            kind=kind_value,
            level=level,
            veto_kind=veto_kind,
            recorded_on=recorded_on,
            valid_until=valid_until,
            authority=required_text("authority", authority),
            document_number=required_text("documentNumber", document_number),
            note=optional_text("note", note),
        )
        return record_id

    def withdraw(self, record_id: UUID, reason: str, withdrawn_on: date) -> None:
        """撤销 a record entered in error, with the reason."""
        record = self._record(record_id)
        if record["withdrawn"]:
            raise RuleViolated("recordId", "the record is already withdrawn")
        self.trigger_event(
            self.RecordWithdrawn,
            record_id=record_id,
            reason=required_text("reason", reason, max_length=500),
            withdrawn_on=withdrawn_on,
        )

    def request_repair(self, record_id: UUID, grounds: str, requested_on: date) -> None:
        """信用修复 申请: a bad record (not a veto item) after a full quarter with no new bad
        record since it."""
        record = self._record(record_id)
        if record["kind"] in GOOD_KINDS or record["kind"] == RecordKind.VETO.value:
            raise RuleViolated("recordId", "only a bad record other than a veto item is repaired")
        if record["withdrawn"] or record["repaired_on"] is not None:
            raise RuleViolated("recordId", "the record no longer counts")
        if record["repair_id"] is not None:
            raise RuleViolated("recordId", "a repair of this record is already requested")
        clean_from = Period.containing(record["recorded_on"]).next()
        if requested_on <= clean_from.end:
            raise RuleViolated(
                "requestedOn",
                f"a repair needs the full period {clean_from.label} to pass without new bad "
                f"records; ask after {clean_from.end.isoformat()}",
            )
        later = [
            r
            for key, r in self.records.items()
            if key != str(record_id)
            and r["kind"] not in GOOD_KINDS
            and not r["withdrawn"]
            and record["recorded_on"] < r["recorded_on"] <= requested_on
        ]
        if later:
            raise RuleViolated("recordId", "a new bad record was entered since; no clean cycle")
        self.trigger_event(
            self.RepairRequested,
            company_id=self.company_id,
            record_id=record_id,
            repair_id=uuid4(),
            grounds=required_text("grounds", grounds, max_length=2000),
            requested_on=requested_on,
        )

    def decide_repair(self, record_id: UUID, decision: str, decided_on: date) -> None:
        record = self._record(record_id)
        if record["repair_id"] is None:
            raise RuleViolated("recordId", "no repair of this record is waiting for a decision")
        if decision not in (RepairDecision.GRANTED, RepairDecision.REFUSED):
            raise InvalidValue("decision", "must be GRANTED or REFUSED")
        self.trigger_event(
            self.RepairDecided,
            record_id=record_id,
            repair_id=record["repair_id"],
            decision=decision,
            decided_on=decided_on,
        )

    def request_evaluation(self, period: Period, rule_set: str) -> None:
        self.trigger_event(
            self.EvaluationRequested,
            company_id=self.company_id,
            period=period.label,
            rule_set=rule_set,
        )

    def _record(self, record_id: UUID) -> dict[str, Any]:
        record = self.records.get(str(record_id))
        if record is None:
            raise UnknownPart("recordId", f"the company's credit file has no record {record_id}")
        return record
