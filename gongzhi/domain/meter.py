"""抄表 meters, reading rounds and what they charge (issue 16 §4).

A community's ``MeterBook`` holds its meters (a unit's, or a common meter serving units),
their readings per month (抄表轮次 YYYY-MM), its prices per meter kind (阶梯价 where set)
and how a common meter's unexplained consumption is shared (公摊).

Consumption of a meter in a month is its reading less its reading before (or its initial
reading), times its multiplier (倍率). A replaced meter's final reading is its reading of
the month it was replaced in, and the new meter counts from its own initial reading, so the
month's consumption across a replacement is (final − last) × old multiplier + (reading −
initial) × new multiplier without a rule of its own.

Money: each metered line is priced exactly (Decimal) and rounded once to fen, ROUND_HALF_UP
on the line's total. A shared charge is the common meter's consumption less the sum of its
units' meters at the kind's first-tier price, rounded once half up, and divided among the
units in proportion to the method's weights by largest remainder (``largest_remainder``):
the shares sum exactly to the total.

Once a billing run has billed a month (``RoundsBilled``) its readings are final but for one
correction: a billed reading found wrong, too high or too low, is corrected
(``correct_billed``) with the difference it makes to each unit's lines of that billing (its
METERED line priced again, the 公摊 shares re-split by the same rule), to the fen: credited
to a unit charged too much (调账, ``FeeAccount.adjust``), charged on a supplementary bill
(补收单) to a unit charged too little (``meter_correction``). Refused, in plain words: one
a later billed round counted from (two bills would change).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from statistics import median
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import DomainError, InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.fee_rules import parse_period
from gongzhi.domain.meter_correction import BilledCorrection, LineKey

BOOK_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/meter-book")
MONTH_PATTERN = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
MAX_READING = Decimal("99999999.99")
# One meter's consumption in a month (×multiplier): beyond any building's, and what keeps a
# line (at most 1,000 元 a unit) within an amount's bound.
MAX_CONSUMPTION = Decimal(10_000_000)
OUTLIER_FACTOR = 3  # flagged when over 3× the median of …
OUTLIER_HISTORY = 6  # … its last 6 months read …
OUTLIER_MIN_HISTORY = 3  # … when it has at least 3 of them
METERED, SHARED = "METERED", "SHARED"  # bill line kinds
FEN = Decimal(1)


class MeterKind(enum.Enum):
    WATER = "WATER"
    ELECTRICITY = "ELECTRICITY"
    GAS = "GAS"
    HEAT = "HEAT"


KIND_NAMES = {"WATER": ("水费", "吨"), "ELECTRICITY": ("电费", "度"), "GAS": ("燃气费", "m³")}
KIND_NAMES["HEAT"] = ("热费", "GJ")


class SharingMethod(enum.Enum):
    AREA = "AREA"
    UNIT_COUNT = "UNIT_COUNT"
    CONSUMPTION = "CONSUMPTION"


SHARING_NAMES = {"AREA": "按面积", "UNIT_COUNT": "按户数", "CONSUMPTION": "按用量"}


def book_id(community_id: UUID) -> UUID:
    return uuid5(BOOK_NAMESPACE, str(community_id))


def month_of(field_name: str, text: str) -> str:
    """A reading round's period: a month, 2026-10."""
    text = (text or "").strip()
    if not MONTH_PATTERN.fullmatch(text):
        raise InvalidValue(field_name, "must be a month such as 2026-10")
    parse_period(field_name, text)  # the years the platform bills
    return text


def months_in(period_key: str) -> list[str]:
    """The months of a billing period (2026-10, 2026-Q4, 2026)."""
    period = parse_period("period", period_key)
    first = period.start.year * 12 + period.start.month - 1
    last = period.end.year * 12 + period.end.month - 1
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(first, last + 1)]


def reading_value(field_name: str, value: Decimal) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidValue(field_name, "must be a number")
    if not Decimal(0) <= value <= MAX_READING:
        raise InvalidValue(field_name, f"must be between 0 and {MAX_READING}")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidValue(field_name, "must have at most two decimal places")
    return value


@dataclass
class Meter:
    """表: a unit's (``unit_id``) or a common meter (``serves`` the units it supplies)."""

    id: UUID
    kind: str
    number: str
    multiplier: Decimal
    initial: Decimal
    installed_in: str
    unit_id: UUID | None
    serves: tuple[UUID, ...] = ()
    replaces: UUID | None = None
    replaced_in: str | None = None
    replaced_by: UUID | None = None
    readings: dict[str, Decimal] = field(default_factory=dict)

    def base(self, month: str) -> tuple[Decimal, str]:
        """The reading consumption in ``month`` counts from, and when it was read."""
        earlier = [m for m in self.readings if m < month]
        if not earlier:
            return self.initial, f"initial reading, installed {self.installed_in}"
        last = max(earlier)
        return self.readings[last], last

    def consumption(self, month: str) -> Decimal | None:
        reading = self.readings.get(month)
        if reading is None:
            return None
        return (reading - self.base(month)[0]) * self.multiplier

    def active_in(self, month: str) -> bool:
        return self.installed_in <= month and (self.replaced_in is None or month < self.replaced_in)


@dataclass
class Round:
    """抄表轮次 of a month: OPEN for readings until a billing run bills it."""

    month: str
    billed_in: str | None = None  # the billing period whose run billed it
    flagged: dict[UUID, str] = field(default_factory=dict)  # meter → why


@dataclass(frozen=True)
class CommonUse:
    """公摊 of a common meter in a month: what it measured, what the units it serves measured
    on their own meters of its kind, and the rest (``shared``), which their bills share."""

    meter: Meter
    consumption: Decimal
    own: dict[UUID, Decimal]  # each served unit's own consumption, in ``meter.serves`` order

    @property
    def shared(self) -> Decimal:
        return self.consumption - sum(self.own.values(), Decimal(0))


@dataclass(frozen=True)
class Checked:
    """A reading as checked: its consumption and, for an outlier, why it is flagged."""

    meter_id: UUID
    reading: Decimal
    consumption: Decimal
    flag: str


@dataclass(frozen=True)
class MeterToInstall:
    """A meter to install, as a sheet's row (``line``) gives it: a unit's (``unit_id``) or a
    common meter (``serves`` the units it supplies)."""

    line: int
    kind: str
    number: str
    multiplier: Decimal
    initial: Decimal
    installed_in: str
    unit_id: UUID | None
    serves: tuple[UUID, ...] = ()


def tiered_yuan(quantity: Decimal, tiers: Sequence[Mapping[str, Any]]) -> Decimal:
    """阶梯价: the exact price of ``quantity``; each tier up to its ``up_to`` (the last
    without one) at its ``price`` per unit."""
    total, below = Decimal(0), Decimal(0)
    for tier in tiers:
        top = tier["up_to"]
        upper = quantity if top is None else min(quantity, Decimal(top))
        if upper > below:
            total += (upper - below) * Decimal(tier["price"])
        if top is None or quantity <= Decimal(top):
            break
        below = Decimal(top)
    return total


def fen_half_up(yuan: Decimal) -> int:
    return int((yuan * 100).quantize(FEN, rounding=ROUND_HALF_UP))


def checked_tiers(tiers: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if not tiers:
        raise InvalidValue("tiers", "give at least one tier")
    rows, below = [], Decimal(0)
    for index, tier in enumerate(tiers):
        top = tier["up_to"]
        last = index == len(tiers) - 1
        if last and top is not None:
            raise InvalidValue(f"tiers.{index}.upTo", "the last tier has no upper bound")
        if not last and (top is None or Decimal(top) <= below):
            raise InvalidValue(
                f"tiers.{index}.upTo", "each tier but the last ends above the one before"
            )
        rows.append({"up_to": None if top is None else str(top), "price": str(tier["price"])})
        below = Decimal(top) if top is not None else below
    return rows


class MeterBook(Aggregate):
    """A community's meters, reading rounds, meter prices and sharing method."""

    class Opened(Aggregate.Created):
        community_id: UUID

    class Installed(Aggregate.Event):
        meter_id: UUID
        kind: str
        number: str
        multiplier: Decimal
        initial: Decimal
        installed_in: str
        unit_id: UUID | None
        serves: list[str]
        replaces: UUID | None = None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MeterBook)
            aggregate.add(installed_meter(vars(self)))

    class InstalledFromSheet(Aggregate.Event):
        """装表清单: many meters installed at once, each row as ``Installed`` has it (ids
        and amounts as text). One event, as one import of readings is: 5,000 events cost
        the import four times its checks to encode and insert."""

        meters: list[dict[str, Any]]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MeterBook)
            for row in self.meters:
                aggregate.add(installed_meter(row))

    class Replaced(Aggregate.Event):
        """换表: the old meter's final reading is its reading of ``month``."""

        meter_id: UUID
        month: str
        final_reading: Decimal
        final_consumption: Decimal
        new_meter_id: UUID
        number: str
        multiplier: Decimal
        initial: Decimal

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MeterBook)
            old = aggregate.meters[self.meter_id]
            old.readings[self.month] = self.final_reading
            old.replaced_in, old.replaced_by = self.month, self.new_meter_id
            aggregate.add(
                Meter(
                    self.new_meter_id,
                    old.kind,
                    self.number,
                    Decimal(self.multiplier),
                    Decimal(self.initial),
                    self.month,
                    old.unit_id,
                    old.serves,
                    replaces=old.id,
                )
            )

    class RoundOpened(Aggregate.Event):
        month: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MeterBook)
            aggregate.rounds[self.month] = Round(self.month)

    class ReadingsEntered(Aggregate.Event):
        """Readings of a round, entered by staff or imported (``source``); each row has
        meter_id, reading, consumption and flag (why it is an outlier, or "")."""

        month: str
        source: str
        rows: list[dict[str, Any]]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MeterBook)
            aggregate._read(self.month, self.rows)

    class ReadingCorrected(Aggregate.Event):
        month: str
        meter_id: UUID
        previous: Decimal
        reading: Decimal
        consumption: Decimal
        flag: str
        # A billed reading's correction: the billing period and, by unit id, what each
        # unit's lines (METERED, 公摊 shares) charged too much, credited to its account (调账),
        # or too little, charged on a supplementary bill (补收单), in the same transaction.
        billed_in: str = ""
        credits: dict[str, int] | None = None
        surcharges: dict[str, int] | None = None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MeterBook)
            row = {"meter_id": str(self.meter_id), "reading": self.reading, "flag": self.flag}
            aggregate._read(self.month, [row])
            for unit_id, fen in (self.credits or {}).items():
                aggregate.note_adjusted(self.billed_in, unit_id, -fen)
            for unit_id, fen in (self.surcharges or {}).items():
                aggregate.note_adjusted(self.billed_in, unit_id, fen)

    class PriceSet(Aggregate.Event):
        kind: str
        tiers: list[dict[str, Any]]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MeterBook)
            aggregate.prices[self.kind] = self.tiers

    class SharingSet(Aggregate.Event):
        method: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MeterBook)
            aggregate.sharing = self.method

    class RoundsBilled(Aggregate.Event):
        """A billing run of ``period`` took these months' readings; its months are closed."""

        period: str
        months: list[str]
        last_month: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MeterBook)
            for month in self.months:
                aggregate.rounds[month].billed_in = self.period
            aggregate.billed_through = max(aggregate.billed_through or "", self.last_month)

    def __init__(self, community_id: UUID) -> None:
        self.community_id = community_id
        self.meters: dict[UUID, Meter] = {}
        self.by_number: dict[str, UUID] = {}
        self.rounds: dict[str, Round] = {}
        self.prices: dict[str, list[dict[str, Any]]] = {}
        self.sharing = SharingMethod.AREA.value
        self.billed_through: str | None = None  # the last month a billing run covered
        # What corrections changed a unit's meter charges of a billed period by, in fen (补收
        # +, 调账 −), by "period unit_id": its bills show the billing, these the rest.
        self.adjusted: dict[str, int] = {}

    @classmethod
    def open(cls, community_id: UUID) -> MeterBook:
        return cls._create(cls.Opened, id=book_id(community_id), community_id=community_id)

    # --- state ---------------------------------------------------------------------------

    def add(self, meter: Meter) -> None:
        self.meters[meter.id] = meter
        self.by_number[meter.number] = meter.id

    def _read(self, month: str, rows: Iterable[Mapping[str, Any]]) -> None:
        flagged = self.rounds[month].flagged
        for row in rows:
            meter_id = UUID(row["meter_id"])
            self.meters[meter_id].readings[month] = Decimal(row["reading"])
            if row["flag"]:
                flagged[meter_id] = row["flag"]
            else:
                flagged.pop(meter_id, None)

    def note_adjusted(self, period: str, unit_id: str, fen: int) -> None:
        key = f"{period} {unit_id}"
        self.adjusted[key] = self.adjusted.get(key, 0) + fen

    def adjusted_fen(self, period: str, unit_id: UUID) -> int:
        """What earlier corrections changed the unit's meter charges of ``period`` by."""
        return self.adjusted.get(f"{period} {unit_id}", 0)

    # --- meters --------------------------------------------------------------------------

    def install(
        self,
        *,
        kind: str,
        number: str,
        multiplier: Decimal,
        initial: Decimal,
        installed_in: str,
        unit_id: UUID | None,
        serves: Sequence[UUID] = (),
    ) -> UUID:
        meter = MeterToInstall(
            0, kind, number, multiplier, initial, installed_in, unit_id, tuple(serves)
        )
        self._new_number("number", number)
        self._check_install(meter)
        return self._installed(meter)

    def install_many(
        self,
        meters: Sequence[MeterToInstall],
        on_error: Callable[[int, DomainError], DomainError],
    ) -> int:
        """装表清单: many meters at once, all checked first (an error raised as
        ``on_error(line, error)`` makes it). A meter whose number is installed already with
        the same data is skipped (a sheet sent again installs nothing twice); with other data
        it is refused, as is a number given twice. Returns how many are new."""
        seen: dict[str, int] = {}
        new = []
        for meter in meters:
            try:
                if meter.number in seen:
                    raise RuleViolated(
                        "number", f"{meter.number} is on row {seen[meter.number]} too"
                    )
                seen[meter.number] = meter.line
                self._check_install(meter)
                if not self._installed_already(meter):
                    new.append(meter)
            except DomainError as error:
                raise on_error(meter.line, error) from None
        if new:
            rows = [_installed_fields(uuid4(), m) for m in new]
            self.trigger_event(self.InstalledFromSheet, meters=_as_text(rows))
        return len(new)

    def _installed_already(self, meter: MeterToInstall) -> bool:
        """True for a meter installed with this number and the same data; a number
        installed with other data is refused."""
        found = self.by_number.get(meter.number)
        if found is None:
            return False
        recorded = self.meters[found]
        same = (
            recorded.kind == MeterKind(meter.kind).value
            and recorded.unit_id == meter.unit_id
            and recorded.multiplier == meter.multiplier
            and recorded.initial == meter.initial
            and recorded.installed_in == meter.installed_in
            and set(recorded.serves) == set(meter.serves)
            and recorded.replaced_in is None
        )
        if not same:
            raise RuleViolated(
                "number", f"a meter numbered {meter.number} is installed already, with other data"
            )
        return True

    def _check_install(self, meter: MeterToInstall) -> None:
        if not meter.number.strip():
            raise InvalidValue("number", "must not be empty")
        self._check_multiplier("multiplier", meter.multiplier)
        reading_value("initialReading", meter.initial)
        if meter.unit_id is None and not meter.serves:
            raise InvalidValue("servesUnitIds", "a common meter serves at least one unit")

    def _installed(self, meter: MeterToInstall) -> UUID:
        meter_id = uuid4()
        self.trigger_event(self.Installed, **_installed_fields(meter_id, meter))
        return meter_id

    def replace(
        self,
        meter_id: UUID,
        *,
        month: str,
        final_reading: Decimal,
        number: str,
        multiplier: Decimal | None,
        initial: Decimal,
    ) -> UUID:
        old = self.meter(meter_id, "meterId")
        if not old.active_in(month):
            raise RuleViolated("period", f"meter {old.number} is not in use in {month}")
        self._unbilled("period", month)
        if month in old.readings:
            raise RuleViolated(
                "period", f"meter {old.number} was read in {month}: replace it in a later month"
            )
        reading_value("finalReading", final_reading)
        base, when = old.base(month)
        if final_reading < base:
            raise RuleViolated(
                "finalReading", f"is lower than the meter's last reading {base} ({when})"
            )
        self._new_number("newNumber", number)
        multiplier = old.multiplier if multiplier is None else multiplier
        self._check_multiplier("newMultiplier", multiplier)
        reading_value("newInitialReading", initial)
        new_id = uuid4()
        self.trigger_event(
            self.Replaced,
            meter_id=meter_id,
            month=month,
            final_reading=final_reading,
            final_consumption=(final_reading - base) * old.multiplier,
            new_meter_id=new_id,
            number=number,
            multiplier=multiplier,
            initial=initial,
        )
        return new_id

    def meter(self, meter_id: UUID, field_name: str) -> Meter:
        meter = self.meters.get(meter_id)
        if meter is None:
            raise UnknownPart(field_name, "no such meter in this community")
        return meter

    def _new_number(self, field_name: str, number: str) -> None:
        if not number.strip():
            raise InvalidValue(field_name, "must not be empty")
        if number in self.by_number:
            raise RuleViolated(field_name, f"a meter numbered {number} is installed already")

    @staticmethod
    def _check_multiplier(field_name: str, multiplier: Decimal) -> None:
        if not Decimal(1) <= multiplier <= Decimal(10000):
            raise InvalidValue(field_name, "must be between 1 and 10000")

    # --- rounds --------------------------------------------------------------------------

    def open_round(self, month: str) -> None:
        if month in self.rounds:
            raise RuleViolated("period", f"the reading round of {month} is open already")
        if self.billed_through is not None and month <= self.billed_through:
            raise RuleViolated(
                "period", f"billing has run through {self.billed_through}: open a later month"
            )
        later = [m for m in self.rounds if m > month]
        if later:
            raise RuleViolated("period", f"rounds are opened in order: {max(later)} is open")
        self.trigger_event(self.RoundOpened, month=month)

    def _unbilled(self, field_name: str, month: str) -> Round:
        found = self.rounds.get(month)
        if found is None:
            raise RuleViolated(field_name, f"no reading round of {month}: open it first")
        if found.billed_in is not None:
            raise RuleViolated(
                field_name,
                f"the round of {month} was billed ({found.billed_in}): its readings are final; "
                "the next round's consumption counts from them",
            )
        return found

    def check(self, month: str, meter_id: UUID, reading: Decimal) -> Checked:
        """A reading of ``meter_id`` for ``month`` as it would be recorded, or the error
        (field ``reading``) saying what is wrong with it."""
        meter = self.meter(meter_id, "meterId")
        if meter.replaced_in == month:
            raise RuleViolated(
                "reading", f"meter {meter.number} was replaced in {month}: its final reading counts"
            )
        if not meter.active_in(month):
            raise RuleViolated("reading", f"meter {meter.number} is not in use in {month}")
        reading_value("reading", reading)
        base, when = meter.base(month)
        if reading < base:
            raise RuleViolated(
                "reading",
                f"{reading} is lower than meter {meter.number}'s last reading {base} ({when}); "
                "a meter changed is replaced (replaceMeter), not read lower",
            )
        later = sorted(m for m in meter.readings if m > month)
        if later and reading > meter.readings[later[0]]:
            raise RuleViolated(
                "reading",
                f"{reading} is above meter {meter.number}'s reading of {later[0]} "
                f"({meter.readings[later[0]]})",
            )
        consumption = (reading - base) * meter.multiplier
        if consumption > MAX_CONSUMPTION:
            raise InvalidValue(
                "reading", f"a month's consumption of {consumption} is beyond any meter's"
            )
        return Checked(meter_id, reading, consumption, self._outlier(meter, month, consumption))

    def _outlier(self, meter: Meter, month: str, consumption: Decimal) -> str:
        """Why a consumption is flagged for review (over 3× the median of its last 6 months
        read, the meters it replaced included), or ""."""
        chain = [meter]
        while chain[-1].replaces is not None:
            chain.append(self.meters[chain[-1].replaces])
        months = sorted({m for c in chain for m in c.readings if m < month}, reverse=True)
        history = []
        for earlier in months[:OUTLIER_HISTORY]:
            used = [c.consumption(earlier) for c in chain]
            history.append(sum((u for u in used if u is not None), Decimal(0)))
        if len(history) < OUTLIER_MIN_HISTORY:
            return ""
        middle = median(history)
        if middle > 0 and consumption > OUTLIER_FACTOR * middle:
            return (
                f"用量 {consumption} is over {OUTLIER_FACTOR}× the median {middle} "
                f"of its last {len(history)} months"
            )
        return ""

    def enter(
        self,
        month: str,
        readings: Sequence[tuple[int, UUID, Decimal]],
        source: str,
        on_error: Callable[[int, DomainError], DomainError] | None = None,
    ) -> int:
        """Readings of the round (line, meter, reading), all checked first: an error is
        raised as ``on_error(line, error)`` makes it. One already read the same is skipped,
        one read differently is refused (corrected with a reason instead). Returns how many
        are new."""
        self._unbilled("period", month)
        rows = []
        for line, meter_id, reading in readings:
            try:
                checked = self._new_reading(month, meter_id, reading)
            except DomainError as error:
                raise (on_error(line, error) if on_error else error) from None
            if checked is not None:
                rows.append(checked)
        if rows:
            self.trigger_event(
                self.ReadingsEntered,
                month=month,
                source=source,
                rows=[
                    {
                        "meter_id": str(c.meter_id),
                        "reading": str(c.reading),
                        "consumption": str(c.consumption),
                        "flag": c.flag,
                    }
                    for c in rows
                ],
            )
        return len(rows)

    def _new_reading(self, month: str, meter_id: UUID, reading: Decimal) -> Checked | None:
        meter = self.meter(meter_id, "meterId")
        known = meter.readings.get(month)
        if known is None or meter.replaced_in == month:
            return self.check(month, meter_id, reading)
        if known == reading:
            return None
        raise RuleViolated(
            "reading",
            f"meter {self.meters[meter_id].number} was read as {known} in {month}: "
            "correct it with a reason (correctReading)",
        )

    def correct(self, month: str, meter_id: UUID, reading: Decimal) -> None:
        self._unbilled("period", month)
        meter, previous = self._recorded(month, meter_id, reading)
        self._corrected(month, meter, previous, reading)

    def _recorded(self, month: str, meter_id: UUID, reading: Decimal) -> tuple[Meter, Decimal]:
        """The meter and its reading of ``month`` that ``reading`` would correct."""
        meter = self.meter(meter_id, "meterId")
        previous = meter.readings.get(month)
        if previous is None or meter.replaced_in == month:
            raise RuleViolated("meterId", f"meter {meter.number} has no reading of {month}")
        if previous == reading:
            raise RuleViolated("reading", f"is the reading recorded already ({previous})")
        return meter, previous

    def _corrected(
        self, month: str, meter: Meter, previous: Decimal, reading: Decimal, **billed: Any
    ) -> None:
        checked = self.check(month, meter.id, reading)
        self.trigger_event(
            self.ReadingCorrected,
            month=month,
            meter_id=meter.id,
            previous=previous,
            reading=reading,
            consumption=checked.consumption,
            flag=checked.flag,
            **billed,
        )

    def correct_billed(
        self, month: str, meter_id: UUID, reading: Decimal, areas: Mapping[UUID, Decimal]
    ) -> BilledCorrection:
        """Correct a billed reading, up or down: what each unit's meter lines of that billing
        (its METERED line, its 公摊 shares re-split by the same rules; ``areas``: the units
        billed, as the run had them) come to before and after, and so each unit's credit
        (调账, it was charged too much) or supplementary charge (补收, too little), to the
        fen (``BilledCorrection``). Refused when a later billed round counted from it."""
        found = self.rounds.get(month)
        if found is None or found.billed_in is None:
            raise RuleViolated("period", f"the round of {month} is not billed")
        period = found.billed_in
        meter, previous = self._recorded(month, meter_id, reading)
        later = [m for m in sorted(meter.readings) if m > month and _billed(self.rounds.get(m))]
        if later:
            raise RuleViolated(
                "period",
                f"the round of {later[0]} was billed counting from this reading too: "
                "adjusting two bills at once is not built",
            )
        self.check(month, meter_id, reading)
        before = self.keyed_charges(period, areas)
        meter.readings[month] = reading
        try:
            after = self.keyed_charges(period, areas)
        finally:
            meter.readings[month] = previous
        correction = BilledCorrection.between(period, before, after)
        self._corrected(
            month,
            meter,
            previous,
            reading,
            billed_in=period,
            credits={str(u): fen for u, fen in correction.credits.items()},
            surcharges={str(u): fen for u, fen in correction.surcharges.items()},
        )
        return correction

    # --- prices and billing --------------------------------------------------------------

    def set_price(self, kind: str, tiers: Sequence[Mapping[str, Any]]) -> None:
        self.trigger_event(self.PriceSet, kind=MeterKind(kind).value, tiers=checked_tiers(tiers))

    def set_sharing(self, method: str) -> None:
        self.trigger_event(self.SharingSet, method=SharingMethod(method).value)

    def bill_rounds(self, period_key: str) -> list[str]:
        """Close the rounds of the billing period's months for its run (saved with the run's
        start); a month without a round can no longer have one. Refused while a round to
        bill has readings of a kind without a price."""
        months = months_in(period_key)
        rounds = [m for m in months if m in self.rounds and self.rounds[m].billed_in is None]
        for month in rounds:
            for meter in self.meters.values():
                if month in meter.readings and meter.kind not in self.prices:
                    raise RuleViolated(
                        "period",
                        f"the round of {month} has {meter.kind} readings and no {meter.kind} "
                        "price: set one (setMeterPrice) before billing",
                    )
        self.trigger_event(
            self.RoundsBilled, period=period_key, months=rounds, last_month=months[-1]
        )
        return rounds

    def charges(
        self, period_key: str, areas: Mapping[UUID, Decimal]
    ) -> dict[UUID, list[dict[str, Any]]]:
        """The metered and shared bill lines of each unit (of ``areas``, the units billed) for
        the rounds the run of ``period_key`` billed."""
        return {
            u: list(lines.values()) for u, lines in self.keyed_charges(period_key, areas).items()
        }

    def keyed_charges(
        self, period_key: str, areas: Mapping[UUID, Decimal]
    ) -> dict[UUID, dict[LineKey, dict[str, Any]]]:
        """``charges`` with each line under what it charges for (``LineKey``), in bill order:
        a correction compares a unit's lines before and after by it."""
        lines: dict[UUID, dict[LineKey, dict[str, Any]]] = {}
        months = sorted(m for m, r in self.rounds.items() if r.billed_in == period_key)
        for month in months:
            used = self._unit_consumption(month, areas)
            for (unit_id, kind), (quantity, meters) in sorted(used.items(), key=_by_unit):
                line = self._metered_line(month, kind, quantity, meters)
                if line["amount_fen"] > 0:
                    lines.setdefault(unit_id, {})[(METERED, month, kind)] = line
            for meter in sorted(self.meters.values(), key=lambda m: m.number):
                if meter.unit_id is None:
                    for unit_id, line in self._shared_lines(month, meter, used, areas):
                        lines.setdefault(unit_id, {})[(SHARED, month, str(meter.id))] = line
        return lines

    def common_use(self, month: str) -> list[CommonUse]:
        """公摊 of each common meter read in ``month``, by meter number: the round's shared
        consumption as its billing will charge it (all the units each meter serves)."""
        used = self._unit_consumption(month)
        found = (self._common_use(month, m, used) for m in self.meters.values() if not m.unit_id)
        return sorted((u for u in found if u is not None), key=lambda u: u.meter.number)

    def shared_fen(self, use: CommonUse) -> int | None:
        """The charge of a common meter's shared consumption: at its kind's first-tier price,
        rounded once half up (nothing below zero); None while the kind has no price."""
        tiers = self.prices.get(use.meter.kind)
        if not tiers:
            return None
        return fen_half_up(max(use.shared, Decimal(0)) * Decimal(tiers[0]["price"]))

    def _unit_consumption(
        self, month: str, areas: Mapping[UUID, Decimal] | None = None
    ) -> dict[tuple[UUID, str], tuple[Decimal, list[Meter]]]:
        """Each unit's consumption of each kind in ``month`` (of ``areas``, the units billed;
        none given: every unit)."""
        used: dict[tuple[UUID, str], tuple[Decimal, list[Meter]]] = {}
        for meter in self.meters.values():
            if meter.unit_id is None or (areas is not None and meter.unit_id not in areas):
                continue
            consumption = meter.consumption(month)
            if consumption is None:
                continue
            quantity, meters = used.get((meter.unit_id, meter.kind), (Decimal(0), []))
            used[(meter.unit_id, meter.kind)] = (quantity + consumption, [*meters, meter])
        return used

    def _metered_line(
        self, month: str, kind: str, quantity: Decimal, meters: Sequence[Meter]
    ) -> dict[str, Any]:
        name, unit = KIND_NAMES[kind]
        read = "; ".join(
            f"表 {m.number} {m.base(month)[0]}→{m.readings[month]}"
            + (f" ×{m.multiplier}" if m.multiplier != 1 else "")
            for m in sorted(meters, key=lambda m: m.number)
        )
        tiers = self.prices[kind]
        prices = "/".join(t["price"] for t in tiers)
        label = f"{name} {month} {quantity}{unit} ({read}) 单价 {prices}元"
        fen = fen_half_up(tiered_yuan(quantity, tiers))
        return _line(METERED, label, month, fen)

    def _shared_lines(
        self,
        month: str,
        meter: Meter,
        used: Mapping[tuple[UUID, str], tuple[Decimal, list[Meter]]],
        areas: Mapping[UUID, Decimal],
    ) -> list[tuple[UUID, dict[str, Any]]]:
        use = self._common_use(month, meter, used, areas)
        if use is None or use.shared <= 0:
            return []
        units, own, shared = list(use.own), use.own, use.shared
        price = Decimal(self.prices[meter.kind][0]["price"])
        method = self.sharing
        weights = [
            areas[u] if method == "AREA" else own[u] if method == "CONSUMPTION" else Decimal(1)
            for u in units
        ]
        if not any(weights):  # nobody used any: by unit count
            method, weights = "UNIT_COUNT", [Decimal(1)] * len(units)
        whole = _plain(sum(weights, Decimal(0)))
        fen = largest_remainder(self.shared_fen(use) or 0, weights)
        name, unit_name = KIND_NAMES[meter.kind]
        head = f"公摊{name} {month} 公共表 {meter.number}: 共 {shared}{unit_name} × {price}元, "
        return [
            (u, _line(SHARED, f"{head}{SHARING_NAMES[method]} {_plain(w)}/{whole}", month, amount))
            for u, w, amount in zip(units, weights, fen, strict=True)
            if amount > 0
        ]

    @staticmethod
    def _common_use(
        month: str,
        meter: Meter,
        used: Mapping[tuple[UUID, str], tuple[Decimal, list[Meter]]],
        areas: Mapping[UUID, Decimal] | None = None,
    ) -> CommonUse | None:
        """A common meter's use in ``month`` among the units it serves (of ``areas``, the
        units billed), or None when it was not read or serves none of them."""
        total = meter.consumption(month)
        units = [u for u in meter.serves if areas is None or u in areas]
        if total is None or not units:
            return None
        own = {u: used.get((u, meter.kind), (Decimal(0), []))[0] for u in units}
        return CommonUse(meter, total, own)


def _installed_fields(meter_id: UUID, meter: MeterToInstall) -> dict[str, Any]:
    """The fields of ``Installed`` (and of a row of ``InstalledFromSheet``) of a meter."""
    return {
        "meter_id": meter_id,
        "kind": MeterKind(meter.kind).value,
        "number": meter.number,
        "multiplier": meter.multiplier,
        "initial": meter.initial,
        "installed_in": meter.installed_in,
        "unit_id": meter.unit_id,
        "serves": [str(u) for u in meter.serves],
    }


def _as_text(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with their ids and amounts as text, as an event's list of rows stores them."""
    plain = (UUID, Decimal)
    return [{k: str(v) if isinstance(v, plain) else v for k, v in row.items()} for row in rows]


def installed_meter(fields: Mapping[str, Any]) -> Meter:
    """The meter an ``Installed`` event (or a row of ``InstalledFromSheet``) records."""
    unit_id, replaces = fields["unit_id"], fields.get("replaces")
    return Meter(
        UUID(str(fields["meter_id"])),
        fields["kind"],
        fields["number"],
        Decimal(fields["multiplier"]),
        Decimal(fields["initial"]),
        fields["installed_in"],
        None if unit_id is None else UUID(str(unit_id)),
        tuple(UUID(u) for u in fields["serves"]),
        None if replaces is None else UUID(str(replaces)),
    )


def largest_remainder(total_fen: int, weights: Sequence[Decimal]) -> list[int]:
    """``total_fen`` divided in proportion to ``weights`` (≥ 0, not all 0) in whole fen that
    sum to it exactly: each share rounded down, and the fen left over one each to the
    largest remainders (ties to the earlier). In integers: a 5,000-unit 公摊 in Fractions
    cost more than the rest of its billing."""
    places = max((max(-int(w.as_tuple().exponent), 0) for w in weights), default=0)
    scaled = [int(w.scaleb(places)) for w in weights]
    whole = sum(scaled)
    floors, remainders = [], []
    for weight in scaled:
        share, remainder = divmod(total_fen * weight, whole)
        floors.append(share)
        remainders.append(remainder)
    left = total_fen - sum(floors)
    for i in sorted(range(len(scaled)), key=lambda i: -remainders[i])[:left]:
        floors[i] += 1
    return floors


def _billed(found: Round | None) -> bool:
    return found is not None and found.billed_in is not None


def _plain(value: Decimal) -> str:
    """80.00 → 80, 99.50 → 99.5."""
    return format(value.normalize(), "f")


def _by_unit(item: tuple[tuple[UUID, str], Any]) -> tuple[str, str]:
    return (str(item[0][0]), item[0][1])


@lru_cache(maxsize=64)
def _month_days(month: str) -> tuple[str, str]:
    period = parse_period("period", month)
    return period.start.isoformat(), period.end.isoformat()


def _line(kind: str, label: str, month: str, fen: int) -> dict[str, Any]:
    start, end = _month_days(month)
    return {
        "kind": kind,
        "label": label,
        "start": start,
        "end": end,
        "payer": "OWNER",
        "vacant": False,
        "amount_fen": fen,
    }
