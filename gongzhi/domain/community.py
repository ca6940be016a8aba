"""小区 community: the estate hierarchy (楼栋 building, 单元 entrance, 户 unit) and its
管理模式 management mode over time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.holding import (
    DEVELOPER_VOTER,
    OwnershipChange,
    checked_owners,
    owner_records,
    owners_of,
    voter_key,
    voters_since,
)
from gongzhi.domain.values import (
    AreaSource,
    ManagementMode,
    RenovationCategory,
    enum_value,
    exclusive_area,
    optional_text,
    required_text,
)
from gongzhi.domain.values import year_built as checked_year_built

MAX_FLOORS = 60
__all__ = ["DEVELOPER_VOTER", "OwnershipChange", "checked_owners", "owner_records"]


@dataclass
class Building:
    """楼栋"""

    id: UUID
    number: str
    floors: int
    has_elevator: bool
    entrances: dict[UUID, Entrance] = field(default_factory=dict)


@dataclass
class Entrance:
    """单元"""

    id: UUID
    building_id: UUID
    number: str
    units: dict[UUID, Unit] = field(default_factory=dict)


@dataclass
class Unit:
    """户 / 房屋 with its registered exclusive area (专有部分面积).

    Its owners, residents and vacancy are those the community's own events recorded before
    the split (issue 13); since, they are the unit's :class:`~gongzhi.domain.holding.UnitHolding`,
    which starts from them. The application reads the two merged (application/estate.py)."""

    id: UUID
    entrance_id: UUID
    number: str
    floor: int
    area: Decimal
    area_source: str
    retired: bool = False
    owners: tuple[tuple[UUID, Fraction], ...] = ()  # 业主 and their shares (共有份额)
    developer_held: bool = False  # 建设单位 holds it: unsold, or sold but not delivered
    residents: set[UUID] = field(default_factory=set)  # 住户 who live there, owners or not
    delivered_on: date | None = None  # 交付 by the developer: the owner pays fees from then
    # Voter keys the unit had before, each with when it stopped (the recording time of the
    # change): a vote open then lets the earlier key's ballot keep the unit (北京 rule).
    former_voters: tuple[tuple[str, datetime], ...] = ()

    def voters_since(self, moment: datetime) -> set[str]:
        """Voter keys the unit had at some time after ``moment``, other than the current."""
        return voters_since(self.former_voters, self.voter, moment)

    @property
    def voter(self) -> str:
        """表决权 key: who votes for this unit (``holding.voter_key``)."""
        return voter_key(self.id, self.owners, self.developer_held)


@dataclass(frozen=True)
class ModePeriod:
    """A management mode in force from ``effective_from`` until the next change."""

    mode: str
    company_id: UUID | None
    effective_from: date


class Community(Aggregate):
    """小区 community after renovation (老旧小区改造), in its long-term management phase."""

    class Registered(Aggregate.Created):
        name: str
        district: str
        street: str
        address: str
        year_built: int | None
        renovation_completed_on: date | None
        renovation_items: list[dict[str, str]]
        registered_on: date

    class Renamed(Aggregate.Event):
        name: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Community)
            aggregate.name = self.name

    class BuildingAdded(Aggregate.Event):
        building_id: UUID
        number: str
        floors: int
        has_elevator: bool

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Community)
            aggregate.buildings[self.building_id] = Building(
                self.building_id, self.number, self.floors, self.has_elevator
            )

    class EntranceAdded(Aggregate.Event):
        entrance_id: UUID
        building_id: UUID
        number: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Community)
            building = aggregate.buildings[self.building_id]
            entrance = Entrance(self.entrance_id, self.building_id, self.number)
            building.entrances[self.entrance_id] = entrance
            aggregate.entrance_index[self.entrance_id] = entrance

    class UnitAdded(Aggregate.Event):
        unit_id: UUID
        entrance_id: UUID
        number: str
        floor: int
        area: Decimal
        area_source: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Community)
            unit = Unit(
                self.unit_id,
                self.entrance_id,
                self.number,
                self.floor,
                self.area,
                self.area_source,
            )
            aggregate.entrance_index[self.entrance_id].units[self.unit_id] = unit
            aggregate.unit_index[self.unit_id] = unit

    class UnitAreaCorrected(Aggregate.Event):
        unit_id: UUID
        area: Decimal
        area_source: str
        previous_area: Decimal

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Community)
            unit = aggregate.unit_index[self.unit_id]
            unit.area = self.area
            unit.area_source = self.area_source

    class UnitRetired(Aggregate.Event):
        unit_id: UUID
        area: Decimal

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Community)
            aggregate.unit_index[self.unit_id].retired = True

    # A unit's owners and residents as the community recorded them before the split of
    # issue 13: replayed from the logs of then, never recorded since (each unit's
    # ``UnitHolding`` records them, starting from these).

    class UnitHeldByDeveloper(Aggregate.Event):
        unit_id: UUID
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Community)
            unit = aggregate.unit_index[self.unit_id]

            def hold() -> None:
                unit.developer_held = True
                unit.owners = ()

            aggregate.change_voter(unit, hold, self.timestamp)

    class UnitOwnershipRecorded(Aggregate.Event):
        """业主 of a unit from ``on``: persons with their shares ("n/d"), replacing the last."""

        unit_id: UUID
        owners: list[dict[str, str]]
        change: str
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Community)
            unit = aggregate.unit_index[self.unit_id]

            def record() -> None:
                unit.developer_held = False
                unit.owners = owners_of(self.owners)

            aggregate.change_voter(unit, record, self.timestamp)
            if self.change == OwnershipChange.DELIVERED.value:
                unit.delivered_on = self.on

    class UnitsImported(Aggregate.Event):
        """花名册导入: one building's new entrances and units, with owners, in one event.

        A roster of thousands of units is saved in one transaction; one event per building
        keeps that transaction small (a single save of tens of thousands of events stalls
        the database driver's pipeline)."""

        building_id: UUID
        new_building: dict[str, Any] | None
        entrances: list[dict[str, Any]]
        units: list[dict[str, Any]]
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Community)
            if self.new_building is not None:
                aggregate.buildings[self.building_id] = Building(
                    self.building_id,
                    self.new_building["number"],
                    self.new_building["floors"],
                    self.new_building["has_elevator"],
                )
            building = aggregate.buildings[self.building_id]
            for row in self.entrances:
                entrance = Entrance(row["entrance_id"], self.building_id, row["number"])
                building.entrances[entrance.id] = entrance
                aggregate.entrance_index[entrance.id] = entrance
            for row in self.units:
                unit = Unit(
                    row["unit_id"],
                    row["entrance_id"],
                    row["number"],
                    row["floor"],
                    Decimal(row["area"]),
                    row["area_source"],
                    owners=owners_of(row["owners"]),
                    developer_held=row["developer_held"],
                )
                aggregate.entrance_index[unit.entrance_id].units[unit.id] = unit
                aggregate.unit_index[unit.id] = unit

    class ResidentMovedIn(Aggregate.Event):
        unit_id: UUID
        person_id: UUID
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Community)
            aggregate.unit_index[self.unit_id].residents.add(self.person_id)

    class ResidentMovedOut(Aggregate.Event):
        unit_id: UUID
        person_id: UUID
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Community)
            aggregate.unit_index[self.unit_id].residents.discard(self.person_id)

    class ManagementModeChanged(Aggregate.Event):
        mode: str
        company_id: UUID | None
        effective_from: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Community)
            aggregate.modes.append(ModePeriod(self.mode, self.company_id, self.effective_from))

    def __init__(
        self,
        name: str,
        district: str,
        street: str,
        address: str,
        year_built: int | None,
        renovation_completed_on: date | None,
        renovation_items: list[dict[str, str]],
        registered_on: date,
    ) -> None:
        self.name = name
        self.district = district
        self.street = street
        self.address = address
        self.year_built = year_built
        self.renovation_completed_on = renovation_completed_on
        self.renovation_items = renovation_items
        self.registered_on = registered_on
        self.buildings: dict[UUID, Building] = {}
        self.entrance_index: dict[UUID, Entrance] = {}
        self.unit_index: dict[UUID, Unit] = {}
        self.modes: list[ModePeriod] = []

    @classmethod
    def register(
        cls,
        *,
        name: str,
        district: str,
        street: str,
        address: str = "",
        year_built: int | None = None,
        renovation_completed_on: date | None = None,
        renovation_items: list[dict[str, str]] | None = None,
        registered_on: date,
    ) -> Community:
        """登记 a community; ``registered_on`` is the business date (Asia/Shanghai)."""
        if renovation_completed_on is not None and renovation_completed_on > registered_on:
            raise InvalidValue(
                "renovationCompletedOn", "must not be later than the registration date"
            )
        built = checked_year_built("yearBuilt", year_built, registered_on)
        if (
            renovation_completed_on is not None
            and built is not None
            and renovation_completed_on.year < built
        ):
            raise InvalidValue(
                "renovationCompletedOn", "must not be earlier than the year the community was built"
            )
        return cls._create(
            cls.Registered,
            id=uuid4(),
            name=required_text("name", name),
            district=required_text("district", district),
            street=required_text("street", street),
            address=optional_text("address", address),
            year_built=built,
            renovation_completed_on=renovation_completed_on,
            renovation_items=renovation_item_list(renovation_items or []),
            registered_on=registered_on,
        )

    def rename(self, name: str) -> None:
        new_name = required_text("name", name)
        if new_name == self.name:
            raise RuleViolated("name", "is already the community's name")
        self.trigger_event(self.Renamed, name=new_name)

    def add_building(
        self,
        number: str,
        floors: int,
        has_elevator: bool,
        entrance_numbers: list[str] | tuple[str, ...] = (),
    ) -> UUID:
        """Add a 楼栋 and, optionally, its 单元 in one step."""
        building_number = required_text("number", number, max_length=40)
        if any(b.number == building_number for b in self.buildings.values()):
            raise RuleViolated("number", f"building {building_number} already exists")
        if not 1 <= floors <= MAX_FLOORS:
            raise InvalidValue("floors", f"must be between 1 and {MAX_FLOORS}")
        labels = [
            required_text(f"entrances.{i}", n, max_length=40)
            for i, n in enumerate(entrance_numbers)
        ]
        if len(set(labels)) != len(labels):
            raise InvalidValue("entrances", "entrance numbers must differ from each other")
        building_id = uuid4()
        self.trigger_event(
            self.BuildingAdded,
            building_id=building_id,
            number=building_number,
            floors=floors,
            has_elevator=bool(has_elevator),
        )
        for label in labels:
            self.trigger_event(
                self.EntranceAdded, entrance_id=uuid4(), building_id=building_id, number=label
            )
        return building_id

    def add_entrance(self, building_id: UUID, number: str) -> UUID:
        building = self._building(building_id)
        label = required_text("number", number, max_length=40)
        if any(e.number == label for e in building.entrances.values()):
            raise RuleViolated(
                "number", f"entrance {label} already exists in building {building.number}"
            )
        entrance_id = uuid4()
        self.trigger_event(
            self.EntranceAdded, entrance_id=entrance_id, building_id=building_id, number=label
        )
        return entrance_id

    def add_unit(
        self, entrance_id: UUID, number: str, floor: int, area: Decimal | str, area_source: str
    ) -> UUID:
        entrance = self.entrance_index.get(entrance_id)
        if entrance is None:
            raise UnknownPart("entranceId", "no such entrance in this community")
        label = required_text("number", number, max_length=40)
        if any(u.number == label and not u.retired for u in entrance.units.values()):
            raise RuleViolated("number", f"unit {label} already exists in this entrance")
        floors = self.buildings[entrance.building_id].floors
        if not 1 <= floor <= floors:
            raise InvalidValue("floor", f"must be between 1 and the building's {floors} floors")
        unit_id = uuid4()
        self.trigger_event(
            self.UnitAdded,
            unit_id=unit_id,
            entrance_id=entrance_id,
            number=label,
            floor=floor,
            area=exclusive_area("area", area),
            area_source=enum_value("areaSource", AreaSource, area_source),
        )
        return unit_id

    def correct_unit_area(self, unit_id: UUID, area: Decimal | str, area_source: str) -> None:
        """更正面积; the reason travels in the event metadata and is required by the service."""
        unit = self._active_unit(unit_id)
        new_area = exclusive_area("area", area)
        source = enum_value("areaSource", AreaSource, area_source)
        if new_area == unit.area and source == unit.area_source:
            raise RuleViolated("area", "is already the unit's area from this source")
        self.trigger_event(
            self.UnitAreaCorrected,
            unit_id=unit_id,
            area=new_area,
            area_source=source,
            previous_area=unit.area,
        )

    def retire_unit(self, unit_id: UUID) -> None:
        unit = self._active_unit(unit_id)
        self.trigger_event(self.UnitRetired, unit_id=unit_id, area=unit.area)

    def import_units(
        self,
        building_number: str,
        floors: int,
        has_elevator: bool,
        units: Sequence[ImportedUnit],
        on: date,
    ) -> list[UUID]:
        """花名册导入 of one building: checks every unit as the single commands would (a
        field ``units.<i>.<name>`` names the unit at fault), then records one event.

        The event records the structure only (its owner fields empty, as the event's shape
        of before the split of issue 13 keeps them): the caller opens each unit's holding
        with its owners (``UnitHolding.open``), the one place owners are recorded."""
        label = required_text("building", building_number, max_length=40)
        if not 1 <= floors <= MAX_FLOORS:
            raise InvalidValue("floors", f"must be between 1 and {MAX_FLOORS}")
        building = next((b for b in self.buildings.values() if b.number == label), None)
        if building is not None and building.floors != floors:
            raise RuleViolated("floors", f"building {label} has {building.floors} floors")
        building_id = building.id if building else uuid4()
        entrance_ids = {e.number: e.id for e in building.entrances.values()} if building else {}
        new_entrances: list[dict[str, Any]] = []
        taken = {
            (e.number, u.number)
            for e in (building.entrances.values() if building else ())
            for u in e.units.values()
            if not u.retired
        }
        rows: list[dict[str, Any]] = []
        for index, unit in enumerate(units):
            at = f"units.{index}."
            entrance = required_text(at + "entrance", unit.entrance, max_length=40)
            number = required_text(at + "number", unit.number, max_length=40)
            if (entrance, number) in taken:
                raise RuleViolated(at + "number", f"unit {number} already exists in this entrance")
            if not 1 <= unit.floor <= floors:
                raise InvalidValue(
                    at + "floor", f"must be between 1 and the building's {floors} floors"
                )
            if unit.owners:
                checked_owners(at + "owners", unit.owners)
            if unit.owners and unit.developer_held:
                raise InvalidValue(at + "owners", "a unit the developer holds has no owners yet")
            if entrance not in entrance_ids:
                entrance_ids[entrance] = uuid4()
                new_entrances.append({"entrance_id": entrance_ids[entrance], "number": entrance})
            taken.add((entrance, number))
            rows.append(
                {
                    "unit_id": uuid4(),
                    "entrance_id": entrance_ids[entrance],
                    "number": number,
                    "floor": unit.floor,
                    "area": str(exclusive_area(at + "area", unit.area)),
                    "area_source": enum_value(at + "areaSource", AreaSource, unit.area_source),
                    "owners": [],
                    "developer_held": False,
                }
            )
        new_building = (
            None
            if building is not None
            else {"number": label, "floors": floors, "has_elevator": bool(has_elevator)}
        )
        self.trigger_event(
            self.UnitsImported,
            building_id=building_id,
            new_building=new_building,
            entrances=new_entrances,
            units=rows,
            on=on,
        )
        return [row["unit_id"] for row in rows]

    @staticmethod
    def change_voter(unit: Unit, change: Callable[[], None], at: datetime) -> None:
        """Apply an ownership ``change`` of before the split to ``unit`` (events replayed),
        remembering the voter key it ends."""
        before = unit.voter
        change()
        if unit.voter != before:
            unit.former_voters = (*unit.former_voters, (before, at))

    def in_scope(self, unit: Unit, scope: str, scope_id: UUID) -> bool:
        if scope == "COMMUNITY":
            return scope_id == self.id
        if scope == "ENTRANCE":
            return unit.entrance_id == scope_id
        if scope == "BUILDING":
            return self.entrance_index[unit.entrance_id].building_id == scope_id
        raise InvalidValue("scope", "must be COMMUNITY, BUILDING or ENTRANCE")

    def units_in(self, scope: str, scope_id: UUID) -> list[Unit]:
        """Active units of the whole community, one building, or one entrance."""
        if scope == "COMMUNITY":
            if scope_id != self.id:
                raise UnknownPart("scopeId", "a community scope names the community itself")
            entrances = list(self.entrance_index.values())
        elif scope == "BUILDING":
            entrances = list(self._building(scope_id).entrances.values())
        elif scope == "ENTRANCE":
            entrance = self.entrance_index.get(scope_id)
            if entrance is None:
                raise UnknownPart("scopeId", "no such entrance in this community")
            entrances = [entrance]
        else:
            raise InvalidValue("scope", "must be COMMUNITY, BUILDING or ENTRANCE")
        return [u for e in entrances for u in e.units.values() if not u.retired]

    def change_management_mode(
        self, mode: str, company_id: UUID | None, effective_from: date
    ) -> None:
        """Record a 管理模式 in force from ``effective_from``; the timeline only grows forward."""
        value = enum_value("mode", ManagementMode, mode)
        if value == ManagementMode.PROFESSIONAL.value and company_id is None:
            raise InvalidValue("companyId", "is required for professional management")
        if value != ManagementMode.PROFESSIONAL.value and company_id is not None:
            raise InvalidValue("companyId", "is only allowed for professional management")
        if effective_from < self.registered_on:
            raise InvalidValue(
                "effectiveFrom",
                "must not be before the community was registered on "
                + self.registered_on.isoformat(),
            )
        if self.modes:
            latest = self.modes[-1]
            if effective_from < latest.effective_from:
                raise InvalidValue(
                    "effectiveFrom",
                    "must not be before the latest change, effective "
                    + latest.effective_from.isoformat(),
                )
            if (latest.mode, latest.company_id) == (value, company_id):
                raise RuleViolated("mode", "the community is already under this management")
        self.trigger_event(
            self.ManagementModeChanged,
            mode=value,
            company_id=company_id,
            effective_from=effective_from,
        )

    def mode_on(self, day: date) -> ModePeriod | None:
        """The management in force on ``day``; ``None`` before the first recorded change.
        Of two changes on one day the later is in force (periods are kept in order)."""
        current = None
        for period in self.modes:
            if period.effective_from <= day:
                current = period
        return current

    def serving_company(self, day: date) -> UUID | None:
        """The company serving the community on ``day``: that of the management in force,
        ``None`` before the first change and under any mode but professional management.
        The read side's SQL function ``serving_company`` (projections/communities.py) is the
        same rule; a test holds the two together."""
        period = self.mode_on(day)
        return period.company_id if period is not None else None

    def _building(self, building_id: UUID) -> Building:
        building = self.buildings.get(building_id)
        if building is None:
            raise UnknownPart("buildingId", "no such building in this community")
        return building

    def _active_unit(self, unit_id: UUID) -> Unit:
        unit = self.unit_index.get(unit_id)
        if unit is None:
            raise UnknownPart("unitId", "no such unit in this community")
        if unit.retired:
            raise RuleViolated("unitId", "the unit is retired")
        return unit


def renovation_item_list(items: list[dict[str, str]] | list[Any]) -> list[dict[str, str]]:
    """改造内容: each item a category (基础类/完善类/提升类) and a description."""
    result = []
    for index, item in enumerate(items):
        category = enum_value(
            f"renovationItems.{index}.category", RenovationCategory, item.get("category")
        )
        name = required_text(f"renovationItems.{index}.name", str(item.get("name", "")))
        result.append({"category": category, "name": name})
    return result


@dataclass(frozen=True)
class ImportedUnit:
    """One unit of a roster import (花名册), with its owners or the developer holding it."""

    entrance: str
    number: str
    floor: int
    area: Decimal | str
    area_source: str
    owners: tuple[tuple[UUID, Fraction], ...] = ()
    developer_held: bool = False
