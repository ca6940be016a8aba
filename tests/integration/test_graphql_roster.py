"""Roster import over GraphQL: a dry run reports every bad row; an import is all-or-nothing."""

from __future__ import annotations

import base64
import io
from typing import Any
from uuid import UUID

from openpyxl import Workbook

from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_communities import register

IMPORT = """mutation($input: ImportRosterInput!) { importRoster(input: $input) { __typename
    ... on RosterImport { rows units unitsAdded buildingsAdded entrancesAdded ownersRegistered
        imported problems { line field message } }
    ... on ValidationError { field message } ... on Forbidden { message } } }"""

GOOD = """楼栋,层数,电梯,单元,房号,楼层,面积,面积来源,业主姓名,业主电话,份额
1栋,6,否,1单元,101,1,88.50,登记,张三,13812341234,1/2
1栋,6,否,1单元,101,1,88.50,登记,李四,13912341234,1/2
1栋,6,否,1单元,102,1,70.25,测绘,王五,,
1栋,6,否,2单元,201,2,90,登记,,,
2栋,5,是,1单元,101,1,60,合同,赵六,,
"""

BAD = """building,floors,entrance,unit,floor,area,owner_name,owner_phone,owner_share
1栋,6,1单元,101,1,88.50,张三,13812341234,1/2
1栋,6,1单元,102,9,70,李四,,
1栋,7,1单元,103,1,70,,,
1栋,6,1单元,104,1,0,,,
1栋,6,1单元,105,1,80,钱七,12345,
"""


def run(
    api: Api, community_id: str, content: str, *, dry_run: bool, file_format: str = "CSV"
) -> Any:
    return api.gql(
        IMPORT,
        {
            "input": {
                "communityId": community_id,
                "format": file_format,
                "content": content,
                "dryRun": dry_run,
                "reason": "花名册导入",
            }
        },
    )["importRoster"]


def unit_count(api: Api, community_id: str) -> int:
    data = api.gql(
        "query($id: ID!) { community(id: $id) { ... on Community { unitCount } } }",
        {"id": community_id},
    )
    return int(data["community"]["unitCount"])


def test_a_dry_run_reports_every_bad_row_and_changes_nothing(api: Api) -> None:
    community_id = register(api)["community"]["id"]
    report = run(api, community_id, BAD, dry_run=True)
    assert report["imported"] is False
    assert [(p["line"], p["field"]) for p in report["problems"]] == [
        (2, "owner_share"),
        (3, "floor"),
        (4, "floors"),
        (5, "area"),
        (6, "owner_phone"),
    ]
    assert report["problems"][2]["message"] == "building 1栋 has 6 floors on line 2"
    # Even asked to import for real, a file with bad rows changes nothing
    again = run(api, community_id, BAD, dry_run=False)
    assert again["imported"] is False and again["problems"] == report["problems"]
    assert unit_count(api, community_id) == 0


def test_a_good_file_is_imported_whole_then_refused_as_a_duplicate(api: Api) -> None:
    community_id = register(api)["community"]["id"]
    dry = run(api, community_id, GOOD, dry_run=True)
    assert (dry["imported"], dry["problems"], dry["units"]) == (False, [], 4)
    assert unit_count(api, community_id) == 0

    done = run(api, community_id, GOOD, dry_run=False)
    assert done["imported"] is True
    assert (
        done["unitsAdded"],
        done["buildingsAdded"],
        done["entrancesAdded"],
        done["ownersRegistered"],
    ) == (4, 2, 3, 4)
    assert unit_count(api, community_id) == 4
    owners = api.gql(
        """query($id: ID!) { community(id: $id) { ... on Community { buildings {
        number entrances { number units { number owners { name share } } } } } } }""",
        {"id": community_id},
    )["community"]["buildings"]
    first = owners[0]["entrances"][0]["units"][0]
    assert sorted((o["name"], o["share"]) for o in first["owners"]) == [
        ("张三", "1/2"),
        ("李四", "1/2"),
    ]
    # The same file again would duplicate units: every row is refused, nothing applied
    duplicate = run(api, community_id, GOOD, dry_run=False)
    assert duplicate["imported"] is False
    assert [(p["line"], p["field"]) for p in duplicate["problems"]] == [
        (2, "number"),
        (4, "number"),
        (5, "number"),
        (6, "number"),
    ]  # line 3 co-owns 101
    assert unit_count(api, community_id) == 4


def test_an_xlsx_roster_is_read_too(api: Api) -> None:
    community_id = register(api)["community"]["id"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [line.split(",") for line in GOOD.strip().splitlines()]:
        sheet.append([float(c) if c.replace(".", "").isdigit() and "." in c else c for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    content = base64.b64encode(buffer.getvalue()).decode()
    report = run(api, community_id, content, dry_run=False, file_format="XLSX")
    assert report["imported"] is True and report["unitsAdded"] == 4
    garbage = run(api, community_id, "bm90IGEgd29ya2Jvb2s=", dry_run=True, file_format="XLSX")
    assert garbage == {
        "__typename": "ValidationError",
        "field": "input.content",
        "message": "the file is not an XLSX workbook",
    }


def test_a_committee_member_cannot_import_into_another_community(api: Api) -> None:
    # Given two communities and a committee member of the first
    ours = register(api)["community"]["id"]
    theirs = register(api, name="安宁里")["community"]["id"]
    member = Principal(subject="ywh-1", role=Role.COMMITTEE_MEMBER, community_id=UUID(ours))
    api.settle()
    before = api.platform.app.recorder.max_notification_id()
    # When the member imports a good roster into the other community
    result = api.gql(
        IMPORT,
        {
            "input": {
                "communityId": theirs,
                "format": "CSV",
                "content": GOOD,
                "dryRun": False,
                "reason": "花名册导入",
            }
        },
        as_=member,
    )["importRoster"]
    # Then it is forbidden, and nothing is recorded
    assert result["__typename"] == "Forbidden", result
    assert api.platform.app.recorder.max_notification_id() == before
    assert unit_count(api, theirs) == 0
