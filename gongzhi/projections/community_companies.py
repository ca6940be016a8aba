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
    Op,
    Statement,
    insert_statement,
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

INSERT_COMPANY = insert_statement(
    "insert community company", CREATE, community_companies, on_conflict_do_nothing=True
)
INSERT_LINK = insert_statement("insert community company link", ADD, community_company_links)
END_LINK = update_statement(
    "end community company link",
    CHANGE,
    community_company_links,
    key=("id", "b_id"),
    assign={"unlinked_on": "on"},
)
INSERT_PILOT = insert_statement("insert community company pilot", ADD, community_company_pilots)
REVOKE_PILOT = update_statement(
    "revoke community company pilot",
    CHANGE,
    community_company_pilots,
    key=("id", "b_id"),
    assign={"revoked_on": "on", "grounds": "grounds"},
)
INSERT_LINE = insert_statement("insert business line period", ADD, community_business_lines)
INSERT_ENTRY = insert_statement("insert business entry", ADD, community_business_entries)
MARK_ENTRY_REVERSED = update_statement(
    "mark business entry reversed",
    CHANGE,
    community_business_entries,
    key=("id", "b_id"),
    assign={"reversed_by_id": "by"},
)
INSERT_ALLOCATION = insert_statement("insert reinvestment", ADD, community_reinvestments)
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
CLOSE_LINE = update_statement(
    "close business line",
    CHANGE,
    community_business_lines,
    key=("id", "b_id"),
    assign={"closed_on": "on"},
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


@community_company_ops.register
def _(event: CommunityCompany.Registered) -> list[Op]:
    row = {
        "id": event.originator_id,
        "name": event.name,
        "credit_code": event.credit_code,
        "owner_name": event.owner_name,
        "owner_credit_code": event.owner_credit_code,
        "district": event.district,
        "registered_on": event.registered_on,
        "version": event.originator_version,
        "created_at": event.timestamp,
        "updated_at": event.timestamp,
    }
    return [Op(INSERT_COMPANY, row)]


@community_company_ops.register
def _(event: CommunityCompany.CommunityLinked) -> list[Op]:
    row = {
        "id": event.link_id,
        "company_id": event.originator_id,
        "community_id": event.community_id,
        "linked_on": event.linked_on,
    }
    return [Op(INSERT_LINK, row), _touch(event)]


@community_company_ops.register
def _(event: CommunityCompany.CommunityUnlinked) -> list[Op]:
    return [Op(END_LINK, {"b_id": event.link_id, "on": event.unlinked_on}), _touch(event)]


@community_company_ops.register
def _(event: CommunityCompany.PilotDesignated) -> list[Op]:
    row = {
        "id": event.designation_id,
        "company_id": event.originator_id,
        "designated_on": event.designated_on,
        "authority": event.authority,
    }
    return [Op(INSERT_PILOT, row), _touch(event)]


@community_company_ops.register
def _(event: CommunityCompany.PilotRevoked) -> list[Op]:
    params = {"b_id": event.designation_id, "on": event.revoked_on, "grounds": event.grounds}
    return [Op(REVOKE_PILOT, params), _touch(event)]


@community_company_ops.register
def _(event: CommunityCompany.BusinessLineOpened) -> list[Op]:
    row = {
        "id": event.period_id,
        "company_id": event.originator_id,
        "line": event.line,
        "opened_on": event.opened_on,
    }
    return [Op(INSERT_LINE, row), _touch(event)]


@community_company_ops.register
def _(event: CommunityCompany.BusinessLineClosed) -> list[Op]:
    return [Op(CLOSE_LINE, {"b_id": event.period_id, "on": event.closed_on}), _touch(event)]


@community_company_ops.register
def _(event: CommunityCompany.EntryRecorded) -> list[Op]:
    row = {
        "id": event.entry_id,
        "line": event.line,
        "kind": event.kind,
        "entry_date": event.on,
    }
    return _ledger_ops(event, INSERT_ENTRY, MARK_ENTRY_REVERSED, row)


@community_company_ops.register
def _(event: CommunityCompany.ReinvestmentAllocated) -> list[Op]:
    row = {
        "id": event.allocation_id,
        "service": event.service,
        "beneficiary_count": event.beneficiary_count,
        "beneficiaries": event.beneficiaries,
        "allocated_on": event.allocated_on,
    }
    return _ledger_ops(event, INSERT_ALLOCATION, MARK_ALLOCATION_REVERSED, row)


def _ledger_ops(event: Any, insert: Statement, mark: Statement, row: dict[str, Any]) -> list[Op]:
    """A ledger row (entry or allocation) in recording order; a reversal also marks the
    row it reverses."""
    row |= {
        "company_id": event.originator_id,
        "number": event.originator_version,
        "year": event.year,
        "amount_fen": event.amount_fen,
        "note": event.note,
        "reverses_id": event.reverses_id,
        "reversed_by_id": None,
        "recorded_at": event.timestamp,
    }
    ops = [Op(insert, row), _touch(event)]
    if event.reverses_id is not None:
        ops.append(Op(mark, {"b_id": event.reverses_id, "by": row["id"]}))
    return ops
