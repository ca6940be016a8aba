"""对账 a reconciliation: one day's statement of a payment channel (or a bank) set against
the payments the platform booked on that channel, item by item.

Matching is by the channel's transaction id, the key a booked payment is known by:

- MATCHED: on both, the same amount;
- MISSING_IN_PLATFORM: on the statement, not booked (a notification that never came);
- MISSING_IN_STATEMENT: booked on the day, not on the statement (booked in error, or the
  channel never took it);
- AMOUNT_DIFFERS: on both, amounts differ.

Refund rows (退款) are matched the same way against the refunds booked on the channel
(``refundPayment``), by the channel's refund id (the refund's reference, 退款凭证号): the same
four kinds, each item marked ``refund``. A refund missing in the platform is resolved by
booking it (退款 of the payment the statement names); the other refund differences are
noted (a refund booked in error is not undone by a command yet). Reversals the
reconciliation itself booked (reference ``对账冲正 …``) moved no money on the channel and are
not looked for on its statements.

Every statement item carries the channel's fee (手续费); the totals are gross, fees and net
in fen. A booked payment of another day that is on this statement is matched, not missing.

The reconciliation is recorded whole (its items in chunks of ``CHUNK`` per event, saved in
one transaction) and its id derives from the community, channel, day and the file's digest:
importing the same file again answers the first reconciliation; another file for the same
day records a new one. An item is resolved once, with the reference of what resolved it (the
payment booked, the refund that reversed it, or a note).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import RuleViolated, UnknownPart

RECONCILIATION_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/reconciliation")
CHUNK = 1000  # items per event: a day of 50,000 rows is 50 events of ~150 KB


class ItemKind(enum.Enum):
    """对账结果."""

    MATCHED = "MATCHED"  # 一致
    MISSING_IN_PLATFORM = "MISSING_IN_PLATFORM"  # 渠道有、平台无 (长款)
    MISSING_IN_STATEMENT = "MISSING_IN_STATEMENT"  # 平台有、渠道无 (短款)
    AMOUNT_DIFFERS = "AMOUNT_DIFFERS"  # 金额不符


class Resolution(enum.Enum):
    """How an item was resolved."""

    BOOKED = "BOOKED"  # 补账: the missing payment (or the missing part) booked
    REVERSED = "REVERSED"  # 冲正: the booking (or its excess) refunded
    NOTED = "NOTED"  # 说明: nothing to book (e.g. on the next day's statement)


# Which resolutions fit which kind of item.
FITTING = {
    ItemKind.MISSING_IN_PLATFORM: {Resolution.BOOKED, Resolution.NOTED},
    ItemKind.MISSING_IN_STATEMENT: {Resolution.REVERSED, Resolution.NOTED},
    ItemKind.AMOUNT_DIFFERS: {Resolution.BOOKED, Resolution.REVERSED, Resolution.NOTED},
}

# Which resolutions fit a refund item: a refund the channel made is booked (退款 of its
# payment); a refund booked that the channel did not make, or made of another amount, is
# noted (undoing a refund by a command is not built).
REFUND_FITTING = {
    ItemKind.MISSING_IN_PLATFORM: {Resolution.BOOKED, Resolution.NOTED},
    ItemKind.MISSING_IN_STATEMENT: {Resolution.NOTED},
    ItemKind.AMOUNT_DIFFERS: {Resolution.NOTED},
}


class StatementRow(Protocol):
    """One payment on a channel's statement (``gongzhi.infra.statements.StatementLine``)."""

    @property
    def row(self) -> int: ...
    @property
    def transaction_id(self) -> str: ...
    @property
    def order_no(self) -> str: ...
    @property
    def amount_fen(self) -> int: ...
    @property
    def fee_fen(self) -> int: ...
    @property
    def paid_at(self) -> datetime: ...
    @property
    def refund_of(self) -> str: ...


@dataclass(frozen=True)
class BookedPayment:
    """A payment the platform booked on the channel."""

    payment_id: UUID
    transaction_id: str
    unit_id: UUID
    amount_fen: int
    received_on: date


# The reference of a refund the reconciliation books to reverse a booking (冲正).
REVERSAL_REFERENCE = "对账冲正"


@dataclass(frozen=True)
class BookedRefund:
    """A refund the platform booked on the channel (its reference: the channel's refund id)."""

    reference: str
    payment_id: UUID | None
    transaction_id: str  # of the payment refunded; "" for a refund of prepaid credit
    unit_id: UUID
    amount_fen: int
    refunded_on: date


@dataclass(frozen=True)
class Item:
    """One line of a reconciliation; amounts in fen (None: not on that side)."""

    seq: int
    kind: ItemKind
    transaction_id: str
    order_no: str = ""
    row: int = 0  # the statement's row, 0 when not on it
    statement_fen: int | None = None
    booked_fen: int | None = None
    fee_fen: int = 0
    paid_at: str = ""  # ISO, with its offset
    payment_id: str = ""
    unit_id: str = ""
    refund: bool = False  # a refund: transaction_id is the refund's id
    refund_of: str = ""  # a refund's payment (its transaction id)

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "kind": self.kind.value}

    def __deepcopy__(self, memo: dict[int, Any]) -> Item:
        # Immutable: a command's copy of a reconciliation of 50,000 items shares them.
        return self

    @classmethod
    def of(cls, data: dict[str, Any]) -> Item:
        return cls(**{**data, "kind": ItemKind(data["kind"])})

    @property
    def difference_fen(self) -> int:
        """Statement less booked: positive when the platform booked too little."""
        return (self.statement_fen or 0) - (self.booked_fen or 0)


def reconcile(
    day: date,
    lines: Iterable[StatementRow],
    booked: Iterable[BookedPayment],
    units_of_orders: dict[str, UUID] | None = None,
    refunds: Iterable[BookedRefund] = (),
) -> list[Item]:
    """The items of a day's statement against the payments booked: the statement's payments
    in its order, then the booked payments of ``day`` not on it; then its refunds against
    the refunds booked, the same way. ``units_of_orders`` names the unit of an order number
    the platform knows (to book a missing payment on)."""
    lines = list(lines)
    payments = {b.transaction_id: b for b in booked}
    orders = units_of_orders or {}
    items: list[Item] = []
    _match(
        day,
        [line for line in lines if not line.refund_of],
        [
            _Booked(b.transaction_id, b.amount_fen, b.received_on, b.payment_id, b.unit_id, "")
            for b in payments.values()
        ],
        items,
        lambda line: (None, orders.get(line.order_no)),
    )

    def of_payment(line: StatementRow) -> tuple[UUID | None, UUID | None]:
        paid = payments.get(line.refund_of)
        return (paid.payment_id, paid.unit_id) if paid else (None, None)

    _match(
        day,
        [line for line in lines if line.refund_of],
        [
            _Booked(
                r.reference, r.amount_fen, r.refunded_on, r.payment_id, r.unit_id, r.transaction_id
            )
            for r in refunds
            if not r.reference.startswith(REVERSAL_REFERENCE)
        ],
        items,
        of_payment,
        refund=True,
    )
    return items


@dataclass(frozen=True)
class _Booked:
    """A payment or a refund booked, as matching needs it."""

    key: str  # the transaction id of a payment, the reference of a refund
    amount_fen: int
    day: date
    payment_id: UUID | None
    unit_id: UUID
    refund_of: str


def _match(
    day: date,
    lines: Sequence[StatementRow],
    booked: Sequence[_Booked],
    items: list[Item],
    otherwise: Callable[[StatementRow], tuple[UUID | None, UUID | None]],
    *,
    refund: bool = False,
) -> None:
    """Append the items of ``lines`` matched by key, then of those booked on ``day`` not on
    the statement; ``otherwise`` names the payment and unit of a line not booked."""
    by_key = {b.key: b for b in booked}
    for line in lines:
        found = by_key.get(line.transaction_id)
        if found is None:
            kind = ItemKind.MISSING_IN_PLATFORM
        elif found.amount_fen == line.amount_fen:
            kind = ItemKind.MATCHED
        else:
            kind = ItemKind.AMOUNT_DIFFERS
        paid, unit = (found.payment_id, found.unit_id) if found else otherwise(line)
        items.append(
            Item(
                seq=len(items) + 1,
                kind=kind,
                transaction_id=line.transaction_id,
                order_no=line.order_no,
                row=line.row,
                statement_fen=line.amount_fen,
                booked_fen=found.amount_fen if found else None,
                fee_fen=line.fee_fen,
                paid_at=line.paid_at.isoformat(),
                payment_id=str(paid) if paid else "",
                unit_id=str(unit) if unit else "",
                refund=refund,
                refund_of=line.refund_of,
            )
        )
    on_statement = {line.transaction_id for line in lines}
    for b in sorted(booked, key=lambda b: b.key):
        if b.key in on_statement or b.day != day:
            continue
        items.append(
            Item(
                seq=len(items) + 1,
                kind=ItemKind.MISSING_IN_STATEMENT,
                transaction_id=b.key,
                booked_fen=b.amount_fen,
                payment_id=str(b.payment_id) if b.payment_id else "",
                unit_id=str(b.unit_id),
                refund=refund,
                refund_of=b.refund_of,
            )
        )


def reconciliation_id(community_id: UUID, channel: str, day: date, digest: str) -> UUID:
    """The same file for the same community, channel and day is the same reconciliation."""
    return uuid5(RECONCILIATION_NAMESPACE, f"{community_id}/{channel}/{day.isoformat()}/{digest}")


class Reconciliation(Aggregate):
    """对账记录 of one community's payments on one channel for one business day."""

    class Recorded(Aggregate.Created):
        community_id: UUID
        channel: str
        day: date
        file_format: str
        digest: str  # SHA-256 of the file, hex
        skipped_rows: int  # statement rows neither payments nor refunds (closed orders)
        gross_fen: int
        fee_fen: int
        item_count: int
        refund_fen: int = 0  # the statement's refunds (recorded since refunds are matched)

    class ItemsListed(Aggregate.Event):
        items: list[dict[str, Any]]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Reconciliation)
            aggregate.items.extend(Item.of(i) for i in self.items)

    class ItemResolved(Aggregate.Event):
        seq: int
        resolution: str
        reference: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Reconciliation)
            aggregate.resolved[self.seq] = (self.resolution, self.reference)

    def __init__(
        self,
        community_id: UUID,
        channel: str,
        day: date,
        file_format: str,
        digest: str,
        skipped_rows: int,
        gross_fen: int,
        fee_fen: int,
        item_count: int,
        refund_fen: int = 0,
    ) -> None:
        self.community_id = community_id
        self.channel = channel
        self.day = day
        self.file_format = file_format
        self.digest = digest
        self.skipped_rows = skipped_rows
        self.gross_fen = gross_fen
        self.fee_fen = fee_fen
        self.refund_fen = refund_fen
        self.items: list[Item] = []
        self.resolved: dict[int, tuple[str, str]] = {}

    @classmethod
    def record(
        cls,
        *,
        community_id: UUID,
        channel: str,
        day: date,
        file_format: str,
        digest: str,
        skipped_rows: int,
        items: Sequence[Item],
    ) -> Reconciliation:
        listed = [i for i in items if i.row and not i.refund]
        refunded = [i for i in items if i.row and i.refund]
        reconciliation = cls._create(
            cls.Recorded,
            id=reconciliation_id(community_id, channel, day, digest),
            community_id=community_id,
            channel=channel,
            day=day,
            file_format=file_format,
            digest=digest,
            skipped_rows=skipped_rows,
            gross_fen=sum(i.statement_fen or 0 for i in listed),
            fee_fen=sum(i.fee_fen for i in listed),
            item_count=len(items),
            refund_fen=sum(i.statement_fen or 0 for i in refunded),
        )
        for start in range(0, len(items), CHUNK):
            chunk = [i.as_dict() for i in items[start : start + CHUNK]]
            reconciliation.trigger_event(cls.ItemsListed, items=chunk)
        return reconciliation

    @property
    def net_fen(self) -> int:
        return self.gross_fen - self.fee_fen

    def item(self, seq: int) -> Item:
        if not 1 <= seq <= len(self.items):
            raise UnknownPart("item", f"no item {seq}: the reconciliation has {len(self.items)}")
        return self.items[seq - 1]

    def check_resolvable(self, seq: int, resolution: Resolution) -> Item:
        """The item, if it may be resolved so; else why not."""
        item = self.item(seq)
        if item.kind is ItemKind.MATCHED:
            raise RuleViolated("item", f"item {seq} is matched: there is nothing to resolve")
        if seq in self.resolved:
            how, reference = self.resolved[seq]
            raise RuleViolated("item", f"item {seq} was resolved already ({how} {reference})")
        fits = (REFUND_FITTING if item.refund else FITTING)[item.kind]
        if resolution not in fits:
            fitting = ", ".join(sorted(r.value for r in fits))
            raise RuleViolated(
                "action", f"an item {item.kind.value} is resolved by {fitting}, not this"
            )
        if item.refund and resolution is Resolution.BOOKED and not item.payment_id:
            raise RuleViolated(
                "item",
                f"the payment {item.refund_of} this refund is of is not booked: "
                "book it first, or note the item",
            )
        if item.kind is ItemKind.AMOUNT_DIFFERS and resolution is not Resolution.NOTED:
            wanted = Resolution.BOOKED if item.difference_fen > 0 else Resolution.REVERSED
            if resolution is not wanted:
                raise RuleViolated(
                    "action",
                    f"the platform booked {abs(item.difference_fen)} fen too "
                    f"{'little' if item.difference_fen > 0 else 'much'}: resolve it by "
                    f"{wanted.value}",
                )
        return item

    def resolve(self, seq: int, resolution: Resolution, reference: str) -> None:
        """Mark the item resolved by ``reference`` (a payment, a refund, or a note)."""
        self.check_resolvable(seq, resolution)
        self.trigger_event(
            self.ItemResolved, seq=seq, resolution=resolution.value, reference=reference
        )
