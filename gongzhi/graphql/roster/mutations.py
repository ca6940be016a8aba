"""花名册导入 importRoster: a CSV or XLSX roster, checked whole, imported all-or-nothing."""

from __future__ import annotations

import base64
import binascii
import enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from gongzhi.application.roster import RosterReport
from gongzhi.domain.roster import Problem, RosterPlan, header_map, plan_roster
from gongzhi.graphql.context import Context, facts_target, parse_id
from gongzhi.graphql.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Refused,
    ValidationError,
    forbidden,
    invalid,
    problem_from,
)
from gongzhi.graphql.permissions import Action, allowed
from gongzhi.infra.tabular import UnreadableFile, as_dicts, read_table

MAX_FILE_BYTES = 20 * 1024 * 1024


class RosterFormat(enum.Enum):
    CSV = "CSV"
    XLSX = "XLSX"


RosterFormatType = strawberry.enum(RosterFormat, name="RosterFormat")


@strawberry.type(description="One bad row: its line in the file (1 is the header) and why")
class RowProblem:
    line: int
    field: str
    message: str


@strawberry.type(description="导入结果: what was found, and whether it was imported")
class RosterImport:
    rows: int
    units: int
    buildings_added: int
    entrances_added: int
    units_added: int
    owners_registered: int
    problems: list[RowProblem]
    imported: bool = strawberry.field(description="False for a dry run or when any row is bad")
    position: str


@strawberry.input(description="CSV as text, or XLSX as base64; headers in English or Chinese")
class ImportRosterInput:
    community_id: strawberry.ID
    format: RosterFormatType  # type: ignore[valid-type]
    content: str
    reason: str
    dry_run: bool = True


ImportRosterResult = Annotated[
    RosterImport | ValidationError | NotFound | Conflict | Forbidden,
    strawberry.union("ImportRosterResult"),
]


def plan_file(content: bytes, file_format: str) -> tuple[RosterPlan, int]:
    """The checked plan of a roster file and its number of data rows."""
    try:
        header, rows = read_table(content, file_format)
    except UnreadableFile as error:
        raise Refused(invalid("input.content", str(error))) from None
    positions, missing = header_map(header)
    if missing:
        return RosterPlan([], missing), len(rows)
    return plan_roster(as_dicts(header, rows, positions)), len(rows)


def _content(input: ImportRosterInput) -> bytes:
    if RosterFormat(input.format) is RosterFormat.CSV:
        data = input.content.encode()
    else:
        try:
            data = base64.b64decode(input.content, validate=True)
        except (binascii.Error, ValueError):
            raise Refused(invalid("input.content", "an XLSX file must be sent as base64")) from None
    if len(data) > MAX_FILE_BYTES:
        raise Refused(invalid("input.content", "the file is larger than 20 MB"))
    return data


def _report(report: RosterReport) -> RosterImport:
    return RosterImport(
        rows=report.rows,
        units=report.units,
        buildings_added=report.buildings_added,
        entrances_added=report.entrances_added,
        units_added=report.units_added,
        owners_registered=report.owners_registered,
        problems=[
            RowProblem(line=p.line, field=p.field, message=p.message) for p in report.problems
        ],
        imported=report.imported,
        position=str(report.position),
    )


@strawberry.type
class RosterMutations:
    @strawberry.mutation(
        description="花名册导入: dry run by default; imports only if every row is good"
    )
    async def import_roster(
        self, info: Info[Context, None], input: ImportRosterInput
    ) -> ImportRosterResult:
        context = info.context
        try:
            if not input.reason.strip():
                raise Refused(invalid("input.reason", "must say why the change is made"))
            community_id = parse_id(input.community_id, "communityId")
            facts = await context.in_thread(lambda: context.app.community_facts(community_id))
            target = facts_target(facts)
            if not allowed(context.principal, Action.EDIT_OWNERS, target):
                return forbidden(Action.EDIT_OWNERS.value)
            plan, rows = plan_file(_content(input), RosterFormat(input.format).value)
            meta = context.meta(input.reason)
            report = await context.in_thread(
                lambda: context.app.import_roster(
                    meta, community_id, plan, rows=rows, dry_run=input.dry_run
                )
            )
        except Exception as error:
            problem = problem_from(error)
            if problem is None:
                raise
            return problem  # type: ignore[return-value]
        if report.imported:
            await context.services.watch.wait(
                report.position, context.services.read_your_writes_timeout
            )
        return _report(report)


__all__ = ["Problem", "RosterMutations", "plan_file"]
