"""花名册导入 roster import: all-or-nothing, in one transaction, after a full check."""

from __future__ import annotations

import base64
import binascii
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated
from uuid import UUID

from eventsourcing.domain import Aggregate

from gongzhi.application.base import Done, GongzhiBase, Meta, bulk_work, business_today
from gongzhi.application.commands import Command, handles
from gongzhi.application.estate import estate_read
from gongzhi.application.fields import CommunityId, Doc, Text
from gongzhi.domain.community import Community, ImportedUnit
from gongzhi.domain.errors import DomainError, InvalidValue
from gongzhi.domain.holding import UnitHolding
from gongzhi.domain.person import Person
from gongzhi.domain.roster import (
    OwnerRow,
    Problem,
    RosterPlan,
    UnitPlan,
    header_map,
    plan_roster,
)

MAX_FILE_BYTES = 20 * 1024 * 1024
# An XLSX file of MAX_FILE_BYTES sent as base64.
MAX_CONTENT_CHARACTERS = 4 * -(-MAX_FILE_BYTES // 3)

# (header, rows) of a CSV or XLSX file; raises ValueError when it cannot be read. Reading
# files is infrastructure (gongzhi.infra.tabular.read_table): the wiring hands it over.
TableReader = Callable[[bytes, str], tuple[list[str], list[list[str]]]]


class RosterFormat(enum.Enum):
    CSV = "CSV"
    XLSX = "XLSX"


@dataclass(frozen=True)
class ImportRoster(Command):
    """花名册导入: a roster, CSV as text or XLSX as base64, headers in English or Chinese;
    a dry run by default; imports only if every row is good"""

    community_id: CommunityId
    format: RosterFormat
    content: Annotated[
        str,
        Text(MAX_CONTENT_CHARACTERS),
        Doc("CSV as text, or XLSX as base64, of a file of at most 20 MB"),
    ]
    dry_run: bool = True


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


@dataclass(frozen=True)
class RosterDone(Done):
    """An import's (or a dry run's) report; ``id`` is the community's."""

    report: RosterReport | None = None


def roster_bytes(file_format: RosterFormat, content: str) -> bytes:
    """The file sent as ``content``: CSV as text, XLSX as base64."""
    if file_format is RosterFormat.CSV:
        data = content.encode()
    else:
        try:
            data = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidValue("content", "an XLSX file must be sent as base64") from None
    if len(data) > MAX_FILE_BYTES:
        raise InvalidValue("content", "the file is larger than 20 MB")
    return data


def plan_file(content: bytes, file_format: str, read: TableReader) -> tuple[RosterPlan, int]:
    """The checked plan of a roster file and its number of data rows."""
    try:
        header, rows = read(content, file_format)
    except ValueError as error:
        raise InvalidValue("content", str(error)) from None
    positions, missing = header_map(header)
    if missing:
        return RosterPlan([], missing), len(rows)
    named = [
        {name: (row[index] if index < len(row) else "") for name, index in positions.items()}
        for row in rows
    ]
    return plan_roster(named), len(rows)


class RosterService(GongzhiBase):
    # Set by the wiring (gongzhi.bootstrap): how a CSV or XLSX file is read.
    table_reader: TableReader | None = None

    @handles(ImportRoster)
    def import_roster(
        self,
        meta: Meta,
        command: ImportRoster,
        *,
        progress: Callable[[str, int], None] | None = None,
    ) -> RosterDone:
        """花名册导入 of a file: read, checked whole, imported only if every row is good and
        this is not a dry run."""
        if self.table_reader is None:
            msg = "no table reader is wired: set table_reader (gongzhi.bootstrap does)"
            raise RuntimeError(msg)
        file_format = RosterFormat(command.format)
        # A large roster builds hundreds of thousands of objects: the collector's full passes
        # over them held the GIL for up to 0.7 s, freezing the API's event loop (its health
        # check) while a 45,000-row file was checked; paused, the loop answers in 0.05 s.
        with bulk_work():
            data = roster_bytes(file_format, command.content)
            plan, rows = plan_file(data, file_format.value, self.table_reader)
            report = self.apply_roster(
                meta,
                command.community_id,
                plan,
                rows=rows,
                dry_run=command.dry_run,
                progress=progress,
            )
        return RosterDone(command.community_id, report.position, report=report)

    def apply_roster(
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
        holdings: list[UnitHolding] = []
        known = self._known_owners(community, plan)
        on = business_today()
        # Rows already found bad are not applied: one reason per row is enough.
        bad_lines = {problem.line for problem in plan.problems}
        by_building: dict[str, list[UnitPlan]] = {}
        for unit in plan.units:
            if unit.line not in bad_lines:
                by_building.setdefault(unit.building, []).append(unit)
        done = 0
        for number, rows_of_building in by_building.items():
            self._import_building(
                community, number, rows_of_building, persons, known, report, on, holdings
            )
            done += len(rows_of_building)
            if progress is not None:
                progress("checked", done)
        report.problems.sort(key=lambda p: (p.line, p.field))
        report.owners_registered = len(persons)
        if report.problems or dry_run:
            return report
        # The community (its new units) first: the views insert a unit before its owners.
        aggregates: list[Aggregate] = [community, *holdings, *persons.values()]
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
        known: dict[tuple[str, str], UUID],
        report: RosterReport,
        on: date,
        holdings: list[UnitHolding],
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
                    (self._person(persons, known, owner), share) for owner, share in row.shares()
                )
                if row.owners
                else (),
                developer_held=row.developer_held,
            )
            for row in rows
        ]
        try:
            unit_ids = community.import_units(number, rows[0].floors, rows[0].elevator, units, on)
        except DomainError as error:
            report.problems.append(_located(error, rows))
            return
        # Each unit's owners, or the developer holding it, in the unit's own holding.
        holdings.extend(
            UnitHolding.open(
                community.id, unit_id, owners=unit.owners, developer_held=unit.developer_held
            )
            for unit_id, unit in zip(unit_ids, units, strict=True)
            if unit.owners or unit.developer_held
        )
        building = next(b for b in community.buildings.values() if b.number == number)
        report.buildings_added += existing is None
        report.entrances_added += len(building.entrances) - entrances_before
        report.units_added += len(rows)

    def _known_owners(self, community: Community, plan: RosterPlan) -> dict[tuple[str, str], UUID]:
        """Persons already linked to the community (owners, residents) whom a roster row names
        by the same phone and name: a re-import links them instead of registering them again.
        The phone is matched by its keyed digest (never stored in clear), the name on the
        person loaded; a person of another community is never matched (nor disclosed)."""
        phones = {o.phone for unit in plan.units for o in unit.owners if o.phone}
        if not phones:
            return {}
        linked = estate_read(self, community.id, "communityId", lambda _, e: e.persons())
        known: dict[tuple[str, str], UUID] = {}
        for phone, person_ids in self.sealing.persons_with_phones(phones).items():
            for person_id in person_ids:
                if person_id in linked:
                    person = self.load(Person, person_id, "personId")
                    if not person.erased and person.phone == phone:
                        known[(person.name, phone)] = person_id
        return known

    @staticmethod
    def _person(
        persons: dict[tuple[str, str, str], Person],
        known: dict[tuple[str, str], UUID],
        owner: OwnerRow,
    ) -> UUID:
        if owner.phone and (owner.name, owner.phone) in known:
            return known[(owner.name, owner.phone)]
        person = persons.get(owner.key)
        if person is None:
            person = Person.register(name=owner.name, phone=owner.phone, id_number=owner.id_number)
            persons[owner.key] = person
        return person.id


def _located(error: DomainError, rows: list[UnitPlan]) -> Problem:
    """The problem at the row of the unit a ``units.<i>.<field>`` error names."""
    parts = error.field.split(".")
    if len(parts) >= 3 and parts[0] == "units" and parts[1].isdigit():
        return Problem(rows[int(parts[1])].line, ".".join(parts[2:]), error.message)
    return Problem(rows[0].line, error.field, error.message)
