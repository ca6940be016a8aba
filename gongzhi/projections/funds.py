"""Read model of 住宅专项维修资金: the fund, its sub-accounts, its ledger, uses and notices.

Every money event is one ``fund_ledger`` row (the community's ledger) and one
``fund_account_lines`` row per sub-account it touched (the unit statements); running
balances are summed in SQL at query time, so the rows need no state to be written.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
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

from gongzhi.domain.fund import MaintenanceFund
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

maintenance_funds = Table(
    "maintenance_funds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False, unique=True),
    Column("balance_fen", BigInteger, nullable=False),
    Column("first_deposits_fen", BigInteger, nullable=False),
    Column("rule", JSONB, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

fund_accounts = Table(
    "fund_accounts",
    metadata,
    Column("unit_id", Uuid, primary_key=True),
    Column("fund_id", Uuid, nullable=False, index=True),
    Column("housing_kind", String(20), nullable=False),
    Column("area", Numeric(12, 2), nullable=False),
    Column("rule_version", Integer, nullable=False),
    Column("first_deposit_fen", BigInteger, nullable=False),
    Column("balance_fen", BigInteger, nullable=False),
    Column("deposited_on", Date, nullable=False),
)

# One row per money event: kind, signed amount, and what it is traceable to.
fund_ledger = Table(
    "fund_ledger",
    metadata,
    Column("fund_id", Uuid, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("unit_id", Uuid),
    Column("use_id", Uuid),
    Column("entry_id", Uuid),
    Column("period", String(7)),
    Column("on", Date),
    Column("at", DateTime(timezone=True), nullable=False),
)

fund_account_lines = Table(
    "fund_account_lines",
    metadata,
    Column("unit_id", Uuid, primary_key=True),
    Column("fund_id", Uuid, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("use_id", Uuid),
    Column("entry_id", Uuid),
    Column("at", DateTime(timezone=True), nullable=False),
)

fund_uses = Table(
    "fund_uses",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("fund_id", Uuid, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("emergency", String(40)),
    Column("decision_id", Uuid),
    Column("title", Text, nullable=False),
    Column("contractor", Text, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("unit_ids", JSONB, nullable=False),
    Column("status", String(20), nullable=False),
    Column("proposed_on", Date, nullable=False),
    Column("committee_id", Uuid),
    Column("committee_on", Date),  # approved (ordinary) or reviewed (emergency)
    Column("confirmed_on", Date),
    Column("paid_on", Date),
    Column("shares", JSONB),
    Column("audited_on", Date),
    Column("findings", Text),
    Column("closed_on", Date),  # rejected or withdrawn
    Column("closed_by", String(20)),  # COMMITTEE | STREET_OFFICE (rejected), PROPOSER (withdrawn)
    Index("fund_uses_fund_seq", "fund_id", "seq"),
)

fund_notices = Table(
    "fund_notices",
    metadata,
    Column("fund_id", Uuid, primary_key=True),
    Column("round", String(40), primary_key=True),
    Column("unit_id", Uuid, primary_key=True),
    Column("balance_fen", BigInteger, nullable=False),
    Column("first_deposit_fen", BigInteger, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

FUND_TABLES = (
    maintenance_funds,
    fund_accounts,
    fund_ledger,
    fund_account_lines,
    fund_uses,
    fund_notices,
)

INSERT_FUND = insert_statement(
    "insert fund", CREATE, maintenance_funds, on_conflict_do_nothing=True
)
INSERT_ACCOUNT = insert_statement("insert fund account", ADD, fund_accounts)
INSERT_LEDGER = insert_statement(
    "insert fund ledger", ADD, fund_ledger, on_conflict_do_nothing=True, after=(INSERT_ACCOUNT,)
)
INSERT_LINE = insert_statement(
    "insert fund account line",
    ADD,
    fund_account_lines,
    on_conflict_do_nothing=True,
    after=(INSERT_ACCOUNT,),
)
INSERT_USE = insert_statement("insert fund use", ADD, fund_uses, on_conflict_do_nothing=True)
INSERT_NOTICE = insert_statement(
    "insert fund notice", ADD, fund_notices, on_conflict_do_nothing=True
)
SET_RULE = update_statement(
    "set fund rule", CHANGE, maintenance_funds, key=("id", "b_id"), assign={"rule": "rule"}
)
ADD_TO_FUND = update_statement(
    "add to fund",
    CHANGE,
    maintenance_funds,
    key=("id", "b_id"),
    assign={"version": "version", "updated_at": "at"},
    add={"balance_fen": "fen", "first_deposits_fen": "first_fen"},
)
ADD_TO_ACCOUNT = update_statement(
    "add to fund account",
    CHANGE,
    fund_accounts,
    key=("unit_id", "b_unit"),
    add={"balance_fen": "fen"},
)
STEP_USE = update_statement(
    "step fund use",
    CHANGE,
    fund_uses,
    key=("id", "b_id"),
    assign={"status": "status", "committee_id": "committee_id", "committee_on": "on"},
)
# A use moves through its steps in this order and each sets its status: a batch holding
# several steps ends at the latest.
CONFIRM_USE = update_statement(
    "confirm fund use",
    CHANGE,
    fund_uses,
    key=("id", "b_id"),
    assign={"status": "status", "confirmed_on": "on"},
    after=(STEP_USE,),
)
CLOSE_USE = update_statement(
    "close fund use",
    CHANGE,
    fund_uses,
    key=("id", "b_id"),
    assign={"status": "status", "closed_on": "on", "closed_by": "by"},
    after=(CONFIRM_USE,),
)
PAY_USE = update_statement(
    "pay fund use",
    CHANGE,
    fund_uses,
    key=("id", "b_id"),
    assign={"status": "status", "paid_on": "on", "shares": "shares"},
    after=(CONFIRM_USE,),
)
AUDIT_USE = update_statement(
    "audit fund use",
    CHANGE,
    fund_uses,
    key=("id", "b_id"),
    assign={"status": "status", "audited_on": "on", "findings": "findings"},
    after=(PAY_USE,),
)


@singledispatch
def fund_ops(event: object) -> list[Op]:
    """Rows for one event; events of other aggregates give none."""
    return []


def _money(
    event: MaintenanceFund.Event,
    kind: str,
    amount_fen: int,
    shares: list[dict[str, Any]],
    *,
    first_fen: int = 0,
    **refs: Any,
) -> list[Op]:
    """The fund's total, its ledger row, and each touched sub-account with its line."""
    fund_id, version, at = event.originator_id, event.originator_version, event.timestamp
    ledger = {
        "fund_id": fund_id,
        "version": version,
        "kind": kind,
        "amount_fen": amount_fen,
        "unit_id": refs.get("unit_id"),
        "use_id": refs.get("use_id"),
        "entry_id": refs.get("entry_id"),
        "period": refs.get("period"),
        "on": refs.get("on"),
        "at": at,
    }
    ops = [
        Op(
            ADD_TO_FUND,
            {
                "b_id": fund_id,
                "fen": amount_fen,
                "first_fen": first_fen,
                "version": version,
                "at": at,
            },
        ),
        Op(INSERT_LEDGER, ledger),
    ]
    for share in shares:
        unit = UUID(str(share["unit_id"]))
        ops.append(Op(ADD_TO_ACCOUNT, {"b_unit": unit, "fen": share["fen"]}))
        line = {
            "unit_id": unit,
            "fund_id": fund_id,
            "version": version,
            "kind": kind,
            "amount_fen": share["fen"],
            "use_id": refs.get("use_id"),
            "entry_id": refs.get("entry_id"),
            "at": at,
        }
        ops.append(Op(INSERT_LINE, line))
    return ops


@fund_ops.register
def _(event: MaintenanceFund.Opened) -> list[Op]:
    row = {
        "id": event.originator_id,
        "community_id": event.community_id,
        "balance_fen": 0,
        "first_deposits_fen": 0,
        "rule": plain(event.rule),
        "version": event.originator_version,
        "updated_at": event.timestamp,
    }
    return [Op(INSERT_FUND, row)]


@fund_ops.register
def _(event: MaintenanceFund.RuleChanged) -> list[Op]:
    return [Op(SET_RULE, {"b_id": event.originator_id, "rule": plain(event.rule)})]


@fund_ops.register
def _(event: MaintenanceFund.FirstDeposited) -> list[Op]:
    account = {
        "unit_id": event.unit_id,
        "fund_id": event.originator_id,
        "housing_kind": event.housing_kind,
        "area": event.area,
        "rule_version": event.rule_version,
        "first_deposit_fen": event.amount_fen,
        "balance_fen": 0,  # the line below adds the deposit, as every movement does
        "deposited_on": event.on,
    }
    shares = [{"unit_id": event.unit_id, "fen": event.amount_fen}]
    return [
        Op(INSERT_ACCOUNT, account),
        *_money(
            event,
            "FIRST_DEPOSIT",
            event.amount_fen,
            shares,
            first_fen=event.amount_fen,
            unit_id=event.unit_id,
            on=event.on,
        ),
    ]


@fund_ops.register
def _(event: MaintenanceFund.ToppedUp) -> list[Op]:
    shares = [{"unit_id": event.unit_id, "fen": event.amount_fen}]
    return _money(event, "TOP_UP", event.amount_fen, shares, unit_id=event.unit_id, on=event.on)


@fund_ops.register
def _(event: MaintenanceFund.InterestAllocated) -> list[Op]:
    return _money(event, "INTEREST", event.amount_fen, event.shares, on=event.on)


@fund_ops.register
def _(event: MaintenanceFund.CommonIncomeTransferred) -> list[Op]:
    return _money(
        event,
        "COMMON_INCOME_TRANSFER",
        event.amount_fen,
        event.shares,
        entry_id=event.entry_id,
        period=event.period,
    )


@fund_ops.register
def _(event: MaintenanceFund.PaidOut) -> list[Op]:
    debits = [{"unit_id": s["unit_id"], "fen": -s["fen"]} for s in event.shares]
    params = {"b_id": event.use_id, "status": "PAID", "on": event.on, "shares": event.shares}
    return [
        Op(PAY_USE, params),
        *_money(event, "PAYOUT", -event.amount_fen, debits, use_id=event.use_id, on=event.on),
    ]


@fund_ops.register
def _(event: MaintenanceFund.TopUpNoticeSent) -> list[Op]:
    row = {
        "fund_id": event.originator_id,
        "round": event.round,
        "unit_id": event.unit_id,
        "balance_fen": event.balance_fen,
        "first_deposit_fen": event.first_deposit_fen,
        "at": event.timestamp,
    }
    return [Op(INSERT_NOTICE, row)]


@fund_ops.register
def _(event: MaintenanceFund.UseProposed) -> list[Op]:
    row = {
        "id": event.use_id,
        "fund_id": event.originator_id,
        "seq": event.originator_version,
        "kind": event.kind,
        "emergency": event.emergency,
        "decision_id": event.decision_id,
        "title": event.title,
        "contractor": event.contractor,
        "amount_fen": event.amount_fen,
        "unit_ids": [str(u) for u in event.unit_ids],
        "status": "PROPOSED",
        "proposed_on": event.proposed_on,
    }
    return [Op(INSERT_USE, row)]


@fund_ops.register(MaintenanceFund.UseApproved)
@fund_ops.register(MaintenanceFund.EmergencyReviewed)
def _(event: MaintenanceFund.UseApproved | MaintenanceFund.EmergencyReviewed) -> list[Op]:
    """The committee's step: approval of an ordinary use, review of an emergency."""
    status = "APPROVED" if isinstance(event, MaintenanceFund.UseApproved) else "REVIEWED"
    params = {
        "b_id": event.use_id,
        "status": status,
        "committee_id": event.committee_id,
        "on": event.on,
    }
    return [Op(STEP_USE, params)]


@fund_ops.register
def _(event: MaintenanceFund.EmergencyConfirmed) -> list[Op]:
    return [Op(CONFIRM_USE, {"b_id": event.use_id, "status": "CONFIRMED", "on": event.on})]


@fund_ops.register
def _(event: MaintenanceFund.UseRejected) -> list[Op]:
    params = {"b_id": event.use_id, "status": "REJECTED", "on": event.on, "by": event.by}
    return [Op(CLOSE_USE, params)]


@fund_ops.register
def _(event: MaintenanceFund.UseWithdrawn) -> list[Op]:
    params = {"b_id": event.use_id, "status": "WITHDRAWN", "on": event.on, "by": "PROPOSER"}
    return [Op(CLOSE_USE, params)]


@fund_ops.register
def _(event: MaintenanceFund.EmergencyAudited) -> list[Op]:
    params = {"b_id": event.use_id, "status": "AUDITED", "on": event.on, "findings": event.findings}
    return [Op(AUDIT_USE, params)]
