"""对账 types: a reconciliation, its items (paged), the results of its queries."""

from __future__ import annotations

import datetime
from typing import Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.domain.payment import PaymentChannel
from gongzhi.domain.reconciliation import ItemKind, Resolution
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import Forbidden, NotFound, ValidationError
from gongzhi.graphql.money import Fen
from gongzhi.graphql.pagination import Key, PageInfo, encode_cursor, keyset_page
from gongzhi.graphql.params import Params
from gongzhi.graphql.reading import lookup
from gongzhi.graphql.rows import from_row


@strawberry.type(description="对账差异 one line of a reconciliation (amounts in fen)")
class ReconciliationItem:
    seq: int = strawberry.field(description="The item's number, to resolve it by")
    kind: ItemKind
    row: int = strawberry.field(description="The statement's row (1 is the header); 0: not on it")
    transaction_id: str = strawberry.field(description="The channel's transaction id")
    order_no: str = strawberry.field(description="商户订单号 on the statement")
    statement_fen: Fen | None = strawberry.field(description="On the statement; null: not on it")
    booked_fen: Fen | None = strawberry.field(description="Booked; null: not booked")
    fee_fen: Fen = strawberry.field(description="手续费 the channel charged")
    paid_at: datetime.datetime | None
    payment_id: strawberry.ID | None = strawberry.field(description="The payment booked")
    unit_id: strawberry.ID | None = strawberry.field(
        description="The unit the payment is (or would be) booked on"
    )
    resolution: Resolution | None
    reference: str | None = strawberry.field(
        description="What resolved it: the payment or refund recorded, or NOTE"
    )
    resolved_at: datetime.datetime | None
    refund: bool = strawberry.field(
        description="A refund (退款): transactionId is the channel's refund id, matched "
        "against the refunds booked by refundPayment under that reference"
    )
    refund_of: str = strawberry.field(
        description="A refund's payment (its transaction id); empty on a payment"
    )


@strawberry.type
class ReconciliationItemEdge:
    cursor: str
    node: ReconciliationItem


@strawberry.type(description="A page of a reconciliation's items, in statement order")
class ReconciliationItemConnection:
    edges: list[ReconciliationItemEdge]
    page_info: PageInfo


@strawberry.type(description="对账汇总 of one kind of item: how many, and their amounts in fen")
class ReconciliationKindTotal:
    kind: ItemKind
    refund: bool = strawberry.field(description="Refunds (退款), apart from payments")
    items: int
    open_items: int = strawberry.field(description="Differences not resolved yet")
    statement_fen: Fen = strawberry.field(description="On the statement")
    booked_fen: Fen = strawberry.field(description="Booked on the platform")
    fee_fen: Fen = strawberry.field(description="手续费 the channel charged")


# Per kind, payments before refunds: what the summary of a reconciliation shows.
KIND_TOTALS = """
SELECT i.kind, i.refund, count(*)::int AS items,
       (count(*) FILTER (WHERE i.kind <> 'MATCHED' AND i.resolution IS NULL))::int AS open_items,
       coalesce(sum(i.statement_fen), 0)::bigint AS statement_fen,
       coalesce(sum(i.booked_fen), 0)::bigint AS booked_fen,
       coalesce(sum(i.fee_fen), 0)::bigint AS fee_fen
FROM reconciliation_items i WHERE i.reconciliation_id = $1
GROUP BY i.kind, i.refund ORDER BY i.refund, i.kind"""

ITEM_KEYS = (Key("i.seq", "seq", "int"),)
# A page size out of range or a forged cursor is answered as a typed error.
ReconciliationItemsResult = Annotated[
    ReconciliationItemConnection | ValidationError,
    strawberry.union("ReconciliationItemsResult"),
]


@strawberry.type(
    description="对账记录: a channel's statement of one day against the payments booked"
)
class Reconciliation:
    id: strawberry.ID
    community_id: strawberry.ID
    channel: PaymentChannel
    day: datetime.date = strawberry.field(description="The business day (Asia/Shanghai)")
    file_format: str
    digest: str = strawberry.field(description="SHA-256 of the file imported")
    skipped_rows: int = strawberry.field(
        description="Statement rows neither payments nor refunds (closed orders): not reconciled"
    )
    gross_fen: Fen = strawberry.field(description="应结金额: the statement's payments")
    fee_fen: Fen = strawberry.field(description="手续费: the channel's fees")
    net_fen: Fen = strawberry.field(description="净额: gross less fees")
    refund_fen: Fen = strawberry.field(description="退款金额: the statement's refunds")
    item_count: int
    matched: int
    missing_in_platform: int
    missing_in_statement: int
    amount_differs: int
    open_items: int = strawberry.field(description="Differences not resolved yet")
    recorded_at: datetime.datetime

    @strawberry.field(description="Counts and amounts per kind of item (payments, then refunds)")
    async def totals(self, info: Info[Context, None]) -> list[ReconciliationKindTotal]:
        rows = await info.context.pool.fetch(KIND_TOTALS, UUID(self.id))
        return [from_row(ReconciliationKindTotal, r) for r in rows]

    @strawberry.field(description="The items, in statement order (max 100 a page)")
    @lookup
    async def items(
        self,
        info: Info[Context, None],
        kind: ItemKind | None = None,
        open_only: bool = False,
        refund: bool | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> ReconciliationItemsResult:
        params = Params([UUID(self.id)])
        conditions = ["i.reconciliation_id = $1"]
        if kind is not None:
            conditions.append(f"i.kind = {params(ItemKind(kind).value)}")
        if refund is not None:
            conditions.append("i.refund" if refund else "NOT i.refund")
        if open_only:
            conditions.append("i.kind <> 'MATCHED' AND i.resolution IS NULL")
        rows, page = await keyset_page(
            info.context.pool,
            "SELECT i.* FROM reconciliation_items i",
            conditions,
            params,
            ITEM_KEYS,
            first,
            after,
        )
        edges = [
            ReconciliationItemEdge(
                cursor=encode_cursor(r["seq"]), node=from_row(ReconciliationItem, r)
            )
            for r in rows
        ]
        return ReconciliationItemConnection(edges=edges, page_info=page)


def reconciliation_from_row(row: object) -> Reconciliation:
    return from_row(Reconciliation, row)


@strawberry.type
class ReconciliationEdge:
    cursor: str
    node: Reconciliation


@strawberry.type(description="A page of reconciliations, the latest day first")
class ReconciliationConnection:
    edges: list[ReconciliationEdge]
    page_info: PageInfo


@strawberry.type
class ReconciliationPayload:
    reconciliation: Reconciliation | None
    position: str


ReconciliationLookup = Annotated[
    Reconciliation | ValidationError | NotFound | Forbidden,
    strawberry.union("ReconciliationLookup"),
]
ReconciliationsResult = Annotated[
    ReconciliationConnection | ValidationError | NotFound | Forbidden,
    strawberry.union("ReconciliationsResult"),
]
