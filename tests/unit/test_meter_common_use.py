"""公摊 read before billing (``MeterBook.common_use``, the console's 抄表 page) is what the
billing run then splits: its charge is the sum of the units' SHARED lines, to the fen."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.meter import MeterBook
from tests.unit.test_meter import install

D = Decimal
READINGS = st.decimals(min_value=0, max_value=500, places=2, allow_nan=False, allow_infinity=False)


@given(
    own=st.lists(READINGS, min_size=1, max_size=6),
    common=st.decimals(min_value=0, max_value=3000, places=2),
    method=st.sampled_from(["AREA", "UNIT_COUNT", "CONSUMPTION"]),
    price=st.decimals(min_value=D("0.01"), max_value=D("9.9999"), places=4),
)
def test_the_shared_charge_read_before_billing_is_what_the_bills_share(
    own: list[Decimal], common: Decimal, method: str, price: Decimal
) -> None:
    # Given a round read: units' own meters, a common meter serving them all
    book = MeterBook.open(uuid4())
    units = [uuid4() for _ in own]
    meters = [install(book, "WATER", f"W-{i}", u) for i, u in enumerate(units)]
    shared_meter = install(book, "WATER", "C-1", None, units)
    book.set_price("WATER", [{"up_to": None, "price": str(price)}])
    book.set_sharing(method)
    book.open_round("2026-01")
    book.enter("2026-01", [(0, m, q) for m, q in zip(meters, own, strict=True)], "STAFF")
    book.enter("2026-01", [(0, shared_meter, common)], "STAFF")
    # When its 公摊 is read, then billed
    (use,) = book.common_use("2026-01")
    charge = book.shared_fen(use)
    book.bill_rounds("2026-01")
    areas = {u: D(60 + 10 * i) for i, u in enumerate(units)}
    lines = book.charges("2026-01", areas)
    # Then the units' own consumption and the rest are as read, and the shares sum to it
    assert use.consumption == common and use.shared == common - sum(own, D(0))
    billed = sum(x["amount_fen"] for u in units for x in lines.get(u, []) if x["kind"] == "SHARED")
    assert billed == (charge if use.shared > 0 else 0)
