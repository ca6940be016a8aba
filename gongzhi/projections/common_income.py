"""Read model of 公共收益: entries, every change to them, periods, publications, allocations.

``common_income_changes`` keeps one row per recording or correction, so a committee reads
the trail of each entry; ``common_income_publications`` keeps what each 公示 fixed.
"""

from __future__ import annotations

from decimal import Decimal
from functools import singledispatch
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

from gongzhi.domain.common_income import CommonIncomeLedger
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    CREATE,
    Op,
    insert_statement,
    plain,
    update_statement,
)

common_income_ledgers = Table(
    "common_income_ledgers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False, unique=True),
    Column("fund_rule", JSONB, nullable=False),
)

common_income_entries = Table(
    "common_income_entries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("ledger_id", Uuid, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("category", String(20), nullable=False),
    Column("period", String(7), nullable=False),
    Column("gross_fen", BigInteger, nullable=False),
    Column("cost_fen", BigInteger, nullable=False),
    Column("net_fen", BigInteger, nullable=False),
    Column("to_fund_fen", BigInteger, nullable=False),
    Column("fund_share", Numeric(6, 4)),
    Column("counterparty", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("corrections", Integer, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("common_income_entries_period", "ledger_id", "period", "seq"),
)

common_income_changes = Table(
    "common_income_changes",
    metadata,
    Column("ledger_id", Uuid, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("entry_id", Uuid, nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("gross_fen", BigInteger, nullable=False),
    Column("cost_fen", BigInteger, nullable=False),
    Column("net_fen", BigInteger, nullable=False),
    Column("to_fund_fen", BigInteger, nullable=False),
    Column("counterparty", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("after_publication", Boolean, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# Publication state per period; the totals are summed from the entries when read.
common_income_periods = Table(
    "common_income_periods",
    metadata,
    Column("key", String(60), primary_key=True),  # "<ledger id>/<period>"
    Column("ledger_id", Uuid, nullable=False),
    Column("period", String(7), nullable=False),
    Column("published_round", Integer, nullable=False),
    Column("published_version", Integer, nullable=False),
    Column("published_at", DateTime(timezone=True)),
    # The ledger version of the latest change (entry or correction) in the period: after
    # ``published_version`` it is a change since publication. Two plain assignments, so a
    # batch of any size leaves the same row.
    Column("last_change_version", Integer, nullable=False),
    Index("common_income_periods_ledger", "ledger_id", "period", unique=True),
)

common_income_publications = Table(
    "common_income_publications",
    metadata,
    Column("ledger_id", Uuid, primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("round", Integer, primary_key=True),
    Column("entries", JSONB, nullable=False),
    Column("gross_fen", BigInteger, nullable=False),
    Column("cost_fen", BigInteger, nullable=False),
    Column("net_fen", BigInteger, nullable=False),
    Column("to_fund_fen", BigInteger, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

common_income_allocations = Table(
    "common_income_allocations",
    metadata,
    Column("ledger_id", Uuid, primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("round", Integer, primary_key=True),
    Column("unit_id", Uuid, primary_key=True),
    Column("area", Numeric(12, 2), nullable=False),
    Column("fen", BigInteger, nullable=False),
)

COMMON_INCOME_TABLES = (
    common_income_ledgers,
    common_income_entries,
    common_income_changes,
    common_income_periods,
    common_income_publications,
    common_income_allocations,
)

INSERT_LEDGER = insert_statement(
    "insert common income ledger", CREATE, common_income_ledgers, on_conflict_do_nothing=True
)
SET_RULE = update_statement(
    "set common income rule",
    CHANGE,
    common_income_ledgers,
    key=("id", "b_id"),
    assign={"fund_rule": "fund_rule"},
)
INSERT_ENTRY = insert_statement("insert common income entry", ADD, common_income_entries)
INSERT_CHANGE = insert_statement(
    "insert common income change", ADD, common_income_changes, on_conflict_do_nothing=True
)
OPEN_PERIOD = insert_statement(
    "open common income period", ADD, common_income_periods, on_conflict_do_nothing=True
)
CORRECT_ENTRY = update_statement(
    "correct common income entry",
    CHANGE,
    common_income_entries,
    key=("id", "b_id"),
    assign={
        "gross_fen": "gross_fen",
        "cost_fen": "cost_fen",
        "net_fen": "net_fen",
        "to_fund_fen": "to_fund_fen",
        "counterparty": "counterparty",
        "note": "note",
    },
    add={"corrections": "one"},
)
CHANGE_PERIOD = update_statement(
    "change common income period",
    CHANGE,
    common_income_periods,
    key=("key", "b_key"),
    assign={"last_change_version": "version"},
)
PUBLISH_PERIOD = update_statement(
    "publish common income period",
    CHANGE,
    common_income_periods,
    key=("key", "b_key"),
    assign={"published_round": "round", "published_version": "version", "published_at": "at"},
    after=(CHANGE_PERIOD,),
)
INSERT_PUBLICATION = insert_statement(
    "insert common income publication", ADD, common_income_publications, on_conflict_do_nothing=True
)
INSERT_ALLOCATION = insert_statement(
    "insert common income allocation", ADD, common_income_allocations, on_conflict_do_nothing=True
)


@singledispatch
def common_income_ops(event: object) -> list[Op]:
    """Rows for one event; events of other aggregates give none."""
    return []


@common_income_ops.register
def _(event: CommonIncomeLedger.Opened) -> list[Op]:
    row = {
        "id": event.originator_id,
        "community_id": event.community_id,
        "fund_rule": plain(event.fund_rule),
    }
    return [Op(INSERT_LEDGER, row)]


@common_income_ops.register
def _(event: CommonIncomeLedger.FundRuleChanged) -> list[Op]:
    return [Op(SET_RULE, {"b_id": event.originator_id, "fund_rule": plain(event.fund_rule)})]


def _change(event: Any, kind: str, after_publication: bool) -> Op:
    return Op(
        INSERT_CHANGE,
        {
            "ledger_id": event.originator_id,
            "version": event.originator_version,
            "entry_id": event.entry_id,
            "kind": kind,
            "gross_fen": event.gross_fen,
            "cost_fen": event.cost_fen,
            "net_fen": event.net_fen,
            "to_fund_fen": event.to_fund_fen,
            "counterparty": event.counterparty,
            "note": event.note,
            "after_publication": after_publication,
            "at": event.timestamp,
        },
    )


def period_key(ledger_id: UUID, period: str) -> str:
    return f"{ledger_id}/{period}"


def _period_changed(event: Any) -> list[Op]:
    """The period exists from its first entry; every change counts until it is published."""
    key = period_key(event.originator_id, event.period)
    row = {
        "key": key,
        "ledger_id": event.originator_id,
        "period": event.period,
        "published_round": 0,
        "published_version": 0,
        "published_at": None,
        "last_change_version": 0,
    }
    return [
        Op(OPEN_PERIOD, row),
        Op(CHANGE_PERIOD, {"b_key": key, "version": event.originator_version}),
    ]


@common_income_ops.register
def _(event: CommonIncomeLedger.EntryRecorded) -> list[Op]:
    entry = {
        "id": event.entry_id,
        "ledger_id": event.originator_id,
        "seq": event.originator_version,
        "category": event.category,
        "period": event.period,
        "gross_fen": event.gross_fen,
        "cost_fen": event.cost_fen,
        "net_fen": event.net_fen,
        "to_fund_fen": event.to_fund_fen,
        "fund_share": event.fund_share,
        "counterparty": event.counterparty,
        "note": event.note,
        "corrections": 0,
        "recorded_at": event.timestamp,
    }
    return [Op(INSERT_ENTRY, entry), _change(event, "RECORDED", False), *_period_changed(event)]


@common_income_ops.register
def _(event: CommonIncomeLedger.EntryCorrected) -> list[Op]:
    params = {
        "b_id": event.entry_id,
        "gross_fen": event.gross_fen,
        "cost_fen": event.cost_fen,
        "net_fen": event.net_fen,
        "to_fund_fen": event.to_fund_fen,
        "counterparty": event.counterparty,
        "note": event.note,
        "one": 1,
    }
    return [
        Op(CORRECT_ENTRY, params),
        _change(event, "CORRECTED", event.after_publication),
        *_period_changed(event),
    ]


@common_income_ops.register
def _(event: CommonIncomeLedger.PeriodPublished) -> list[Op]:
    ledger_id = event.originator_id
    publication = {
        "ledger_id": ledger_id,
        "period": event.period,
        "round": event.round,
        "entries": plain(event.entries),
        "gross_fen": event.gross_fen,
        "cost_fen": event.cost_fen,
        "net_fen": event.net_fen,
        "to_fund_fen": event.to_fund_fen,
        "at": event.timestamp,
    }
    key = period_key(ledger_id, event.period)
    ops = [
        Op(INSERT_PUBLICATION, publication),
        Op(
            PUBLISH_PERIOD,
            {
                "b_key": key,
                "round": event.round,
                "version": event.originator_version,
                "at": event.timestamp,
            },
        ),
    ]
    for share in event.allocation:
        row = {
            "ledger_id": ledger_id,
            "period": event.period,
            "round": event.round,
            "unit_id": UUID(share["unit_id"]),
            "area": Decimal(share["area"]),
            "fen": share["fen"],
        }
        ops.append(Op(INSERT_ALLOCATION, row))
    return ops
