"""对账单 a unit's statement and the fee schedule, shaped from the fee views.

Late fees are not stored: they depend on the day asked about, so the statement computes
them with the domain's ``late_fee`` from the bill and its dated ledger entries.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

import strawberry

from gongzhi.domain.fee_account import LedgerKind
from gongzhi.domain.fee_rules import LateFeePolicy, PaymentOrder, late_fee
from gongzhi.domain.fee_schedule import FeeTerms as DomainTerms
from gongzhi.domain.payment import PaymentChannel
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import NotFound, Refused, forbidden
from gongzhi.graphql.fees.types import (
    Bill,
    BillLine,
    FeeLedgerEntry,
    FeeSchedule,
    FeeStandard,
    FeeStatement,
    FeeTerms,
    OtherFee,
    ParkingRental,
    ParkingSpace,
    UnitPropertyType,
    Vacancy,
)
from gongzhi.graphql.history.queries import community_target
from gongzhi.graphql.money import Fen
from gongzhi.graphql.permissions import Action, allowed
from gongzhi.graphql.personal_data import Opener, opener_for
from gongzhi.graphql.unit_labels import UnitNames, unit_columns

# How each ledger kind moves a bill's principal (for the late-fee timeline).
PRINCIPAL_SIGN = {"ALLOCATION": 1, "CREDIT_APPLIED": 1, "WRITE_OFF": 1, "REVERSAL": -1}


def _id(value: Any) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _day(value: str) -> datetime.date:
    """A date the schedule always has (a standard's start, a rental's first day)."""
    return datetime.date.fromisoformat(value)


def _value(row: Any) -> dict[str, Any]:
    value = row["value"]
    return json.loads(value) if isinstance(value, str) else dict(value)


def terms_of(items: list[dict[str, Any]]) -> FeeTerms:
    default = DomainTerms()
    if not items:
        return FeeTerms(
            vacancy_rate=default.vacancy_rate,
            due_days=default.due_days,
            late_fee_daily_rate=default.late.daily_rate,
            grace_days=default.late.grace_days,
            late_fee_cap=default.late.cap,
            payment_order=PaymentOrder(default.late.payment_order),
        )
    t = items[-1]
    return FeeTerms(
        vacancy_rate=Decimal(t["vacancyRate"]),
        due_days=t["dueDays"],
        late_fee_daily_rate=Decimal(t["lateFeeDailyRate"]),
        grace_days=t["graceDays"],
        late_fee_cap=Decimal(t["lateFeeCap"]),
        payment_order=PaymentOrder(t.get("paymentOrder", PaymentOrder.BILLS_FIRST.value)),
    )


def schedule_from_rows(community_id: UUID, rows: list[Any]) -> FeeSchedule:
    items: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        items.setdefault(row["kind"], []).append(_value(row))
    rentals: dict[str, list[ParkingRental]] = {}
    for r in items.get("PARKING_RENTAL", []):
        rentals.setdefault(r["spaceId"], []).append(
            ParkingRental(unit_id=r["unitId"], start=_day(r["start"]), end=_date(r["end"]))
        )
    return FeeSchedule(
        community_id=strawberry.ID(str(community_id)),
        standards=sorted(
            (
                FeeStandard(
                    property_type=s["propertyType"],
                    unit_price=Decimal(s["unitPrice"]),
                    pricing=s["pricing"],
                    effective_from=_day(s["effectiveFrom"]),
                )
                for s in items.get("STANDARD", [])
            ),
            key=lambda s: (s.property_type, s.effective_from),
        ),
        terms=terms_of(items.get("TERMS", [])),
        parking_spaces=[
            ParkingSpace(
                id=p["spaceId"],
                number=p["number"],
                monthly_fee_fen=p["monthlyFeeFen"],
                rentals=sorted(rentals.get(p["spaceId"], []), key=lambda r: r.start),
            )
            for p in sorted(items.get("PARKING_SPACE", []), key=lambda p: p["number"])
        ],
        other_fees=[
            OtherFee(
                name=o["name"],
                monthly_fee_fen=o["monthlyFeeFen"],
                effective_from=_day(o["effectiveFrom"]),
            )
            for o in items.get("OTHER_FEE", [])
        ],
        vacancies=[
            Vacancy(unit_id=v["unitId"], start=_day(v["start"]), end=_date(v["end"]))
            for v in items.get("VACANCY", [])
        ],
        unit_types=[
            UnitPropertyType(unit_id=u["unitId"], property_type=u["propertyType"])
            for u in items.get("UNIT_TYPE", [])
        ],
        billed_periods=[b["period"] for b in items.get("BILLED_PERIOD", [])],
    )


# A ledger entry as read: with its account's unit and that unit's label and owners.
LEDGER_SELECT = f"""SELECT l.*, a.unit_id, {unit_columns("a.unit_id")}
    FROM fee_ledger l JOIN fee_accounts a ON a.id = l.account_id"""
BILL_SELECT = f"SELECT b.*, {unit_columns('b.unit_id')} FROM fee_bills b"


async def approvers(context: Context, rows: Sequence[Any]) -> Opener:
    """An opener of the write-offs' approvers (sealed under their account's own key,
    application/personal_data.py): shown to whoever reads the ledger, 已删除 once erased."""
    return await opener_for(context, *(row["approved_by"] for row in rows))


def ledger_entry(row: Any, names: UnitNames, approver: Opener) -> FeeLedgerEntry:
    return FeeLedgerEntry(
        account_id=strawberry.ID(str(row["account_id"])),
        version=row["version"],
        seq=row["seq"],
        unit_id=strawberry.ID(str(row["unit_id"])),
        unit_label=names.label(row),
        unit_owners=names.owners(row),
        kind=LedgerKind(row["kind"]),
        amount_fen=row["amount_fen"],
        on=row["on"],
        bill_id=_id(row["bill_id"]),
        payment_id=_id(row["payment_id"]),
        channel=PaymentChannel(row["channel"]) if row["channel"] else None,
        transaction_id=row["transaction_id"],
        approved_by=approver(row["approved_by"], "approved_by") if row["approved_by"] else None,
        recorded_at=row["recorded_at"],
        actor=row["actor"],
        reason=row["reason"],
    )


def _bill(
    row: Any,
    entries: list[Any],
    policy: LateFeePolicy,
    as_of: datetime.date,
    names: UnitNames,
) -> Bill:
    reductions = [
        (e["on"], PRINCIPAL_SIGN[e["kind"]] * e["amount_fen"])
        for e in entries
        if e["bill_id"] == row["id"] and e["kind"] in PRINCIPAL_SIGN
    ]
    accrued = late_fee(row["amount_fen"], row["due_on"], policy, reductions, as_of)
    lines = row["lines"] if not isinstance(row["lines"], str) else json.loads(row["lines"])
    return Bill(
        id=strawberry.ID(str(row["id"])),
        unit_id=strawberry.ID(str(row["unit_id"])),
        unit_number=row["unit_number"],
        unit_label=names.label(row),
        unit_owners=names.owners(row),
        period=row["period"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        due_on=row["due_on"],
        amount_fen=row["amount_fen"],
        paid_fen=row["paid_fen"],
        written_off_fen=row["written_off_fen"],
        outstanding_fen=row["amount_fen"] - row["paid_fen"] - row["written_off_fen"],
        late_fee_fen=max(accrued - row["waived_fen"] - row["late_fee_paid_fen"], 0),
        late_fee_waived_fen=row["waived_fen"],
        late_fee_paid_fen=row["late_fee_paid_fen"],
        lines=[
            BillLine(
                kind=line["kind"],
                label=line["label"],
                start=datetime.date.fromisoformat(line["start"]),
                end=datetime.date.fromisoformat(line["end"]),
                amount_fen=line["amount_fen"],
                payer=line["payer"],
                vacant=line["vacant"],
            )
            for line in lines
        ],
        supplementary=row["supplementary"],
    )


async def late_fee_policy(context: Context, community_id: UUID) -> LateFeePolicy:
    terms_rows = await context.pool.fetch(
        """SELECT i.value FROM fee_schedule_items i JOIN fee_schedules s ON s.id = i.schedule_id
           WHERE s.community_id = $1 AND i.kind = 'TERMS'""",
        community_id,
    )
    terms = terms_of([_value(row) for row in terms_rows])
    return LateFeePolicy(
        terms.late_fee_daily_rate, terms.grace_days, terms.late_fee_cap, terms.payment_order.value
    )


async def shape_bills(
    context: Context, community_id: UUID, rows: list[Any], as_of: datetime.date
) -> list[Bill]:
    """Bills of a community's page, with their late fees on ``as_of``."""
    entries = await context.pool.fetch(
        "SELECT * FROM fee_ledger WHERE bill_id = ANY($1::uuid[]) ORDER BY version, seq",
        [row["id"] for row in rows],
    )
    policy = await late_fee_policy(context, community_id)
    names = await UnitNames.of(context, community_id, rows)
    return [_bill(row, list(entries), policy, as_of, names) for row in rows]


async def require_statement_reader(context: Context, community_id: UUID, unit_id: UUID) -> None:
    """Refused unless the caller may read the unit's statement (and what it holds: its
    payments' receipts)."""
    target = await community_target(context, community_id)
    target = type(target)(
        district=target.district,
        community_id=target.community_id,
        serving_company_id=target.serving_company_id,
        unit_id=unit_id,
    )
    if not allowed(context.principal, Action.READ_FEE_STATEMENT, target):
        raise Refused(forbidden(Action.READ_FEE_STATEMENT.value))


async def fetch_statement(context: Context, unit_id: UUID, as_of: datetime.date) -> FeeStatement:
    """The unit's statement on ``as_of``; Refused when unknown or not the reader's to see."""
    community_id = await context.pool.fetchval(
        "SELECT community_id FROM units WHERE id = $1", unit_id
    )
    if community_id is None:
        raise Refused(NotFound(field="unitId", message=f"no unit with id {unit_id}"))
    await require_statement_reader(context, community_id, unit_id)
    bills = await context.pool.fetch(
        f"{BILL_SELECT} WHERE b.unit_id = $1 ORDER BY b.period_start, b.due_on, b.id", unit_id
    )
    entries = await context.pool.fetch(
        f"{LEDGER_SELECT} WHERE a.unit_id = $1 ORDER BY l.version, l.seq", unit_id
    )
    credit = await context.pool.fetchval(
        "SELECT credit_fen FROM fee_accounts WHERE unit_id = $1", unit_id
    )
    policy = await late_fee_policy(context, community_id)
    names = await UnitNames.of(context, community_id, [*bills, *entries])
    approver = await approvers(context, entries)
    shaped = [_bill(row, list(entries), policy, as_of, names) for row in bills]
    outstanding = sum(b.outstanding_fen for b in shaped)
    late = sum(b.late_fee_fen for b in shaped)
    return FeeStatement(
        unit_id=strawberry.ID(str(unit_id)),
        community_id=strawberry.ID(str(community_id)),
        as_of=as_of,
        bills=shaped,
        entries=[ledger_entry(row, names, approver) for row in entries],
        credit_fen=Fen(int(credit or 0)),
        outstanding_fen=Fen(outstanding),
        late_fee_fen=Fen(late),
        balance_fen=Fen(outstanding + late - int(credit or 0)),
    )
