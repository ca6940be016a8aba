"""Read model of 在线缴费 payment orders: one row per order, its status as recorded
(CREATED, PAID, CLOSED); an order CREATED past ``expires_at`` reads as EXPIRED (the API
compares with the clock, since no event marks time passing)."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index, String, Table, Uuid, text

from gongzhi.domain.payment_order import OnlinePaymentOrder
from gongzhi.projections.history import INSERT_HISTORY
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    CHANGE,
    CREATE,
    RECORD,
    Op,
    Statement,
    insert_statement,
    update_statement,
)

payment_orders = Table(
    "payment_orders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("unit_id", Uuid, nullable=False),
    Column("channel", String(20), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("payment_id", Uuid),
    Column("transaction_id", String(64)),
    Column("paid_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    # 统一下单: what the payer opens or scans, once the order is placed at the channel.
    Column("pay_url", String(512), nullable=False, server_default=""),
    Column("channel_ref", String(64), nullable=False, server_default=""),
    # The log position of the order's latest event: the live subscription reads the order
    # again when it moves past the last one sent.
    Column("position", BigInteger, nullable=False, server_default="0"),
    Index("payment_orders_unit", "unit_id", "created_at"),
)

PAYMENT_ORDER_TABLES = (payment_orders,)

INSERT_ORDER = insert_statement("insert payment order", CREATE, payment_orders)
PAY_ORDER = update_statement(
    "pay payment order",
    CHANGE,
    payment_orders,
    key=("id", "o_id"),
    assign={"payment_id": "payment_id", "transaction_id": "transaction_id", "paid_at": "at"},
    constants={"status": "PAID"},
)
PLACE_ORDER = update_statement(
    "place payment order",
    CHANGE,
    payment_orders,
    key=("id", "o_id"),
    assign={"pay_url": "pay_url", "channel_ref": "channel_ref"},
)
CLOSE_ORDER = update_statement(
    "close payment order",
    CHANGE,
    payment_orders,
    key=("id", "o_id"),
    assign={"closed_at": "at"},
    constants={"status": "CLOSED"},
)

# After the history row, whose log position it copies (as work orders do).
MARK_POSITION = Statement(
    "mark payment order position",
    RECORD,
    text(
        "UPDATE payment_orders SET position = (SELECT h.position FROM event_history h "
        "WHERE h.aggregate_id = :o_id AND h.version = :version) WHERE id = :o_id"
    ),
    after=(INSERT_HISTORY,),
)


def _position(event: OnlinePaymentOrder.Event) -> Op:
    return Op(MARK_POSITION, {"o_id": event.originator_id, "version": event.originator_version})


@singledispatch
def payment_order_ops(event: Any) -> list[Op]:
    return []


@payment_order_ops.register
def _(event: OnlinePaymentOrder.Created) -> list[Op]:
    row = {
        "id": event.originator_id,
        "community_id": event.community_id,
        "unit_id": event.unit_id,
        "channel": event.channel,
        "amount_fen": event.amount_fen,
        "status": "CREATED",
        "created_at": event.created_at,
        "expires_at": event.expires_at,
        "payment_id": None,
        "transaction_id": None,
        "paid_at": None,
        "closed_at": None,
        "pay_url": "",
        "channel_ref": "",
    }
    return [Op(INSERT_ORDER, row), _position(event)]


@payment_order_ops.register
def _(event: OnlinePaymentOrder.Paid) -> list[Op]:
    params = {
        "o_id": event.originator_id,
        "payment_id": event.payment_id,
        "transaction_id": event.transaction_id,
        "at": event.paid_at,
    }
    return [Op(PAY_ORDER, params), _position(event)]


@payment_order_ops.register
def _(event: OnlinePaymentOrder.Closed) -> list[Op]:
    return [Op(CLOSE_ORDER, {"o_id": event.originator_id, "at": event.closed_at}), _position(event)]


@payment_order_ops.register
def _(event: OnlinePaymentOrder.Placed) -> list[Op]:
    params = {
        "o_id": event.originator_id,
        "pay_url": event.pay_url,
        "channel_ref": event.channel_ref,
    }
    return [Op(PLACE_ORDER, params), _position(event)]
