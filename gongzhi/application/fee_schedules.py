"""收费标准 commands: standards, property types, terms, vacancies, parking, other fees."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from gongzhi.application.base import A, Changed, Done, GongzhiBase, Meta, NotFound
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import (
    CommunityId,
    Doc,
    Fen,
    Kind,
    Range,
    Rate,
    Ref,
    Text,
    UnitId,
)
from gongzhi.domain.community import Community
from gongzhi.domain.contract import PricingModel
from gongzhi.domain.errors import UnknownPart
from gongzhi.domain.fee_account import FeeAccount, account_id
from gongzhi.domain.fee_rules import PaymentOrder
from gongzhi.domain.fee_schedule import (
    MAX_DUE_DAYS,
    MAX_PRICE,
    FeeSchedule,
    PropertyType,
    schedule_id,
)

# 元/m²/月, as the schedule keeps it (more than zero, at most 100, four places).
UnitPrice = Annotated[
    Decimal,
    Range(Decimal(0), MAX_PRICE, places=4, above_low=True),
    Doc("元/m²/月, up to 4 decimal places"),
]
DueDays = Annotated[int, Range(0, MAX_DUE_DAYS)]
ParkingSpaceId = Annotated[UUID, Ref(Kind.PARKING_SPACE)]


@dataclass(frozen=True)
class SetFeeStandard(Command):
    """收费标准 of a property type from a date: 元/m²/月 (replaces the earlier one from then)"""

    community_id: CommunityId
    property_type: PropertyType
    unit_price: UnitPrice
    pricing: PricingModel
    effective_from: date


@dataclass(frozen=True)
class ClassifyUnit(Command):
    """物业类型 of a unit (every unit is RESIDENTIAL until classified)"""

    community_id: CommunityId
    unit_id: UnitId
    property_type: PropertyType


@dataclass(frozen=True)
class SetFeeTerms(Command):
    """计费条款: vacancy discount (空置折扣), due days, 滞纳金 terms"""

    community_id: CommunityId
    vacancy_rate: Annotated[Rate, Doc("0.7 = pay 70 %")] = Decimal("1")
    due_days: DueDays = 30
    late_fee_daily_rate: Annotated[
        Decimal, Range(Decimal(0), Decimal("0.01"), places=6), Doc("0.0003 = 0.03 % a day")
    ] = Decimal("0.0003")
    grace_days: DueDays = 0
    late_fee_cap: Annotated[Rate, Doc("0.3 = 30 %")] = Decimal("0.30")
    payment_order: Annotated[
        PaymentOrder, Doc("The order a payment is applied in, as the service contract sets it")
    ] = PaymentOrder.BILLS_FIRST


@dataclass(frozen=True)
class RecordVacancy(Command):
    """空置: a unit vacant from a day (recordVacancy), or its last vacant day (endVacancy)"""

    input_name: ClassVar[str | None] = "UnitVacancyInput"
    community_id: CommunityId
    unit_id: UnitId
    on: Annotated[date, Doc("First (record) or last (end) vacant day")]


@dataclass(frozen=True)
class EndVacancy(RecordVacancy):
    """空置结束: the unit's last vacant day"""


@dataclass(frozen=True)
class AddParkingSpace(Command):
    """车位: add a parking space and its monthly fee"""

    community_id: CommunityId
    number: Annotated[str, Text(40, min_length=1)]
    monthly_fee_fen: Fen


@dataclass(frozen=True)
class RentParkingSpace(Command):
    """车位租用: a unit rents a parking space from `start`"""

    community_id: CommunityId
    space_id: ParkingSpaceId
    unit_id: UnitId
    start: date


@dataclass(frozen=True)
class EndParkingRental(Command):
    """End a parking space's rental on `end` (its last day)"""

    community_id: CommunityId
    space_id: ParkingSpaceId
    end: date


@dataclass(frozen=True)
class SetOtherFee(Command):
    """其他固定费用 per unit per month (e.g. 垃圾清运费) from a date; 0 stops it"""

    community_id: CommunityId
    name: Annotated[str, Text(40, min_length=1)]
    monthly_fee_fen: Fen
    effective_from: date


def fee_schedule(app: GongzhiBase, community_id: UUID) -> FeeSchedule | None:
    """The community's fee schedule, or None before its first change."""
    try:
        aggregate: Aggregate = app.repository.get(schedule_id(community_id))
    except AggregateNotFoundError:
        return None
    assert isinstance(aggregate, FeeSchedule)
    return aggregate


def read_only(app: GongzhiBase, cls: type[A], aggregate_id: UUID, field: str) -> A:
    """``load`` without the cache's defensive copy, for aggregates only read (a large
    community's copy costs more than billing it)."""
    aggregate = fee_aggregate(app, cls, aggregate_id, copy=False)
    if aggregate is None:
        raise NotFound(field, f"no {cls.__name__.lower()} with id {aggregate_id}")
    return aggregate


def fee_aggregate(
    app: GongzhiBase, cls: type[A], aggregate_id: UUID, *, copy: bool = True
) -> A | None:
    try:
        aggregate: Aggregate = app.repository.get(aggregate_id, deepcopy_from_cache=copy)
    except AggregateNotFoundError:
        return None
    return aggregate if isinstance(aggregate, cls) else None  # another kind: not this one


def unit_account(app: GongzhiBase, community_id: UUID, unit_id: UUID) -> FeeAccount:
    """The unit's fee account, opened (to be saved) when it has none yet."""
    account = fee_aggregate(app, FeeAccount, account_id(unit_id))
    if isinstance(account, FeeAccount):
        return account
    return FeeAccount.open(community_id, unit_id)


def unit_accounts(
    app: GongzhiBase, community_id: UUID, unit_ids: Sequence[UUID]
) -> dict[UUID, FeeAccount]:
    """``unit_account`` of many units, read in one query (past the cache)."""
    found = {a.unit_id: a for a in app.load_many(FeeAccount, [account_id(u) for u in unit_ids])}
    return {u: found.get(u) or FeeAccount.open(community_id, u) for u in unit_ids}


class FeeScheduleService(GongzhiBase):
    @handles(SetFeeStandard)
    def set_fee_standard(self, meta: Meta, command: SetFeeStandard) -> Done:
        """收费标准 of a property type from a date (replaces the earlier one from then)."""
        property_type = PropertyType(command.property_type).value
        pricing = PricingModel(command.pricing).value
        unit_price, effective_from = command.unit_price, command.effective_from
        return self._on_schedule(
            meta,
            command.community_id,
            lambda s: s.set_standard(property_type, unit_price, pricing, effective_from),
        )

    @handles(ClassifyUnit)
    def classify_unit(self, meta: Meta, command: ClassifyUnit) -> Done:
        """物业类型 of a unit (住宅 unless classified)."""
        unit_id, property_type = command.unit_id, PropertyType(command.property_type).value
        return self._on_schedule(
            meta,
            command.community_id,
            lambda s: s.classify_unit(unit_id, property_type),
            unit_id=unit_id,
        )

    @handles(SetFeeTerms)
    def set_fee_terms(self, meta: Meta, command: SetFeeTerms) -> Done:
        """空置折扣, due days and 滞纳金 terms of the community."""
        c = command
        return self._on_schedule(
            meta,
            c.community_id,
            lambda s: s.set_terms(
                vacancy_rate=c.vacancy_rate,
                due_days=c.due_days,
                late_fee_daily_rate=c.late_fee_daily_rate,
                grace_days=c.grace_days,
                late_fee_cap=c.late_fee_cap,
                payment_order=PaymentOrder(c.payment_order).value,
            ),
        )

    @handles(RecordVacancy)
    def record_vacancy(self, meta: Meta, command: RecordVacancy) -> Done:
        unit_id, start = command.unit_id, command.on
        return self._on_schedule(
            meta, command.community_id, lambda s: s.record_vacancy(unit_id, start), unit_id=unit_id
        )

    @handles(EndVacancy)
    def end_vacancy(self, meta: Meta, command: EndVacancy) -> Done:
        unit_id, end = command.unit_id, command.on
        return self._on_schedule(
            meta, command.community_id, lambda s: s.end_vacancy(unit_id, end), unit_id=unit_id
        )

    @handles(AddParkingSpace)
    def add_parking_space(self, meta: Meta, command: AddParkingSpace) -> Done:
        """车位: the ``Done``'s part id is the new space's id."""
        number, monthly_fee_fen = command.number, command.monthly_fee_fen
        return self._on_schedule(
            meta, command.community_id, lambda s: s.add_parking_space(number, monthly_fee_fen)
        )

    @handles(RentParkingSpace)
    def rent_parking_space(self, meta: Meta, command: RentParkingSpace) -> Done:
        space_id, unit_id, start = command.space_id, command.unit_id, command.start
        return self._on_schedule(
            meta,
            command.community_id,
            lambda s: s.rent_parking_space(space_id, unit_id, start),
            unit_id=unit_id,
        )

    @handles(EndParkingRental)
    def end_parking_rental(self, meta: Meta, command: EndParkingRental) -> Done:
        space_id, end = command.space_id, command.end
        return self._on_schedule(
            meta, command.community_id, lambda s: s.end_parking_rental(space_id, end)
        )

    @handles(SetOtherFee)
    def set_other_fee(self, meta: Meta, command: SetOtherFee) -> Done:
        """其他固定费用 per unit per month, e.g. 垃圾清运费; 0 stops it from the date."""
        name, fee, effective_from = command.name, command.monthly_fee_fen, command.effective_from
        return self._on_schedule(
            meta, command.community_id, lambda s: s.set_other_fee(name, fee, effective_from)
        )

    def _on_schedule(
        self,
        meta: Meta,
        community_id: UUID,
        command: Callable[[FeeSchedule], Any],
        *,
        unit_id: UUID | None = None,
    ) -> Done:
        """Run one command on the community's schedule, opening it on its first change."""
        community = read_only(self, Community, community_id, "communityId")
        if unit_id is not None:
            unit = community.unit_index.get(unit_id)
            if unit is None or unit.retired:
                raise UnknownPart("unitId", "no such unit in this community")

        def attempt() -> Changed:
            schedule = fee_schedule(self, community_id) or FeeSchedule.open(community_id)
            result = command(schedule)
            return Changed((schedule,), result if isinstance(result, UUID) else None)

        return self.retrying(meta, attempt, what="the fee schedule")
