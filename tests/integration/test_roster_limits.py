"""Roster files are bounded before they are read: an XLSX that would unpack to too much (a
zip bomb) is refused from its archive's directory, and a file of too many rows is refused
at the first row past the cap, each as a ValidationError naming the file's field."""

from __future__ import annotations

import base64
import io
import time
import zipfile
from typing import Any

from openpyxl import Workbook

from gongzhi.infra.tabular import MAX_ROWS
from tests.integration.conftest import Api
from tests.integration.test_graphql_communities import register
from tests.integration.test_graphql_roster import run

SHEET = "xl/worksheets/sheet1.xml"
ROW = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'


def bomb(unpacked_mib: int) -> str:
    """A real workbook whose first sheet is ``unpacked_mib`` MiB of one repeated row, which
    packs to a few hundred kilobytes: base64, as importRoster takes it."""
    book = Workbook()
    plain = io.BytesIO()
    book.save(plain)
    packed = io.BytesIO()
    chunk = ROW * (2**20 // len(ROW))
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            if member.filename != SHEET:
                target.writestr(member, source.read(member))
        with target.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            for _ in range(unpacked_mib):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return base64.b64encode(packed.getvalue()).decode()


def timed(api: Api, community: str, content: str, file_format: str) -> tuple[Any, float]:
    started = time.monotonic()
    answer = run(api, community, content, dry_run=True, file_format=file_format)
    return answer, time.monotonic() - started


def test_a_zip_bomb_is_refused_from_its_directory_before_it_is_unpacked(api: Api) -> None:
    community = register(api)["community"]["id"]
    # An XLSX of under a megabyte that unpacks to 300 MiB
    answer, took = timed(api, community, bomb(300), "XLSX")
    assert answer == {
        "__typename": "ValidationError",
        "field": "input.content",
        "message": "the workbook unpacks to more than 256 MB",
    }
    # One that unpacks to 40 MiB, at a ratio no spreadsheet has
    answer, took = timed(api, community, bomb(40), "XLSX")
    assert answer["__typename"] == "ValidationError"
    assert answer["field"] == "input.content"
    assert "compressed far more than any spreadsheet" in answer["message"]
    # (reading its 800,000 rows would take openpyxl minutes; the directory takes no time)
    assert took < 5, took


def test_a_csv_of_more_rows_than_the_cap_is_refused_naming_the_file(api: Api) -> None:
    community = register(api)["community"]["id"]
    header = "楼栋,层数,电梯,单元,房号,楼层,面积,面积来源\n"
    rows = "".join(f"1栋,30,是,1单元,{i},1,88.50,登记\n" for i in range(MAX_ROWS + 1))
    answer, _ = timed(api, community, header + rows, "CSV")
    assert answer == {
        "__typename": "ValidationError",
        "field": "input.content",
        "message": "the file has more than 50,000 rows; split it into smaller files",
    }


def test_an_xlsx_of_more_rows_than_the_cap_is_refused_too(api: Api) -> None:
    community = register(api)["community"]["id"]
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["楼栋", "层数", "电梯", "单元", "房号", "楼层", "面积", "面积来源"])
    for index in range(MAX_ROWS + 1):
        sheet.append(["1栋", 30, "是", "1单元", str(index), 1, 88.5, "登记"])
    buffer = io.BytesIO()
    book.save(buffer)
    content = base64.b64encode(buffer.getvalue()).decode()
    answer, _ = timed(api, community, content, "XLSX")
    assert answer["__typename"] == "ValidationError", answer
    assert (answer["field"], answer["message"][:29]) == (
        "input.content",
        "the file has more than 50,000",
    )
