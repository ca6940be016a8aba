"""花名册导入 roster import: all-or-nothing, in one transaction, after a full check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate

from gongzhi.application.base import GongzhiBase, Meta, business_today
from gongzhi.domain.community import Community
from gongzhi.domain.errors import DomainError
from gongzhi.domain.person import Person
from gongzhi.domain.roster import OwnerRow, Problem, RosterPlan, UnitPlan


@dataclass
class RosterReport:
    """What an import found and did; ``imported`` is False for a dry run or any problem."""

    rows: int
    units: int
    buildings_added: int = 0
    entrances_added: int = 0
    units_added: int = 0
    owners_registered: int = 0
    problems: list[Problem] = field(default_factory=list)
    imported: bool = False
    position: int = 0


class RosterService(GongzhiBase):
    def import_roster(
        self,
        meta: Meta,
        community_id: UUID,
        plan: RosterPlan,
        *,
        rows: int,
        dry_run: bool,
        progress: Callable[[str, int], None] | None = None,
    ) -> RosterReport:
        """Apply the plan to the community in memory; save it, with the new owners, in one
        transaction only if every row applied cleanly and this is not a dry run."""
        report = RosterReport(rows=rows, units=len(plan.units), problems=list(plan.problems))
        community = self.load(Community, community_id, "communityId")
        persons: dict[tuple[str, str, str], Person] = {}
        on = business_today()
        # Rows already found bad are not applied: one reason per row is enough.
        bad_lines = {problem.line for problem in plan.problems}
        for done, unit in enumerate(plan.units, start=1):
            if unit.line in bad_lines:
                continue
            try:
                self._apply(community, unit, persons, report, on)
            except DomainError as error:
                report.problems.append(Problem(unit.line, error.field, error.message))
            if progress is not None and done % 500 == 0:
                progress("checked", done)
        report.problems.sort(key=lambda p: (p.line, p.field))
        report.owners_registered = len(persons)
        if report.problems or dry_run:
            return report
        aggregates: list[Aggregate] = [community, *persons.values()]
        report.position = self.record(meta, *aggregates)
        report.imported = True
        if progress is not None:
            progress("saved", len(plan.units))
        return report

    def _apply(
        self,
        community: Community,
        unit: UnitPlan,
        persons: dict[tuple[str, str, str], Person],
        report: RosterReport,
        on: date,
    ) -> None:
        building = next(
            (b for b in community.buildings.values() if b.number == unit.building), None
        )
        if building is None:
            community.add_building(unit.building, unit.floors, unit.elevator, [])
            building = next(b for b in community.buildings.values() if b.number == unit.building)
            report.buildings_added += 1
        elif building.floors != unit.floors:
            raise DomainError("floors", f"building {unit.building} has {building.floors} floors")
        entrance = next((e for e in building.entrances.values() if e.number == unit.entrance), None)
        entrance_id = (
            entrance.id if entrance else community.add_entrance(building.id, unit.entrance)
        )
        report.entrances_added += entrance is None
        unit_id = community.add_unit(
            entrance_id, unit.number, unit.floor, unit.area, unit.area_source
        )
        report.units_added += 1
        if unit.developer_held:
            community.hold_by_developer(unit_id, on)
        elif unit.owners:
            owners = [(self._person(persons, owner).id, share) for owner, share in unit.shares()]
            community.record_ownership(unit_id, owners, on)

    @staticmethod
    def _person(persons: dict[tuple[str, str, str], Person], owner: OwnerRow) -> Person:
        person = persons.get(owner.key)
        if person is None:
            person = Person.register(name=owner.name, phone=owner.phone, id_number=owner.id_number)
            persons[owner.key] = person
        return person
