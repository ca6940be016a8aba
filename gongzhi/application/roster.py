"""花名册导入 roster import: all-or-nothing, in one transaction, after a full check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate

from gongzhi.application.base import GongzhiBase, Meta, business_today
from gongzhi.domain.community import Community, ImportedUnit
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
        by_building: dict[str, list[UnitPlan]] = {}
        for unit in plan.units:
            if unit.line not in bad_lines:
                by_building.setdefault(unit.building, []).append(unit)
        done = 0
        for number, rows_of_building in by_building.items():
            self._import_building(community, number, rows_of_building, persons, report, on)
            done += len(rows_of_building)
            if progress is not None:
                progress("checked", done)
        report.problems.sort(key=lambda p: (p.line, p.field))
        report.owners_registered = len(persons)
        if report.problems or dry_run:
            return report
        aggregates: list[Aggregate] = [community, *persons.values()]
        report.position = self.record(meta, *aggregates)
        report.imported = True
        if progress is not None:
            progress("saved", done)
        return report

    def _import_building(
        self,
        community: Community,
        number: str,
        rows: list[UnitPlan],
        persons: dict[tuple[str, str, str], Person],
        report: RosterReport,
        on: date,
    ) -> None:
        existing = next((b for b in community.buildings.values() if b.number == number), None)
        entrances_before = len(existing.entrances) if existing else 0
        # Units already on record: every such row is reported, not just the first one.
        recorded = {
            (entrance.number, unit.number)
            for entrance in (existing.entrances.values() if existing else ())
            for unit in entrance.units.values()
            if not unit.retired
        }
        clashes = [
            Problem(row.line, "number", f"unit {row.number} already exists in this entrance")
            for row in rows
            if (row.entrance, row.number) in recorded
        ]
        if clashes:
            report.problems.extend(clashes)
            return
        units = [
            ImportedUnit(
                entrance=row.entrance,
                number=row.number,
                floor=row.floor,
                area=row.area,
                area_source=row.area_source,
                owners=tuple(
                    (self._person(persons, owner).id, share) for owner, share in row.shares()
                )
                if row.owners
                else (),
                developer_held=row.developer_held,
            )
            for row in rows
        ]
        try:
            community.import_units(number, rows[0].floors, rows[0].elevator, units, on)
        except DomainError as error:
            report.problems.append(_located(error, rows))
            return
        building = next(b for b in community.buildings.values() if b.number == number)
        report.buildings_added += existing is None
        report.entrances_added += len(building.entrances) - entrances_before
        report.units_added += len(rows)

    @staticmethod
    def _person(persons: dict[tuple[str, str, str], Person], owner: OwnerRow) -> Person:
        person = persons.get(owner.key)
        if person is None:
            person = Person.register(name=owner.name, phone=owner.phone, id_number=owner.id_number)
            persons[owner.key] = person
        return person


def _located(error: DomainError, rows: list[UnitPlan]) -> Problem:
    """The problem at the row of the unit a ``units.<i>.<field>`` error names."""
    parts = error.field.split(".")
    if len(parts) >= 3 and parts[0] == "units" and parts[1].isdigit():
        return Problem(rows[int(parts[1])].line, ".".join(parts[2:]), error.message)
    return Problem(rows[0].line, error.field, error.message)
