"""收费标准 a community's fee schedule: property-fee standards per property type, parking
spaces and their rentals, other fixed fees, the units' property types and vacancies, the
vacancy discount and late-fee terms, and the periods already billed.

One aggregate per community (its id derived from the community's), created by its first
change. Every dated item applies from its date: a later standard replaces an earlier one
from the later one's date, so a bill can be prorated over a change mid-period.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.bill import bill_id
from gongzhi.domain.contract import PricingModel
from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.fee_rules import LateFeePolicy, PaymentOrder, Period, parse_period
from gongzhi.domain.money import fen_amount
from gongzhi.domain.values import enum_value, required_text

SCHEDULE_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/fee-schedule")
PRICE_PLACES = Decimal("0.0001")
MAX_PRICE = Decimal("100")
MAX_DUE_DAYS = 366


class PropertyType(enum.Enum):
    """物业类型: each has its own standard."""

    RESIDENTIAL = "RESIDENTIAL"  # 住宅 (the default of every unit)
    COMMERCIAL = "COMMERCIAL"  # 商业/底商
    OTHER = "OTHER"  # 其他 (offices, storage …)


def schedule_id(community_id: UUID) -> UUID:
    return uuid5(SCHEDULE_NAMESPACE, str(community_id))


@dataclass(frozen=True)
class Standard:
    """收费标准: 元/m²/月 from ``effective_from``, 包干制 or 酬金制."""

    effective_from: date
    unit_price: Decimal
    pricing: str


@dataclass
class ParkingSpace:
    """车位, rented to a unit for ``monthly_fee_fen`` a month (车位管理费/租金)."""

    id: UUID
    number: str
    monthly_fee_fen: int
    rentals: list[tuple[UUID, date, date | None]] = field(default_factory=list)


@dataclass(frozen=True)
class FeeTerms:
    """Billing terms: vacancy discount (空置房 pay ``vacancy_rate`` of the fee), due date
    (``due_days`` after the period starts) and late fees."""

    vacancy_rate: Decimal = Decimal("1")
    due_days: int = 30
    late: LateFeePolicy = field(default_factory=LateFeePolicy)


class FeeSchedule(Aggregate):
    """收费标准与计费设置 of one community."""

    class Created(Aggregate.Created):
        community_id: UUID

    class StandardSet(Aggregate.Event):
        property_type: str
        unit_price: Decimal
        pricing: str
        effective_from: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeSchedule)
            dated = aggregate.standards.setdefault(self.property_type, [])
            dated[:] = [s for s in dated if s.effective_from != self.effective_from]
            dated.append(Standard(self.effective_from, self.unit_price, self.pricing))
            dated.sort(key=lambda s: s.effective_from)

    class UnitClassified(Aggregate.Event):
        unit_id: UUID
        property_type: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeSchedule)
            aggregate.unit_types[self.unit_id] = self.property_type

    class TermsSet(Aggregate.Event):
        vacancy_rate: Decimal
        due_days: int
        late_fee_daily_rate: Decimal
        grace_days: int
        late_fee_cap: Decimal
        payment_order: str = PaymentOrder.BILLS_FIRST.value  # (issue 15)

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeSchedule)
            late = LateFeePolicy(
                self.late_fee_daily_rate, self.grace_days, self.late_fee_cap, self.payment_order
            )
            aggregate.terms = FeeTerms(self.vacancy_rate, self.due_days, late)

    class VacancyRecorded(Aggregate.Event):
        unit_id: UUID
        start: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeSchedule)
            aggregate.vacancies.setdefault(self.unit_id, []).append((self.start, None))

    class VacancyEnded(Aggregate.Event):
        unit_id: UUID
        start: date
        end: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeSchedule)
            spans = aggregate.vacancies[self.unit_id]
            spans[-1] = (spans[-1][0], self.end)

    class ParkingSpaceAdded(Aggregate.Event):
        space_id: UUID
        number: str
        monthly_fee_fen: int

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeSchedule)
            space = ParkingSpace(self.space_id, self.number, self.monthly_fee_fen)
            aggregate.parking[self.space_id] = space

    class ParkingSpaceRented(Aggregate.Event):
        space_id: UUID
        unit_id: UUID
        start: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeSchedule)
            aggregate.parking[self.space_id].rentals.append((self.unit_id, self.start, None))

    class ParkingRentalEnded(Aggregate.Event):
        space_id: UUID
        unit_id: UUID
        start: date
        end: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeSchedule)
            rentals = aggregate.parking[self.space_id].rentals
            unit_id, start, _ = rentals[-1]
            rentals[-1] = (unit_id, start, self.end)

    class OtherFeeSet(Aggregate.Event):
        """其他固定费用 per unit per month (e.g. 垃圾清运费) from a date; 0 stops it."""

        name: str
        monthly_fee_fen: int
        effective_from: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeSchedule)
            dated = aggregate.other_fees.setdefault(self.name, [])
            dated[:] = [d for d in dated if d[0] != self.effective_from]
            dated.append((self.effective_from, self.monthly_fee_fen))
            dated.sort()

    class PeriodBilled(Aggregate.Event):
        """A billing run for ``period`` has started: other periods may not overlap it."""

        period: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeSchedule)
            aggregate.billed.append(parse_period("period", self.period))

    class SupplementsIssued(Aggregate.Event):
        """补收单 (``Bill``, supplementary) were issued, by unit id: a unit's bills are looked
        up from the periods billed and its 补收单."""

        bills: dict[str, str]  # unit id → bill id

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeSchedule)
            for unit_id, bill in self.bills.items():
                aggregate.supplements.setdefault(UUID(unit_id), []).append(UUID(bill))

    class PrepaymentNoted(Aggregate.Event):
        """A unit holds prepaid credit (预交): the next billing run applies it."""

        unit_id: UUID

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeSchedule)
            aggregate.prepaid_units.add(self.unit_id)

    class PrepaymentCleared(Aggregate.Event):
        unit_id: UUID

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeSchedule)
            aggregate.prepaid_units.discard(self.unit_id)

    def __init__(self, community_id: UUID) -> None:
        self.community_id = community_id
        self.standards: dict[str, list[Standard]] = {}
        self.unit_types: dict[UUID, str] = {}
        self.terms = FeeTerms()
        self.vacancies: dict[UUID, list[tuple[date, date | None]]] = {}
        self.parking: dict[UUID, ParkingSpace] = {}
        self.other_fees: dict[str, list[tuple[date, int]]] = {}
        self.billed: list[Period] = []
        self.supplements: dict[UUID, list[UUID]] = {}  # unit → its 补收单
        self.prepaid_units: set[UUID] = set()

    @classmethod
    def open(cls, community_id: UUID) -> FeeSchedule:
        return cls._create(cls.Created, id=schedule_id(community_id), community_id=community_id)

    def set_standard(
        self, property_type: str, unit_price: Decimal | str, pricing: str, effective_from: date
    ) -> None:
        kind = enum_value("propertyType", PropertyType, property_type)
        price = unit_price_value("unitPrice", unit_price)
        model = enum_value("pricing", PricingModel, pricing)
        for period in self.billed:
            if effective_from <= period.end:
                raise RuleViolated(
                    "effectiveFrom",
                    f"period {period.key} is billed already; a new standard applies after "
                    f"{period.end.isoformat()}",
                )
        self.trigger_event(
            self.StandardSet,
            property_type=kind,
            unit_price=price,
            pricing=model,
            effective_from=effective_from,
        )

    def classify_unit(self, unit_id: UUID, property_type: str) -> None:
        kind = enum_value("propertyType", PropertyType, property_type)
        if self.unit_type(unit_id) == kind:
            raise RuleViolated("propertyType", "the unit is already of this type")
        self.trigger_event(self.UnitClassified, unit_id=unit_id, property_type=kind)

    def set_terms(
        self,
        *,
        vacancy_rate: Decimal | str,
        due_days: int,
        late_fee_daily_rate: Decimal | str,
        grace_days: int,
        late_fee_cap: Decimal | str,
        payment_order: str = PaymentOrder.BILLS_FIRST.value,
    ) -> None:
        order = enum_value("paymentOrder", PaymentOrder, payment_order)
        vacancy = fraction_value("vacancyRate", vacancy_rate, upper=Decimal(1))
        daily = fraction_value("lateFeeDailyRate", late_fee_daily_rate, upper=Decimal("0.01"))
        cap = fraction_value("lateFeeCap", late_fee_cap, upper=Decimal(1))
        if not 0 <= due_days <= MAX_DUE_DAYS:
            raise InvalidValue("dueDays", f"must be between 0 and {MAX_DUE_DAYS}")
        if not 0 <= grace_days <= MAX_DUE_DAYS:
            raise InvalidValue("graceDays", f"must be between 0 and {MAX_DUE_DAYS}")
        self.trigger_event(
            self.TermsSet,
            vacancy_rate=vacancy,
            due_days=due_days,
            late_fee_daily_rate=daily,
            grace_days=grace_days,
            late_fee_cap=cap,
            payment_order=order,
        )

    def record_vacancy(self, unit_id: UUID, start: date) -> None:
        spans = self.vacancies.get(unit_id, [])
        if spans and spans[-1][1] is None:
            raise RuleViolated("unitId", f"the unit is vacant since {spans[-1][0].isoformat()}")
        if spans and start <= (spans[-1][1] or start):
            raise InvalidValue("start", "must be after the unit's last vacancy ended")
        self.trigger_event(self.VacancyRecorded, unit_id=unit_id, start=start)

    def end_vacancy(self, unit_id: UUID, end: date) -> None:
        spans = self.vacancies.get(unit_id, [])
        if not spans or spans[-1][1] is not None:
            raise RuleViolated("unitId", "the unit is not recorded as vacant")
        if end < spans[-1][0]:
            raise InvalidValue("end", "must not be before the vacancy started")
        self.trigger_event(self.VacancyEnded, unit_id=unit_id, start=spans[-1][0], end=end)

    def add_parking_space(self, number: str, monthly_fee_fen: int) -> UUID:
        label = required_text("number", number, max_length=40)
        if any(space.number == label for space in self.parking.values()):
            raise RuleViolated("number", f"parking space {label} already exists")
        fee = fen_amount("monthlyFeeFen", monthly_fee_fen)
        space_id = uuid4()
        self.trigger_event(
            self.ParkingSpaceAdded, space_id=space_id, number=label, monthly_fee_fen=fee
        )
        return space_id

    def rent_parking_space(self, space_id: UUID, unit_id: UUID, start: date) -> None:
        space = self._space(space_id)
        if space.rentals:
            _, since, until = space.rentals[-1]
            if until is None:
                raise RuleViolated("spaceId", f"the space is rented since {since.isoformat()}")
            if start <= until:
                raise InvalidValue("start", "must be after the space's last rental ended")
        self.trigger_event(self.ParkingSpaceRented, space_id=space_id, unit_id=unit_id, start=start)

    def end_parking_rental(self, space_id: UUID, end: date) -> None:
        space = self._space(space_id)
        if not space.rentals or space.rentals[-1][2] is not None:
            raise RuleViolated("spaceId", "the space is not rented")
        if end < space.rentals[-1][1]:
            raise InvalidValue("end", "must not be before the rental started")
        unit_id, start, _ = space.rentals[-1]
        self.trigger_event(
            self.ParkingRentalEnded, space_id=space_id, unit_id=unit_id, start=start, end=end
        )

    def set_other_fee(self, name: str, monthly_fee_fen: int, effective_from: date) -> None:
        label = required_text("name", name, max_length=40)
        fee = fen_amount("monthlyFeeFen", monthly_fee_fen, allow_zero=True)
        self.trigger_event(
            self.OtherFeeSet, name=label, monthly_fee_fen=fee, effective_from=effective_from
        )

    def start_billing(self, period: Period) -> None:
        """Refuses a period that overlaps a billed one (a month inside a billed quarter)."""
        for billed in self.billed:
            if billed.key != period.key and billed.overlaps(period):
                raise RuleViolated("period", f"overlaps period {billed.key}, billed already")
        if all(billed.key != period.key for billed in self.billed):
            self.trigger_event(self.PeriodBilled, period=period.key)

    def note_supplements(self, bills: Mapping[UUID, UUID]) -> None:
        """补收单 issued (unit → bill), one event for a correction's all."""
        if bills:
            issued = {str(unit_id): str(bill) for unit_id, bill in bills.items()}
            self.trigger_event(self.SupplementsIssued, bills=issued)

    def bill_ids(self, unit_id: UUID) -> list[UUID]:
        """The ids of a unit's bills: one per period billed, and its 补收单."""
        return [bill_id(unit_id, p.key) for p in self.billed] + self.supplements.get(unit_id, [])

    def note_prepayment(self, unit_id: UUID, has_credit: bool) -> None:
        if has_credit and unit_id not in self.prepaid_units:
            self.trigger_event(self.PrepaymentNoted, unit_id=unit_id)
        elif not has_credit and unit_id in self.prepaid_units:
            self.trigger_event(self.PrepaymentCleared, unit_id=unit_id)

    def unit_type(self, unit_id: UUID) -> str:
        return self.unit_types.get(unit_id, PropertyType.RESIDENTIAL.value)

    def _space(self, space_id: UUID) -> ParkingSpace:
        space = self.parking.get(space_id)
        if space is None:
            raise UnknownPart("spaceId", "no such parking space in this community")
        return space


def unit_price_value(field: str, value: Decimal | str) -> Decimal:
    """元/m²/月, more than zero, at most four decimal places, kept exactly."""
    price = _decimal(field, value)
    if price <= 0 or price > MAX_PRICE:
        raise InvalidValue(field, f"must be more than 0 and at most {MAX_PRICE} 元/m²/月")
    if price != price.quantize(PRICE_PLACES):
        raise InvalidValue(field, "has more than four decimal places")
    return price


def fraction_value(field: str, value: Decimal | str, *, upper: Decimal) -> Decimal:
    number = _decimal(field, value)
    if number < 0 or number > upper:
        raise InvalidValue(field, f"must be between 0 and {upper}")
    if number != number.quantize(Decimal("0.000001")):
        raise InvalidValue(field, "has more than six decimal places")
    return number


def _decimal(field: str, value: Decimal | str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidValue(field, "is not a number") from None
    if not number.is_finite():
        raise InvalidValue(field, "is not a number")
    return number
