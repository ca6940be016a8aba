"""收费标准 commands: standards, property types, terms, vacancies, parking, other fees."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from gongzhi.application.base import A, Changed, Done, GongzhiBase, Meta, NotFound
from gongzhi.domain.community import Community
from gongzhi.domain.errors import UnknownPart
from gongzhi.domain.fee_schedule import FeeSchedule, schedule_id


class FeeScheduleService(GongzhiBase):
    def fee_schedule(self, community_id: UUID) -> FeeSchedule | None:
        """The community's fee schedule, or None before its first change."""
        try:
            aggregate: Aggregate = self.repository.get(schedule_id(community_id))
        except AggregateNotFoundError:
            return None
        assert isinstance(aggregate, FeeSchedule)
        return aggregate

    def read_only(self, cls: type[A], aggregate_id: UUID, field: str) -> A:
        """``load`` without the cache's defensive copy, for aggregates only read (a large
        community's copy costs more than billing it)."""
        aggregate = self._fee_aggregate(cls, aggregate_id, copy=False)
        if aggregate is None:
            raise NotFound(field, f"no {cls.__name__.lower()} with id {aggregate_id}")
        return aggregate

    def _fee_aggregate(self, cls: type[A], aggregate_id: UUID, *, copy: bool = True) -> A | None:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id, deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, cls) else None  # another kind: not this one

    def set_fee_standard(
        self,
        meta: Meta,
        community_id: UUID,
        *,
        property_type: str,
        unit_price: Decimal | str,
        pricing: str,
        effective_from: date,
    ) -> Done:
        """收费标准 of a property type from a date (replaces the earlier one from then)."""
        return self._on_schedule(
            meta,
            community_id,
            lambda s: s.set_standard(property_type, unit_price, pricing, effective_from),
        )

    def classify_unit(
        self, meta: Meta, community_id: UUID, unit_id: UUID, property_type: str
    ) -> Done:
        """物业类型 of a unit (住宅 unless classified)."""
        return self._on_schedule(
            meta, community_id, lambda s: s.classify_unit(unit_id, property_type), unit_id=unit_id
        )

    def set_fee_terms(self, meta: Meta, community_id: UUID, **terms: Any) -> Done:
        """空置折扣, due days and 滞纳金 terms of the community."""
        return self._on_schedule(meta, community_id, lambda s: s.set_terms(**terms))

    def record_vacancy(self, meta: Meta, community_id: UUID, unit_id: UUID, start: date) -> Done:
        return self._on_schedule(
            meta, community_id, lambda s: s.record_vacancy(unit_id, start), unit_id=unit_id
        )

    def end_vacancy(self, meta: Meta, community_id: UUID, unit_id: UUID, end: date) -> Done:
        return self._on_schedule(
            meta, community_id, lambda s: s.end_vacancy(unit_id, end), unit_id=unit_id
        )

    def add_parking_space(
        self, meta: Meta, community_id: UUID, number: str, monthly_fee_fen: int
    ) -> Done:
        """车位: the ``Done``'s part id is the new space's id."""
        return self._on_schedule(
            meta, community_id, lambda s: s.add_parking_space(number, monthly_fee_fen)
        )

    def rent_parking_space(
        self, meta: Meta, community_id: UUID, space_id: UUID, unit_id: UUID, start: date
    ) -> Done:
        return self._on_schedule(
            meta,
            community_id,
            lambda s: s.rent_parking_space(space_id, unit_id, start),
            unit_id=unit_id,
        )

    def end_parking_rental(self, meta: Meta, community_id: UUID, space_id: UUID, end: date) -> Done:
        return self._on_schedule(meta, community_id, lambda s: s.end_parking_rental(space_id, end))

    def set_other_fee(
        self, meta: Meta, community_id: UUID, name: str, monthly_fee_fen: int, effective_from: date
    ) -> Done:
        """其他固定费用 per unit per month, e.g. 垃圾清运费; 0 stops it from the date."""
        return self._on_schedule(
            meta, community_id, lambda s: s.set_other_fee(name, monthly_fee_fen, effective_from)
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
        community = self.read_only(Community, community_id, "communityId")
        if unit_id is not None:
            unit = community.unit_index.get(unit_id)
            if unit is None or unit.retired:
                raise UnknownPart("unitId", "no such unit in this community")

        def attempt() -> Changed:
            schedule = self.fee_schedule(community_id) or FeeSchedule.open(community_id)
            result = command(schedule)
            return Changed((schedule,), result if isinstance(result, UUID) else None)

        return self.retrying(meta, attempt, what="the fee schedule")
