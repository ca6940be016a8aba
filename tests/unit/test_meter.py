"""抄表 rules of the meter book (issue 16 §4), on the aggregate alone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.application.meters import reading_rows
from gongzhi.domain.errors import DomainError, InvalidValue, RuleViolated
from gongzhi.domain.meter import MeterBook, MeterToInstall, fen_half_up, tiered_yuan
from gongzhi.infra.tabular import read_table

D = Decimal
TIERS = [{"up_to": "10", "price": "3.45"}, {"up_to": None, "price": "4.83"}]


def install(
    book: MeterBook, kind: str, number: str, unit: UUID | None, serves: list[UUID] | None = None
) -> UUID:
    return book.install(
        kind=kind,
        number=number,
        multiplier=D(1),
        initial=D(0),
        installed_in="2026-01",
        unit_id=unit,
        serves=serves or (),
    )


def book_with_meter(multiplier: str = "1") -> tuple[MeterBook, UUID, UUID]:
    book = MeterBook.open(uuid4())
    unit = uuid4()
    meter = book.install(
        kind="WATER",
        number="W-1",
        multiplier=D(multiplier),
        initial=D("100"),
        installed_in="2026-01",
        unit_id=unit,
    )
    book.set_price("WATER", TIERS)
    return book, unit, meter


def test_replacement_consumption_counts_old_final_and_new_from_its_own_initial() -> None:
    book, unit, old = book_with_meter()
    book.open_round("2026-01")
    book.enter("2026-01", [(0, old, D("110"))], "STAFF")
    book.open_round("2026-02")
    new = book.replace(
        old,
        month="2026-02",
        final_reading=D("115"),
        number="W-2",
        multiplier=D("2"),
        initial=D("5"),
    )
    book.enter("2026-02", [(0, new, D("8.5"))], "STAFF")
    # (115 − 110) × 1 + (8.5 − 5) × 2 = 12
    book.bill_rounds("2026-02")
    lines = book.charges("2026-02", {unit: D("80")})[unit]
    assert [line["kind"] for line in lines] == ["METERED"]
    assert "12.0" in lines[0]["label"]
    # 10 × 3.45 + 2 × 4.83 = 44.16
    assert lines[0]["amount_fen"] == 4416
    # the old meter takes no reading after it was replaced
    with pytest.raises(RuleViolated, match="replaced"):
        book.check("2026-02", old, D("120"))


def test_a_lower_reading_is_refused_and_an_outlier_flagged() -> None:
    book, _, meter = book_with_meter()
    reading = D("100")
    for month in ("2026-01", "2026-02", "2026-03", "2026-04"):
        book.open_round(month)
        reading += 10
        book.enter(month, [(0, meter, reading)], "STAFF")
    book.open_round("2026-05")
    with pytest.raises(RuleViolated, match="lower than meter W-1's last reading 140"):
        book.enter("2026-05", [(0, meter, D("139.99"))], "STAFF")
    assert book.check("2026-05", meter, D("170")).flag == ""
    flagged = book.check("2026-05", meter, D("170.01"))
    assert "median 10" in flagged.flag
    book.enter("2026-05", [(0, meter, D("200"))], "STAFF")
    assert meter in book.rounds["2026-05"].flagged
    book.correct("2026-05", meter, D("150"))
    assert meter not in book.rounds["2026-05"].flagged


def test_tiers_round_half_up_once_on_the_line_total() -> None:
    assert tiered_yuan(D("10"), TIERS) == D("34.50")
    assert tiered_yuan(D("10.001"), TIERS) == D("34.50483")
    assert fen_half_up(D("34.505")) == 3451
    assert fen_half_up(tiered_yuan(D("0.001"), TIERS)) == 0


def test_shared_consumption_sums_exactly_by_area_with_largest_remainder() -> None:
    book = MeterBook.open(uuid4())
    units = [uuid4() for _ in range(3)]
    meters = [install(book, "WATER", f"W-{i}", u) for i, u in enumerate(units)]
    common = install(book, "WATER", "C-1", None, units)
    book.set_price("WATER", [{"up_to": None, "price": "3.33"}])
    book.open_round("2026-01")
    book.enter("2026-01", [(0, m, D(5)) for m in meters] + [(0, common, D("16.01"))], "STAFF")
    book.bill_rounds("2026-01")
    areas = {units[0]: D("100"), units[1]: D("100"), units[2]: D("100.01")}
    lines = book.charges("2026-01", areas)
    shared = [line["amount_fen"] for u in units for line in lines[u] if line["kind"] == "SHARED"]
    # 1.01 吨 × 3.33 = 3.3633 元 → 336 fen, shared 112/112/112
    assert sum(shared) == 336 and len(shared) == 3
    # a billed round is final
    with pytest.raises(RuleViolated, match="billed"):
        book.correct("2026-01", common, D("17"))
    with pytest.raises(RuleViolated, match="billing has run through 2026-01"):
        book.open_round("2025-12")


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        # 3.00 吨 beyond the units' 1 + 2 + 0 at 1.01 元: 303 fen
        ("UNIT_COUNT", [101, 101, 101]),
        ("CONSUMPTION", [101, 202, 0]),  # by 1 : 2 : 0
        ("AREA", [152, 76, 75]),  # 151.88, 75.94, 75.18 by 100 : 50 : 49.5
    ],
)
def test_each_sharing_method_shares_the_total_exactly(method: str, expected: list[int]) -> None:
    book = MeterBook.open(uuid4())
    units = [uuid4() for _ in range(3)]
    meters = [install(book, "GAS", f"G-{i}", u) for i, u in enumerate(units)]
    common = install(book, "GAS", "C-G", None, units)
    book.set_price("GAS", [{"up_to": None, "price": "1.01"}])
    book.set_sharing(method)
    book.open_round("2026-01")
    used = [D(1), D(2), D(0)]
    book.enter("2026-01", [(0, m, q) for m, q in zip(meters, used, strict=True)], "STAFF")
    book.enter("2026-01", [(0, common, D(6))], "STAFF")
    book.bill_rounds("2026-01")
    areas = dict(zip(units, (D("100"), D("50"), D("49.5")), strict=True))
    lines = book.charges("2026-01", areas)
    shares = [
        sum(x["amount_fen"] for x in lines.get(u, []) if x["kind"] == "SHARED") for u in units
    ]
    assert shares == expected
    assert sum(shares) == 303


def test_a_round_with_readings_of_a_kind_without_a_price_is_not_billed() -> None:
    book, _, meter = book_with_meter()
    heat = install(book, "HEAT", "H-1", uuid4())
    book.open_round("2026-01")
    book.enter("2026-01", [(0, meter, D(101)), (0, heat, D(3))], "STAFF")
    with pytest.raises(RuleViolated, match="no HEAT price"):
        book.bill_rounds("2026-01")


def test_an_export_over_20000_rows_or_without_a_reading_column_is_refused() -> None:
    rows = "".join(f"W-{i},1,2026-10-31\n" for i in range(20_001))
    with pytest.raises(InvalidValue, match="more than 20,000 rows"):
        reading_rows(f"表号,读数,抄表时间\n{rows}".encode(), "CSV", read_table)
    with pytest.raises(InvalidValue, match="no 读数 column"):
        reading_rows("表号,抄表时间\nW-1,2026-10-31\n".encode(), "CSV", read_table)
    with pytest.raises(InvalidValue, match="row 3, 读数: 'abc' is not a number"):
        reading_rows("表号,读数,抄表时间\nW-1,1,x\nW-2,abc,x\n".encode(), "CSV", read_table)
    assert reading_rows(b"meter_number,reading,read_at\nW-1,12.5,x\n", "CSV", read_table) == [
        (2, "W-1", D("12.5"))
    ]


def january_billed() -> tuple[MeterBook, dict[UUID, Decimal], dict[str, UUID]]:
    """Two units' water meters and a common meter serving both, January billed: A 12 吨,
    B 5 吨, the common meter 20: 3 吨 shared by area, 1035 fen → 518 / 517."""
    book = MeterBook.open(uuid4())
    a, b = uuid4(), uuid4()
    areas = {a: D("100"), b: D("100")}
    meters = {
        "a": install(book, "WATER", "W-A", a),
        "b": install(book, "WATER", "W-B", b),
        "common": install(book, "WATER", "C-1", None, [a, b]),
    }
    meters.update(unit_a=a, unit_b=b)
    book.set_price("WATER", TIERS)
    book.open_round("2026-01")
    rows = [(0, meters["a"], D("12")), (0, meters["b"], D("5")), (0, meters["common"], D("20"))]
    book.enter("2026-01", rows, "STAFF")
    book.bill_rounds("2026-01")
    return book, areas, meters


def test_a_billed_reading_found_too_high_credits_each_units_difference() -> None:
    book, areas, m = january_billed()
    a, b = m["unit_a"], m["unit_b"]
    shares = [line["amount_fen"] for u in (a, b) for line in book.charges("2026-01", areas)[u]]
    assert shares == [4416, 518, 1725, 517]
    # When the common meter's reading is found too high (18): 1 吨 shared, 345 → 173 / 172
    corrected = book.correct_billed("2026-01", m["common"], D("18"), areas)
    assert [line["amount_fen"] for line in corrected.billed[b]] == [1725, 517]  # as billed
    # Then each unit is credited its share's difference, to the fen, summing exactly
    assert (corrected.period, corrected.credits) == ("2026-01", {a: 518 - 173, b: 517 - 172})
    assert sum(corrected.credits.values()) == 1035 - 345
    assert corrected.surcharges == {} and corrected.supplement == {}
    event = book.pending_events[-1]
    assert isinstance(event, MeterBook.ReadingCorrected)
    assert (event.billed_in, event.credits) == ("2026-01", {str(a): 345, str(b): 345})
    assert book.adjusted_fen("2026-01", a) == -345
    # When February is billed counting from January's readings
    book.open_round("2026-02")
    book.enter("2026-02", [(0, m["b"], D("6"))], "STAFF")
    book.bill_rounds("2026-02")
    # Then January's reading is not corrected: two bills would change
    with pytest.raises(RuleViolated, match="2026-02 was billed counting from this reading"):
        book.correct_billed("2026-01", m["b"], D("4"), areas)
    # And February's, with no common reading that month, is: 1 吨 → 0.5 吨 at 3.45 元
    corrected = book.correct_billed("2026-02", m["b"], D("5.5"), areas)
    assert (corrected.period, corrected.credits) == ("2026-02", {b: 345 - 173})  # 1.725 元
    assert book.meters[m["b"]].readings["2026-02"] == D("5.5")


def test_a_billed_reading_corrected_either_way_credits_some_units_and_charges_others() -> None:
    book, areas, m = january_billed()
    a, b = m["unit_a"], m["unit_b"]
    # When A's reading is found too high (10, not 12): A's own line falls (4416 → 3450) and
    # 2 吨 more are shared: 5 吨 × 3.45 = 1725 fen, re-split 863 / 862
    corrected = book.correct_billed("2026-01", m["a"], D("10"), areas)
    # Then A is credited 4934 − 4313 = 621 fen; B's share rises 517 → 862: 345 fen 补收
    assert (corrected.credits, corrected.surcharges) == ({a: 621}, {b: 345})
    [line] = corrected.supplement[b]
    assert (line["kind"], line["amount_fen"], line["start"]) == ("SHARED", 345, "2026-01-01")
    assert "公共表 C-1: 共 5吨" in line["label"] and "原账单 公摊水费" in line["label"]
    assert line["label"].endswith("= 5.17元)")
    # And the shares still sum exactly to the corrected shared charge
    after = book.charges("2026-01", areas)  # the aggregate holds the corrected reading
    assert after[a][-1]["amount_fen"] + after[b][-1]["amount_fen"] == 1725
    # When B's reading is found too low (6, not 5): B's own line rises 1725 → 2070 and its
    # share falls with the shared 4 吨 (1380: 690 / 690): B owes 345 − 172 = 173 more
    corrected = book.correct_billed("2026-01", m["b"], D("6"), areas)
    assert (corrected.credits, corrected.surcharges) == ({a: 863 - 690}, {b: 173})
    # And B's 补收单 shows both changed lines, netted, each with its meter and readings
    lines = corrected.supplement[b]
    assert [(x["kind"], x["amount_fen"]) for x in lines] == [("METERED", 345), ("SHARED", -172)]
    assert "表 W-B 0→6" in lines[0]["label"] and "表 W-B 0→5" in lines[0]["label"]
    assert sum(x["amount_fen"] for x in lines) == corrected.surcharges[b]
    # And the book keeps what corrections changed each unit's January by (补收 +, 调账 −)
    assert (book.adjusted_fen("2026-01", a), book.adjusted_fen("2026-01", b)) == (-794, 518)
    event = book.pending_events[-1]
    assert isinstance(event, MeterBook.ReadingCorrected)
    assert (event.credits, event.surcharges) == ({str(a): 173}, {str(b): 173})
    # And a unit whose consumption-weighted share rises is charged too (CONSUMPTION)
    book.set_sharing("CONSUMPTION")
    corrected = book.correct_billed("2026-01", m["b"], D("5"), areas)
    assert set(corrected.credits) == {b} and set(corrected.surcharges) == {a}


@settings(max_examples=60, deadline=None)
@given(
    used=st.lists(st.integers(0, 4000), min_size=2, max_size=6),
    common=st.integers(0, 30000),
    which=st.integers(0, 6),
    corrected=st.integers(0, 30000),
    method=st.sampled_from(["AREA", "UNIT_COUNT", "CONSUMPTION"]),
)
def test_a_billed_correction_books_each_units_difference_exactly(
    used: list[int], common: int, which: int, corrected: int, method: str
) -> None:
    # Given units with meters (hundredths of 吨) and a common meter serving all, billed
    book = MeterBook.open(uuid4())
    units = [uuid4() for _ in used]
    areas = {u: D(60 + 7 * i) + D("0.25") for i, u in enumerate(units)}
    meters = [install(book, "WATER", f"W-{i}", u) for i, u in enumerate(units)]
    meters.append(install(book, "WATER", "C-1", None, units))
    book.set_price("WATER", TIERS)
    book.set_sharing(method)
    book.open_round("2026-01")
    readings = [D(x) / 100 for x in used] + [D(sum(used) + common) / 100]
    book.enter("2026-01", [(0, m, r) for m, r in zip(meters, readings, strict=True)], "STAFF")
    book.bill_rounds("2026-01")
    before = book.charges("2026-01", areas)
    # When one meter's reading is corrected, up or down
    meter = meters[which % len(meters)]
    reading = D(corrected) / 100
    if reading == book.meters[meter].readings["2026-01"]:
        return
    result = book.correct_billed("2026-01", meter, reading, areas)
    after = book.charges("2026-01", areas)
    # Then each unit's 补收 less its 调账 is exactly its lines' difference, to the fen
    for u in units:
        difference = sum(x["amount_fen"] for x in after.get(u, [])) - sum(
            x["amount_fen"] for x in before.get(u, [])
        )
        booked = result.surcharges.get(u, 0) - result.credits.get(u, 0)
        assert booked == difference
        assert sum(x["amount_fen"] for x in result.supplement.get(u, [])) == max(difference, 0)
    # And the shares sum exactly to the corrected shared charge
    shares = sum(
        x["amount_fen"] for lines in after.values() for x in lines if x["kind"] == "SHARED"
    )
    own = sum(book.meters[m].consumption("2026-01") or D(0) for m in meters[:-1])
    shared = (book.meters[meters[-1]].consumption("2026-01") or D(0)) - own
    assert shares == (fen_half_up(shared * D("3.45")) if shared > 0 else 0)


def test_a_sheet_of_meters_is_checked_whole_then_installed_once_and_replays() -> None:
    # Given a book with W-1 installed, and a sheet of W-1 (the same), W-2 and a common meter
    book = MeterBook.open(uuid4())
    units = [uuid4(), uuid4()]
    install(book, "WATER", "W-1", units[0])

    def row(line: int, number: str, unit: UUID | None, **changed: object) -> MeterToInstall:
        fields: dict[str, Any] = dict(
            line=line, kind="WATER", number=number, multiplier=D(1), initial=D(0)
        )
        fields.update(installed_in="2026-01", unit_id=unit, serves=() if unit else tuple(units))
        fields.update(changed)
        return MeterToInstall(**fields)

    def located(line: int, error: DomainError) -> DomainError:
        return InvalidValue("content", f"row {line}: {error.message}")

    sheet = [row(2, "W-1", units[0]), row(3, "W-2", units[1]), row(4, "C-1", None)]
    # When a row is bad, or a number is given twice, or installed with other data
    for bad, message in (
        ([*sheet, row(5, "W-3", units[1], multiplier=D(0))], "row 5: must be between 1"),
        ([*sheet, row(5, "W-2", units[0])], "row 5: W-2 is on row 3 too"),
        ([row(2, "W-1", units[1])], "row 2: a meter numbered W-1 is installed already"),
    ):
        with pytest.raises(InvalidValue, match=message):
            book.install_many(bad, located)
    # Then nothing of it was recorded
    assert len(book.pending_events) == 2 and len(book.meters) == 1  # opened, W-1
    # When the sheet is installed: the two new meters in one event, W-1 skipped
    assert book.install_many(sheet, located) == 2
    assert [type(e).__name__ for e in book.pending_events[1:]] == [
        "Installed",
        "InstalledFromSheet",
    ]
    # and again: nothing new
    assert book.install_many(sheet, located) == 0
    common = book.meters[book.by_number["C-1"]]
    assert (common.unit_id, set(common.serves)) == (None, set(units))
    # And the book rebuilt from its events has the same meters
    replayed = None
    for event in book.collect_events():
        replayed = event.mutate(replayed)
    assert isinstance(replayed, MeterBook)
    assert replayed.meters == book.meters and replayed.by_number == book.by_number
