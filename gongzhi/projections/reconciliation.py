"""Read model of 对账 reconciliations: one row per reconciliation with its totals and counts,
one per item; and the payments booked on a channel, which an import reconciles against."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import singledispatch
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Uuid,
    text,
)
from sqlalchemy.engine import Engine

from gongzhi.domain.reconciliation import (
    BookedPayment,
    BookedRefund,
    Item,
    ItemKind,
    Reconciliation,
)
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    CREATE,
    Op,
    Statement,
    insert_statement,
    update_statement,
)
from gongzhi.projections.runner import wait_for_position

reconciliations = Table(
    "reconciliations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("channel", String(20), nullable=False),
    Column("day", Date, nullable=False),
    Column("file_format", String(10), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("skipped_rows", Integer, nullable=False),
    Column("gross_fen", BigInteger, nullable=False),
    Column("fee_fen", BigInteger, nullable=False),
    Column("net_fen", BigInteger, nullable=False),
    Column("refund_fen", BigInteger, nullable=False, server_default="0"),
    Column("item_count", Integer, nullable=False),
    Column("matched", Integer, nullable=False, server_default="0"),
    Column("missing_in_platform", Integer, nullable=False, server_default="0"),
    Column("missing_in_statement", Integer, nullable=False, server_default="0"),
    Column("amount_differs", Integer, nullable=False, server_default="0"),
    Column("open_items", Integer, nullable=False, server_default="0"),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("reconciliations_community_day", "community_id", "day", "recorded_at"),
)

reconciliation_items = Table(
    "reconciliation_items",
    metadata,
    Column("reconciliation_id", Uuid, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("row", Integer, nullable=False),
    Column("transaction_id", String(64), nullable=False),
    Column("order_no", String(64), nullable=False),
    Column("statement_fen", BigInteger),
    Column("booked_fen", BigInteger),
    Column("fee_fen", BigInteger, nullable=False),
    Column("paid_at", DateTime(timezone=True)),
    Column("payment_id", Uuid),
    Column("unit_id", Uuid),
    Column("resolution", String(10)),
    Column("reference", String(100)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("refund", Boolean, nullable=False, server_default="false"),
    Column("refund_of", String(64), nullable=False, server_default=""),
)

RECONCILIATION_TABLES = (reconciliations, reconciliation_items)

INSERT_RECONCILIATION = insert_statement("insert reconciliation", CREATE, reconciliations)
INSERT_ITEM = insert_statement("insert reconciliation item", ADD, reconciliation_items)
COUNT_ITEMS = update_statement(
    "count reconciliation items",
    CHANGE,
    reconciliations,
    key=("id", "r_id"),
    add={
        "matched": "matched",
        "missing_in_platform": "missing_in_platform",
        "missing_in_statement": "missing_in_statement",
        "amount_differs": "amount_differs",
        "open_items": "open",
    },
)
RESOLVE_ITEM = Statement(
    "resolve reconciliation item",
    CHANGE,
    text(
        "UPDATE reconciliation_items SET resolution = :resolution, reference = :reference, "
        "resolved_at = :at WHERE reconciliation_id = :r_id AND seq = :seq"
    ),
)
CLOSE_ITEM = update_statement(
    "close reconciliation item",
    CHANGE,
    reconciliations,
    key=("id", "r_id"),
    add={"open_items": "minus_one"},
)


@singledispatch
def reconciliation_ops(event: Any) -> list[Op]:
    return []


@reconciliation_ops.register
def _(event: Reconciliation.Recorded) -> list[Op]:
    row = {
        "id": event.originator_id,
        "community_id": event.community_id,
        "channel": event.channel,
        "day": event.day,
        "file_format": event.file_format,
        "digest": event.digest,
        "skipped_rows": event.skipped_rows,
        "gross_fen": event.gross_fen,
        "fee_fen": event.fee_fen,
        "net_fen": event.gross_fen - event.fee_fen,
        "refund_fen": event.refund_fen,
        "item_count": event.item_count,
        "matched": 0,
        "missing_in_platform": 0,
        "missing_in_statement": 0,
        "amount_differs": 0,
        "open_items": 0,
        "recorded_at": event.timestamp,
    }
    return [Op(INSERT_RECONCILIATION, row)]


def _item_row(reconciliation_id: UUID, item: Item) -> dict[str, Any]:
    return {
        "reconciliation_id": reconciliation_id,
        "seq": item.seq,
        "kind": item.kind.value,
        "row": item.row,
        "transaction_id": item.transaction_id,
        "order_no": item.order_no,
        "statement_fen": item.statement_fen,
        "booked_fen": item.booked_fen,
        "fee_fen": item.fee_fen,
        "paid_at": datetime.fromisoformat(item.paid_at) if item.paid_at else None,
        "payment_id": UUID(item.payment_id) if item.payment_id else None,
        "unit_id": UUID(item.unit_id) if item.unit_id else None,
        "resolution": None,
        "reference": None,
        "resolved_at": None,
        "refund": item.refund,
        "refund_of": item.refund_of,
    }


@reconciliation_ops.register
def _(event: Reconciliation.ItemsListed) -> list[Op]:
    items = [Item.of(i) for i in event.items]
    ops = [Op(INSERT_ITEM, _item_row(event.originator_id, item)) for item in items]
    counts = {kind: sum(1 for i in items if i.kind is kind) for kind in ItemKind}
    count = {
        "r_id": event.originator_id,
        "matched": counts[ItemKind.MATCHED],
        "missing_in_platform": counts[ItemKind.MISSING_IN_PLATFORM],
        "missing_in_statement": counts[ItemKind.MISSING_IN_STATEMENT],
        "amount_differs": counts[ItemKind.AMOUNT_DIFFERS],
        "open": len(items) - counts[ItemKind.MATCHED],
    }
    return [*ops, Op(COUNT_ITEMS, count)]


@reconciliation_ops.register
def _(event: Reconciliation.ItemResolved) -> list[Op]:
    params = {
        "r_id": event.originator_id,
        "seq": event.seq,
        "resolution": event.resolution,
        "reference": event.reference,
        "at": event.timestamp,
    }
    return [
        Op(RESOLVE_ITEM, params),
        Op(CLOSE_ITEM, {"r_id": event.originator_id, "minus_one": -1}),
    ]


# How long an import waits for the fee view to include every payment booked before it.
VIEWS_WAIT_SECONDS = 10.0


class ViewsBehind(TimeoutError):
    """Raised when the fee view does not include the payments booked in time."""


def _booked_rows(
    engine: Callable[[], Engine],
    last_position: Callable[[], int],
    projection: str,
    query: str,
) -> Callable[[UUID, str, date, Sequence[str]], Sequence[Any]]:
    """The rows of ``query`` (parameters c, channel, day, ids) once the view includes every
    event recorded before the call (``last_position``): what was booked a moment before the
    import is reconciled, never reported missing."""
    statement = text(query)

    def rows(community_id: UUID, channel: str, day: date, ids: Sequence[str]) -> Sequence[Any]:
        if not wait_for_position(engine(), projection, last_position(), timeout=VIEWS_WAIT_SECONDS):
            raise ViewsBehind("the payments booked are not all readable yet; try again shortly")
        # One array parameter, not one parameter per id: 50,000 of those cost seconds.
        params = {"c": community_id, "channel": channel, "day": day, "ids": list(ids)}
        with engine().connect() as conn:
            return conn.execute(statement, params).all()

    return rows


def booked_reader(
    engine: Callable[[], Engine], last_position: Callable[[], int], projection: str
) -> Callable[[UUID, str, date, Sequence[str]], list[BookedPayment]]:
    """The payments booked on a channel of a community on a day, or carrying one of the
    statement's transaction ids (booked on another day), from the fee view."""
    rows = _booked_rows(
        engine,
        last_position,
        projection,
        "SELECT id, transaction_id, unit_id, amount_fen, received_on FROM fee_payments "
        "WHERE community_id = :c AND channel = :channel "
        "AND (received_on = :day OR transaction_id = ANY(CAST(:ids AS text[])))",
    )

    def booked(
        community_id: UUID, channel: str, day: date, transaction_ids: Sequence[str]
    ) -> list[BookedPayment]:
        return [
            BookedPayment(r.id, r.transaction_id, r.unit_id, r.amount_fen, r.received_on)
            for r in rows(community_id, channel, day, transaction_ids)
        ]

    return booked


def refunds_reader(
    engine: Callable[[], Engine], last_position: Callable[[], int], projection: str
) -> Callable[[UUID, str, date, Sequence[str]], list[BookedRefund]]:
    """The refunds booked on a channel of a community on a day, or under one of the
    statement's refund ids (booked on another day), from the fee ledger; with the
    transaction id of the payment refunded."""
    rows = _booked_rows(
        engine,
        last_position,
        projection,
        "SELECT l.transaction_id AS reference, l.payment_id, "
        "coalesce(p.transaction_id, '') AS paid_by, a.unit_id, l.amount_fen, l.\"on\" AS day "
        "FROM fee_ledger l JOIN fee_accounts a ON a.id = l.account_id "
        "LEFT JOIN fee_payments p ON p.id = l.payment_id "
        "WHERE l.kind = 'REFUND' AND a.community_id = :c AND l.channel = :channel "
        "AND l.transaction_id IS NOT NULL "
        'AND (l."on" = :day OR l.transaction_id = ANY(CAST(:ids AS text[])))',
    )

    def refunds(
        community_id: UUID, channel: str, day: date, refund_ids: Sequence[str]
    ) -> list[BookedRefund]:
        return [
            BookedRefund(r.reference, r.payment_id, r.paid_by, r.unit_id, r.amount_fen, r.day)
            for r in rows(community_id, channel, day, refund_ids)
        ]

    return refunds
