"""装表清单 (importMeters, issue 16 §4) over GraphQL on real PostgreSQL: a sheet of unit and
common meters installed at once, checked whole, idempotent on a resend."""

from __future__ import annotations

import base64
import io
from typing import Any

from openpyxl import Workbook

from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import PROBLEMS, Estate, estate

HEADER = "表号,类型,楼栋,单元,房号,倍率,初始读数,安装日期,公共表\n"
SHEET = HEADER + (
    "C-1,水,1栋,,,10,0,2026-10-01,\n"
    "W-101,水表,1栋,1单元,101,,100,2026-10-01,C-1\n"
    "W-201,WATER,1栋,1单元,201,1,0,2026-10,C-1\n"
    "E-301,电,1栋,1单元,301,2.5,12.5,2026/10/15,\n"
    "C-E,电表,,,,1,0,2026-10-01,\n"
)


def import_meters(api: Api, e: Estate, content: str, file_format: str = "CSV") -> Any:
    query = f"""mutation($input: ImportMetersInput!) {{ importMeters(input: $input) {{
        __typename ... on MeterBookPayload {{ book {{ id }} installed {{ rows installed }} }}
        {PROBLEMS} }} }}"""
    values = {"communityId": e.community, "format": file_format, "content": content}
    return api.gql(query, {"input": {"reason": "装表", **values}}, as_=e.staff)["importMeters"]


def meters_of(api: Api, e: Estate) -> dict[str, tuple[Any, ...]]:
    answer = api.gql(
        """query($c: ID!) { meters(communityId: $c, first: 100) { __typename
        ... on MeterConnection { meters { number kind unitId multiplier initialReading
        installedIn servedUnits } } } }""",
        {"c": e.community},
        as_=e.staff,
    )["meters"]
    return {
        m["number"]: (
            m["kind"],
            m["unitId"],
            m["multiplier"],
            m["initialReading"],
            m["installedIn"],
            m["servedUnits"],
        )
        for m in answer["meters"]
    }


def test_a_sheet_of_meters_is_installed_whole_and_once(api: Api) -> None:
    # Given 幸福里's four units and no meters
    e = estate(api)
    # When the sheet is imported
    done = import_meters(api, e, SHEET)
    # Then every meter is installed as its row says: the common water meter serves the unit
    # meters naming it, the common electricity meter (naming no 楼栋) the whole community
    assert done["__typename"] == "MeterBookPayload", done
    assert done["installed"] == {"rows": 5, "installed": 5}
    u = e.units
    assert meters_of(api, e) == {
        "C-1": ("WATER", None, "10.00", "0.00", "2026-10", 2),
        "W-101": ("WATER", u["101"], "1.00", "100.00", "2026-10", 0),
        "W-201": ("WATER", u["201"], "1.00", "0.00", "2026-10", 0),
        "E-301": ("ELECTRICITY", u["301"], "2.50", "12.50", "2026-10", 0),
        "C-E": ("ELECTRICITY", None, "1.00", "0.00", "2026-10", 4),
    }
    # and the book's history holds the sheet as one change, with its actor and reason
    history = api.gql(
        """query($id: ID!) { history(id: $id) { ... on HistoryConnection {
        entries { eventType actor reason } } } }""",
        {"id": done["book"]["id"]},
        as_=e.staff,
    )["history"]["entries"]
    assert [h for h in history if h["eventType"] == "InstalledFromSheet"] == [
        {"eventType": "InstalledFromSheet", "actor": "staff-1", "reason": "装表"}
    ]
    # When the same sheet is sent again, as XLSX: nothing is installed twice
    again = import_meters(api, e, xlsx(SHEET), "XLSX")
    assert again["installed"] == {"rows": 5, "installed": 0}, again
    # and a sheet adding one meter beside those installed installs that one only
    more = import_meters(api, e, SHEET + "W-401,水,1栋,1单元,401,,,2026-11-01,C-1\n")
    assert more["__typename"] == "ValidationError", more  # C-1 would serve three units now
    assert more["message"] == (
        "row 2, 表号: a meter numbered C-1 is installed already, with other data"
    )
    added = import_meters(api, e, HEADER + "W-401,水,1栋,1单元,401,,,2026-11-01,\n")
    assert added["installed"] == {"rows": 1, "installed": 1}, added
    assert len(meters_of(api, e)) == 6


def test_a_bad_row_is_named_and_nothing_is_installed(api: Api) -> None:
    e = estate(api)
    cases = {
        "W-9,水,1栋,1单元,909,,,2026-10-01,\n": "row 3, 房号: no unit 1栋-1单元-909 in this community",
        "W-9,蒸汽,1栋,1单元,101,,,2026-10-01,\n": "row 3, 类型: '蒸汽' is not 水, 电, 燃气 or 热",
        "W-9,水,1栋,1单元,101,0.5,,2026-10-01,\n": "row 3, 倍率: must be between 1 and 10000",
        "W-9,水,1栋,1单元,101,,-1,2026-10-01,\n": "row 3, 初始读数: must be between 0 and 99999999.99",
        "W-9,水,1栋,1单元,101,,abc,2026-10-01,\n": "row 3, 初始读数: 'abc' is not a number",
        "W-9,水,1栋,1单元,101,,,十月,\n": (
            "row 3, 安装日期: '十月': must be a day such as 2026-10-15 or a month"
        ),
        "W-9,水,1栋,1单元,101,,,2026-10-01,C-9\n": "row 3, 公共表: C-9 is not a common meter of this file",
        "W-9,电,1栋,1单元,101,,,2026-10-01,C-1\n": "row 3, 公共表: C-1 is a WATER meter, not ELECTRICITY",
        "W-9,水,1栋,,101,,,2026-10-01,\n": "row 3, 单元: a unit's meter names its 楼栋, 单元 and 房号",
        "C-1,水,,,,,,2026-10-01,\n": "row 3, 表号: C-1 is on row 2 too",
        "C-2,水,9栋,,,,,2026-10-01,\n": "row 3, 楼栋: no 楼栋/单元 9栋 with units here",
    }
    for row, message in cases.items():
        refused = import_meters(api, e, HEADER + "C-1,水,,,,,,2026-10-01,\n" + row)
        assert refused["__typename"] == "ValidationError", (row, refused)
        assert (refused["field"], refused["message"]) == ("input.content", message), row
    missing = import_meters(api, e, "表号,楼栋,单元,房号,安装日期\nW-1,1栋,1单元,101,2026-10\n")
    assert missing["message"] == "the file has no 类型 column (类型 / 表类型 / kind)"
    unreadable = import_meters(api, e, "x" * 200_000)  # one cell past the csv module's limit
    assert unreadable["message"].startswith("the CSV file cannot be read"), unreadable
    # Nothing was installed by any of them
    assert meters_of(api, e) == {}


def xlsx(csv_text: str) -> str:
    """The CSV's cells as a workbook's first sheet, base64 (as a client sends it)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for line in csv_text.strip().split("\n"):
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()
