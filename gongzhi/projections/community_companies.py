"""Read model of 强社惠民公司 community companies: the company, its community links and pilot
designations as dated periods, its business-line periods, and the ledger and 反哺
allocations entry by entry (reversals as their own rows, each pointing at the other).

Year figures are not stored: they are sums over the entry rows, so a report can always be
traced to the entries behind it (``COMPANY_YEAR_FIGURES`` below).
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from sqlalchemy import BigInteger, Column, Date, DateTime, Index, Integer, String, Table, Text, Uuid

from gongzhi.domain.community_company import CommunityCompany
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    CREATE,
    TOUCH,
    EventStatement,
    Op,
    Statement,
    event_insert,
    event_update,
    project_events,
    update_statement,
)

community_companies = Table(
    "community_companies",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("credit_code", String(18), nullable=False),
    Column("owner_name", Text, nullable=False),
    Column("owner_credit_code", String(18), nullable=False),
    Column("district", Text, nullable=False, index=True),
    Column("registered_on", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("community_companies_name", "name", "id"),
)

community_company_links = Table(
    "community_company_links",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, nullable=False, index=True),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("linked_on", Date, nullable=False),
    Column("unlinked_on", Date),  # the first day no longer linked
)

community_company_pilots = Table(
    "community_company_pilots",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, nullable=False, index=True),
    Column("designated_on", Date, nullable=False),
    Column("authority", Text, nullable=False),
    Column("revoked_on", Date),  # the first day no longer a pilot
    Column("grounds", Text),
)

community_business_lines = Table(
    "community_business_lines",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, nullable=False, index=True),
    Column("line", String(30), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date),  # the last day of business
)

community_business_entries = Table(
    "community_business_entries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, nullable=False),
    Column("number", Integer, nullable=False),  # the event's version: the ledger's order
    Column("line", String(30), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),  # signed: reversals are negative
    Column("entry_date", Date, nullable=False),
    Column("year", Integer, nullable=False),
    Column("note", Text, nullable=False),
    Column("reverses_id", Uuid),
    Column("reversed_by_id", Uuid),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("community_business_entries_ledger", "company_id", "number", unique=True),
    Index("community_business_entries_year", "company_id", "year", "kind"),
)

community_reinvestments = Table(
    "community_reinvestments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, nullable=False),
    Column("number", Integer, nullable=False),
    Column("year", Integer, nullable=False),
    Column("service", Text, nullable=False),
    Column("beneficiary_count", Integer),
    Column("beneficiaries", Text, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("allocated_on", Date, nullable=False),
    Column("note", Text, nullable=False),
    Column("reverses_id", Uuid),
    Column("reversed_by_id", Uuid),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("community_reinvestments_ledger", "company_id", "number", unique=True),
    Index("community_reinvestments_year", "company_id", "year"),
)

COMMUNITY_COMPANY_TABLES = (
    community_companies,
    community_company_links,
    community_company_pilots,
    community_business_lines,
    community_business_entries,
    community_reinvestments,
)

# The statements of one event take its fields by name (``event_insert``/``event_update``),
# a part's row keyed by the id the event gives it; versions are stamped by TOUCH_COMPANY.
INSERT_COMPANY = event_insert(
    "insert community company",
    CREATE,
    community_companies,
    CommunityCompany.Registered,
    renamed={"created_at": "timestamp", "updated_at": "timestamp"},
    on_conflict_do_nothing=True,
)
_OF_COMPANY = {"company_id": "originator_id"}
INSERT_LINK = event_insert(
    "insert community company link",
    ADD,
    community_company_links,
    CommunityCompany.CommunityLinked,
    id_from="link_id",
    renamed=_OF_COMPANY,
)
END_LINK = event_update(
    "end community company link",
    CHANGE,
    community_company_links,
    CommunityCompany.CommunityUnlinked,
    key_from="link_id",
    ignore=("community_id",),
)
INSERT_PILOT = event_insert(
    "insert community company pilot",
    ADD,
    community_company_pilots,
    CommunityCompany.PilotDesignated,
    id_from="designation_id",
    renamed=_OF_COMPANY,
)
REVOKE_PILOT = event_update(
    "revoke community company pilot",
    CHANGE,
    community_company_pilots,
    CommunityCompany.PilotRevoked,
    key_from="designation_id",
)
INSERT_LINE = event_insert(
    "insert business line period",
    ADD,
    community_business_lines,
    CommunityCompany.BusinessLineOpened,
    id_from="period_id",
    renamed=_OF_COMPANY,
)
CLOSE_LINE = event_update(
    "close business line",
    CHANGE,
    community_business_lines,
    CommunityCompany.BusinessLineClosed,
    key_from="period_id",
    ignore=("line",),
)
# A ledger row (entry or allocation) in recording order: numbered by the event's version.
_LEDGER = {**_OF_COMPANY, "number": "originator_version", "recorded_at": "timestamp"}
INSERT_ENTRY = event_insert(
    "insert business entry",
    ADD,
    community_business_entries,
    CommunityCompany.EntryRecorded,
    id_from="entry_id",
    renamed={**_LEDGER, "entry_date": "on"},
)
MARK_ENTRY_REVERSED = update_statement(
    "mark business entry reversed",
    CHANGE,
    community_business_entries,
    key=("id", "b_id"),
    assign={"reversed_by_id": "by"},
)
INSERT_ALLOCATION = event_insert(
    "insert reinvestment",
    ADD,
    community_reinvestments,
    CommunityCompany.ReinvestmentAllocated,
    id_from="allocation_id",
    renamed=_LEDGER,
)
MARK_ALLOCATION_REVERSED = update_statement(
    "mark reinvestment reversed",
    CHANGE,
    community_reinvestments,
    key=("id", "b_id"),
    assign={"reversed_by_id": "by"},
)
TOUCH_COMPANY = update_statement(
    "touch community company",
    TOUCH,
    community_companies,
    key=("id", "b_id"),
    assign={"version": "version", "updated_at": "at"},
)


@singledispatch
def community_company_ops(event: object) -> list[Op]:
    """Rows for one event; events of other aggregates give none."""
    return []


def _touch(event: CommunityCompany.Event) -> Op:
    return Op(
        TOUCH_COMPANY,
        {"b_id": event.originator_id, "version": event.originator_version, "at": event.timestamp},
    )


project_events(community_company_ops, INSERT_COMPANY)
project_events(
    community_company_ops,
    INSERT_LINK,
    END_LINK,
    INSERT_PILOT,
    REVOKE_PILOT,
    INSERT_LINE,
    CLOSE_LINE,
    also=lambda event: [_touch(event)],
)


@community_company_ops.register
def _(event: CommunityCompany.EntryRecorded) -> list[Op]:
    return _ledger_ops(event, event.entry_id, INSERT_ENTRY, MARK_ENTRY_REVERSED)


@community_company_ops.register
def _(event: CommunityCompany.ReinvestmentAllocated) -> list[Op]:
    return _ledger_ops(event, event.allocation_id, INSERT_ALLOCATION, MARK_ALLOCATION_REVERSED)


def _ledger_ops(event: Any, row_id: Any, insert: EventStatement, mark: Statement) -> list[Op]:
    """A ledger row (entry or allocation); a reversal also marks the row it reverses."""
    ops = [insert.op(event), _touch(event)]
    if event.reverses_id is not None:
        ops.append(Op(mark, {"b_id": event.reverses_id, "by": row_id}))
    return ops
