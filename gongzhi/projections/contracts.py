"""Read model of 物业服务合同 service contracts: one row per contract with its dates.

The status is not stored: it depends on the day asked about, and the read side computes
it from these dates with the domain's ``contract_status``.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from sqlalchemy import Column, Date, DateTime, Index, Integer, Numeric, String, Table, Uuid

from gongzhi.domain.contract import NoticeKind, ServiceContract
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import CHANGE, CREATE, TOUCH, Op, insert_statement, update_statement

service_contracts = Table(
    "service_contracts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("number", Integer, nullable=False),
    Column("mode", String(30), nullable=False),
    Column("company_id", Uuid, index=True),
    Column("decision_id", Uuid),
    Column("predecessor_id", Uuid),
    Column("successor_id", Uuid),
    Column("term_start", Date, nullable=False),
    Column("term_end", Date),
    Column("fee_per_m2_month", Numeric(10, 4), nullable=False),
    Column("pricing", String(20), nullable=False),
    Column("commission_rate", Numeric(6, 4)),
    Column("signed_on", Date, nullable=False),
    Column("started_on", Date),
    Column("notice_kind", String(20)),
    Column("notice_given_on", Date),
    Column("notice_effective_on", Date),
    Column("notice_decision_id", Uuid),
    Column("handed_over_on", Date),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("service_contracts_community_number", "community_id", "number", unique=True),
)

INSERT_CONTRACT = insert_statement(
    "insert contract", CREATE, service_contracts, on_conflict_do_nothing=True
)
NAME_SUCCESSOR = update_statement(
    "name contract successor",
    CHANGE,
    service_contracts,
    key=("id", "b_id"),
    assign={"successor_id": "successor_id"},
)
START_CONTRACT = update_statement(
    "start contract", CHANGE, service_contracts, key=("id", "b_id"), assign={"started_on": "on"}
)
NOTICE_CONTRACT = update_statement(
    "give contract notice",
    CHANGE,
    service_contracts,
    key=("id", "b_id"),
    assign={
        "notice_kind": "kind",
        "notice_given_on": "given_on",
        "notice_effective_on": "effective_on",
        "notice_decision_id": "decision_id",
    },
)
HAND_OVER_CONTRACT = update_statement(
    "hand over contract",
    CHANGE,
    service_contracts,
    key=("id", "b_id"),
    assign={"handed_over_on": "on"},
)
TOUCH_CONTRACT = update_statement(
    "touch contract",
    TOUCH,
    service_contracts,
    key=("id", "b_id"),
    assign={"version": "version", "updated_at": "at"},
)


@singledispatch
def contract_ops(event: object) -> list[Op]:
    """Rows for one event; events of other aggregates give none."""
    return []


def _touch(event: ServiceContract.Event) -> Op:
    return Op(
        TOUCH_CONTRACT,
        {"b_id": event.originator_id, "version": event.originator_version, "at": event.timestamp},
    )


@contract_ops.register
def _(event: ServiceContract.Awarded) -> list[Op]:
    row: dict[str, Any] = {
        "id": event.originator_id,
        "community_id": event.community_id,
        "number": event.number,
        "mode": event.mode,
        "company_id": event.company_id,
        "decision_id": event.decision_id,
        "predecessor_id": event.predecessor_id,
        "term_start": event.term_start,
        "term_end": event.term_end,
        "fee_per_m2_month": event.fee_per_m2_month,
        "pricing": event.pricing,
        "commission_rate": event.commission_rate,
        "signed_on": event.signed_on,
        "version": event.originator_version,
        "created_at": event.timestamp,
        "updated_at": event.timestamp,
    }
    return [Op(INSERT_CONTRACT, row)]


@contract_ops.register
def _(event: ServiceContract.SuccessorAwarded) -> list[Op]:
    params = {"b_id": event.originator_id, "successor_id": event.successor_id}
    return [Op(NAME_SUCCESSOR, params), _touch(event)]


@contract_ops.register
def _(event: ServiceContract.Started) -> list[Op]:
    return [Op(START_CONTRACT, {"b_id": event.originator_id, "on": event.on}), _touch(event)]


@contract_ops.register
def _(event: ServiceContract.DismissalNoticed) -> list[Op]:
    params = {
        "b_id": event.originator_id,
        "kind": NoticeKind.DISMISSAL.value,
        "given_on": event.given_on,
        "effective_on": event.effective_on,
        "decision_id": event.decision_id,
    }
    return [Op(NOTICE_CONTRACT, params), _touch(event)]


@contract_ops.register
def _(event: ServiceContract.NonRenewalNoticed) -> list[Op]:
    params = {
        "b_id": event.originator_id,
        "kind": NoticeKind.NON_RENEWAL.value,
        "given_on": event.given_on,
        "effective_on": event.effective_on,
        "decision_id": None,
    }
    return [Op(NOTICE_CONTRACT, params), _touch(event)]


@contract_ops.register
def _(event: ServiceContract.HandedOver) -> list[Op]:
    return [Op(HAND_OVER_CONTRACT, {"b_id": event.originator_id, "on": event.on}), _touch(event)]
