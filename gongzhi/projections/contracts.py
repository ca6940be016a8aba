"""Read model of 物业服务合同 service contracts: one row per contract with its dates.

The status is not stored: it depends on the day asked about, and the read side computes
it from these dates with the domain's ``contract_status``.
"""

from __future__ import annotations

from functools import singledispatch

from sqlalchemy import Column, Date, DateTime, Index, Integer, Numeric, String, Table, Uuid

from gongzhi.domain.contract import NoticeKind, ServiceContract
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    CHANGE,
    CREATE,
    TOUCH,
    Op,
    event_insert,
    event_update,
    project_events,
    update_statement,
)

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

# Each statement takes its event's fields by name (``event_insert``/``event_update``).
INSERT_CONTRACT = event_insert(
    "insert contract",
    CREATE,
    service_contracts,
    ServiceContract.Awarded,
    renamed={"created_at": "timestamp", "updated_at": "timestamp"},
    on_conflict_do_nothing=True,
)
# The version is stamped by TOUCH_CONTRACT, after every change of the batch.
NAME_SUCCESSOR = event_update(
    "name contract successor",
    CHANGE,
    service_contracts,
    ServiceContract.SuccessorAwarded,
    version_column=None,
)
START_CONTRACT = event_update(
    "start contract",
    CHANGE,
    service_contracts,
    ServiceContract.Started,
    version_column=None,
    renamed={"started_on": "on"},
)
_NOTICE = {"notice_given_on": "given_on", "notice_effective_on": "effective_on"}
DISMISSAL_NOTICE = event_update(
    "give contract dismissal notice",
    CHANGE,
    service_contracts,
    ServiceContract.DismissalNoticed,
    version_column=None,
    # the dismissal's decision, not the award's (``decision_id``)
    renamed={**_NOTICE, "notice_decision_id": "decision_id"},
    ignore=("decision_id",),
    constants={"notice_kind": NoticeKind.DISMISSAL.value},
)
NON_RENEWAL_NOTICE = event_update(
    "give contract non-renewal notice",
    CHANGE,
    service_contracts,
    ServiceContract.NonRenewalNoticed,
    version_column=None,
    renamed=_NOTICE,
    constants={"notice_kind": NoticeKind.NON_RENEWAL.value, "notice_decision_id": None},
)
HAND_OVER_CONTRACT = event_update(
    "hand over contract",
    CHANGE,
    service_contracts,
    ServiceContract.HandedOver,
    version_column=None,
    renamed={"handed_over_on": "on"},
    ignore=("successor_id",),  # named when the successor was awarded
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


project_events(contract_ops, INSERT_CONTRACT)
project_events(
    contract_ops,
    NAME_SUCCESSOR,
    START_CONTRACT,
    DISMISSAL_NOTICE,
    NON_RENEWAL_NOTICE,
    HAND_OVER_CONTRACT,
    also=lambda event: [_touch(event)],
)
