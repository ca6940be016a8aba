"""收据簿: the gap-free sequence of receipt numbers (收据编号) of one receiver in one year.

A receiver is the company that receives a payment (or the community itself where no company
serves it). Its book of a year is one aggregate whose every ``Issued`` event is one number:
the number is taken by the same save as the payment's own events, so a payment that is not
recorded (refused, rolled back) takes no number. Two payments saved at once would both try
to write the book's next version (the event store lets one through and the other is run
again with the next number, ``GongzhiBase.retrying``), so the application queues them on the
book instead, across processes (``FeePaymentService.record_payment``). No number is skipped
and none is given twice, at the price of one company's payments being recorded one after
another.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

RECEIPT_BOOK_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/receipt-book")


def receipt_book_id(receiver: UUID, year: int) -> UUID:
    return uuid5(RECEIPT_BOOK_NAMESPACE, f"{receiver}/{year}")


def receiver_code(credit_code: str | None, receiver: UUID) -> str:
    """The code a receipt number starts with: the company's 组织机构代码 (characters 9 to 17
    of its 统一社会信用代码, unique per organisation nationwide, so no registry of codes is
    needed), or, for a community no company serves, the start of its id."""
    if credit_code:
        return credit_code[8:17]
    return receiver.hex[:9].upper()


class ReceiptBook(Aggregate):
    """One receiver's receipt numbers of one year, in the order they were given."""

    class Opened(Aggregate.Created):
        receiver: UUID
        year: int
        prefix: str

    class Issued(Aggregate.Event):
        payment_id: UUID
        number: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ReceiptBook)
            aggregate.issued += 1

    def __init__(self, receiver: UUID, year: int, prefix: str) -> None:
        self.receiver = receiver
        self.year = year
        self.prefix = prefix
        self.issued = 0

    @classmethod
    def open(cls, receiver: UUID, year: int, prefix: str) -> ReceiptBook:
        return cls._create(
            cls.Opened,
            id=receipt_book_id(receiver, year),
            receiver=receiver,
            year=year,
            prefix=prefix,
        )

    def next_number(self) -> str:
        """The number the next ``issue`` gives (e.g. ``913100007-2026-000123``)."""
        return f"{self.prefix}-{self.year}-{self.issued + 1:06d}"

    def issue(self, payment_id: UUID) -> str:
        """The next number, given to ``payment_id``."""
        number = self.next_number()
        self.trigger_event(self.Issued, payment_id=payment_id, number=number)
        return number
