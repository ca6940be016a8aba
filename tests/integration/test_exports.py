"""Exports over the API: a link from ``exportLink``, the file from ``GET /exports/<link>``
with the same token; Chinese headers, the query's rows, the query's refusals."""

from __future__ import annotations

import csv
import io
from typing import Any
from uuid import UUID

import openpyxl

from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import billed_estate, estate, pay

LINK = """query($kind: ExportKind!, $format: ExportFormat!, $arguments: ExportArguments!) {
    exportLink(kind: $kind, format: $format, arguments: $arguments) { __typename
    ... on ExportLink { url fileName rows expiresAt }
    ... on ValidationError { field message } ... on NotFound { field message }
    ... on Forbidden { message } } }"""
LEDGER_HEADERS = [
    "记账时间",
    "业务日期",
    "房屋编号",
    "类型",
    "金额(元)",
    "账单编号",
    "收款编号",
    "支付渠道",
    "交易流水号",
    "审批人",
]


def link(api: Api, kind: str, file_format: str, as_: Principal, **arguments: Any) -> Any:
    variables = {"kind": kind, "format": file_format, "arguments": arguments}
    return api.gql(LINK, variables, as_=as_)["exportLink"]


def download(api: Api, url: str, as_: Principal) -> Any:
    return api.client.get(url, headers={"Authorization": f"Bearer {api.token(as_)}"})


def test_the_fee_ledger_exports_as_csv_and_xlsx_with_chinese_headers(api: Api) -> None:
    e = billed_estate(api)
    pay(api, e, "101", 12345, "wx-export-1")
    pay(api, e, "201", 100, "wx-export-2")
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(e.community))
    answer = link(api, "FEE_LEDGER", "CSV", committee, communityId=e.community)
    assert answer["__typename"] == "ExportLink", answer
    assert (answer["fileName"], answer["rows"]) == ("物业费台账.csv", 4)
    response = download(api, answer["url"], committee)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == LEDGER_HEADERS
    assert [(row[3], row[4]) for row in rows[1:]] == [
        ("PAYMENT", "123.45"),
        ("ALLOCATION", "123.45"),
        ("PAYMENT", "1.00"),
        ("ALLOCATION", "1.00"),
    ]
    assert rows[1][8] == "wx-export-1"

    answer = link(api, "FEE_LEDGER", "XLSX", committee, communityId=e.community)
    response = download(api, answer["url"], committee)
    assert response.status_code == 200, response.text
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == LEDGER_HEADERS
    assert [row[4] for row in cells[1:]] == [123.45, 123.45, 1, 1]


def test_arrears_and_a_statement_export_the_rows_their_queries_answer(api: Api) -> None:
    e = billed_estate(api)
    arrears = link(api, "ARREARS", "CSV", e.staff, communityId=e.community, asOf="2026-12-01")
    rows = list(csv.reader(io.StringIO(download(api, arrears["url"], e.staff).text)))
    assert rows[0][:2] == ["\ufeff房号", "欠费金额(元)"]
    assert sorted(row[0] for row in rows[1:]) == ["101", "201", "301", "401"]
    resident = Principal(subject="owner", role=Role.RESIDENT, unit_ids=(UUID(e.units["101"]),))
    own = link(api, "FEE_STATEMENT", "CSV", resident, unitId=e.units["101"])
    rows = list(csv.reader(io.StringIO(download(api, own["url"], resident).text)))
    assert [row[1] for row in rows[1:]] == ["2026-10"]
    # A resident's statement of a neighbour's unit is refused as feeStatement refuses it
    other = link(api, "FEE_STATEMENT", "CSV", resident, unitId=e.units["201"])
    assert other["__typename"] == "Forbidden"


def test_another_tenants_community_is_refused_with_the_querys_typed_problem(api: Api) -> None:
    ours, theirs = estate(api), estate(api, "乐家物业")
    answer = link(api, "FEE_LEDGER", "XLSX", ours.staff, communityId=theirs.community)
    assert (answer["__typename"], answer["field"]) == ("NotFound", "communityId")
    missing = link(api, "FEE_LEDGER", "CSV", ours.staff)
    assert (missing["__typename"], missing["field"]) == ("ValidationError", "communityId")
    extra = link(api, "FEE_LEDGER", "CSV", ours.staff, communityId=ours.community, period="2026")
    assert (extra["__typename"], extra["field"]) == ("ValidationError", "period")


def test_a_link_opens_only_with_its_own_subjects_token_and_is_checked_again(api: Api) -> None:
    ours, theirs = estate(api), estate(api, "乐家物业")
    answer = link(api, "FEE_LEDGER", "CSV", ours.staff, communityId=ours.community)
    # Without a token, with another subject's token, or forged: nothing
    assert api.client.get(answer["url"]).status_code == 401
    assert download(api, answer["url"], theirs.staff).status_code == 404
    assert download(api, answer["url"] + "x", ours.staff).status_code == 404
    # The same subject whose token no longer reaches the community is refused at download
    moved = Principal(
        subject=ours.staff.subject, role=Role.COMPANY_STAFF, company_id=UUID(theirs.company)
    )
    refused = download(api, answer["url"], moved)
    assert refused.status_code == 404
    assert refused.json()["errors"][0]["extensions"]["code"] == "NotFound"
