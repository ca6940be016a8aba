"""花名册导入 importRoster: a CSV or XLSX roster, checked whole, imported all-or-nothing."""

from __future__ import annotations

import strawberry

from gongzhi.application.base import Done
from gongzhi.application.roster import ImportRoster, RosterDone
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.permissions import Action


@strawberry.type(description="One bad row: its line in the file (1 is the header) and why")
class RowProblem:
    line: int
    field: str
    message: str


# Named ImportRosterPayload here so that its result union keeps the name ImportRosterResult;
# clients know the type as RosterImport.
@strawberry.type(
    name="RosterImport", description="导入结果: what was found, and whether it was imported"
)
class ImportRosterPayload:
    rows: int
    units: int
    buildings_added: int
    entrances_added: int
    units_added: int
    owners_registered: int
    problems: list[RowProblem]
    imported: bool = strawberry.field(description="False for a dry run or when any row is bad")
    position: str


async def roster_reply(_: Context, done: Done, __: ImportRoster) -> ImportRosterPayload:
    assert isinstance(done, RosterDone) and done.report is not None
    report = done.report
    return ImportRosterPayload(
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


RosterMutations = mutations(
    "RosterMutations",
    mutation(ImportRoster, Action.EDIT_OWNERS, reply=roster_reply),
)
