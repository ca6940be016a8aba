"""Exports over the API: a link from ``exportLink``, the file from ``GET /exports/<link>``
with the same token; Chinese headers, the query's rows, the query's refusals."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any
from uuid import UUID

import openpyxl

from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.exports.catalogue import ARGUMENT_TYPES, EXPORTS, ExportKind
from tests.integration.conftest import ADMIN, Api
from tests.integration.test_access_matrix import (
    World,
    manage,
    principals,
    world,  # noqa: F401 (the fixture)
)
from tests.integration.test_graphql_communities import register
from tests.integration.test_graphql_contracts import passed_decision
from tests.integration.test_graphql_fees import billed_estate, estate, pay
from tests.integration.test_personal_data import PHONE, owned_unit

LINK = """query($kind: ExportKind!, $format: ExportFormat!, $arguments: ExportArguments!) {
    exportLink(kind: $kind, format: $format, arguments: $arguments) { __typename
    ... on ExportLink { url fileName rows expiresAt }
    ... on ValidationError { field message } ... on NotFound { field message }
    ... on Forbidden { message } } }"""
# The personal-data access log of a person: how many reads, and the newest
ACCESS = """query($p: ID) { personalDataAccess(personId: $p, first: 1) {
    ... on PersonalDataAccessConnection { entries { actor actorRole personId field }
    pageInfo { totalCount } } } }"""
LEDGER_HEADERS = [
    "记账时间",
    "业务日期",
    "房号",
    "房屋编号",
    "类型",
    "金额(元)",
    "账单编号",
    "收款编号",
    "支付渠道",
    "交易流水号",
    "审批人",
]


# An enum's name (PAYMENT, PROFESSIONAL, RESIDENTIAL …) written into a cell.
CODE = re.compile(r"[A-Z][A-Z_]{3,}")


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
    assert [row[2] for row in rows[1:]] == [
        "1栋-1单元-101",
        "1栋-1单元-101",
        "1栋-1单元-201",
        "1栋-1单元-201",
    ]
    # each kind and channel by its Chinese name (domain/labels.py), never the enum's name
    assert [(row[4], row[5]) for row in rows[1:]] == [
        ("缴费", "123.45"),
        ("冲抵账单", "123.45"),
        ("缴费", "1.00"),
        ("冲抵账单", "1.00"),
    ]
    assert rows[1][8] == "微信支付"
    assert rows[1][9] == "wx-export-1"

    answer = link(api, "FEE_LEDGER", "XLSX", committee, communityId=e.community)
    response = download(api, answer["url"], committee)
    assert response.status_code == 200, response.text
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == LEDGER_HEADERS
    assert [row[4] for row in cells[1:]] == ["缴费", "冲抵账单", "缴费", "冲抵账单"]
    assert [row[5] for row in cells[1:]] == [123.45, 123.45, 1, 1]


def test_arrears_and_a_statement_export_the_rows_their_queries_answer(api: Api) -> None:
    e = billed_estate(api)
    arrears = link(api, "ARREARS", "CSV", e.staff, communityId=e.community, asOf="2026-12-01")
    rows = list(csv.reader(io.StringIO(download(api, arrears["url"], e.staff).text)))
    assert rows[0][:2] == ["\ufeff房号", "欠费金额(元)"]
    # each row names its unit by 楼栋-单元-房号 (a community has a 101 in every entrance)
    assert sorted(row[0].rsplit("-", 1)[-1] for row in rows[1:]) == ["101", "201", "301", "401"]
    assert all(row[0].count("-") == 2 for row in rows[1:])
    resident = Principal(subject="owner", role=Role.RESIDENT, unit_ids=(UUID(e.units["101"]),))
    own = link(api, "FEE_STATEMENT", "CSV", resident, unitId=e.units["101"])
    rows = list(csv.reader(io.StringIO(download(api, own["url"], resident).text)))
    assert [row[1] for row in rows[1:]] == ["2026-10"]
    # A resident's statement of a neighbour's unit is refused as feeStatement refuses it
    other = link(api, "FEE_STATEMENT", "CSV", resident, unitId=e.units["201"])
    assert other["__typename"] == "Forbidden"


BILLS = """query($c: ID!, $p: String!) { feeBills(communityId: $c, period: $p, first: 100) {
    ... on BillConnection { bills { unitLabel outstandingFen } } } }"""
REMIND = """mutation($c: ID!, $r: String!) { issueArrearsReminders(input: {communityId: $c,
    round: $r, reason: "催缴"}) { ... on ArrearsRoundPayload { reminders { label owed read } } } }"""


def test_a_periods_bills_and_a_rounds_reminders_export_the_rows_their_queries_answer(
    api: Api,
) -> None:
    # Given October 2026 billed, unpaid past its due date, and a round of reminders issued
    e = billed_estate(api)
    bills = api.gql(BILLS, {"c": e.community, "p": "2026-10"}, as_=e.staff)["feeBills"]["bills"]
    reminders = api.gql(REMIND, {"c": e.community, "r": "R1"}, as_=e.staff)
    reminded = reminders["issueArrearsReminders"]["reminders"]
    assert bills and reminded
    # When the company exports the period's bills and the round's reminders
    answer = link(api, "FEE_BILLS", "CSV", e.staff, communityId=e.community, period="2026-10")
    assert (answer["fileName"], answer["rows"]) == ("账期账单.csv", len(bills)), answer
    rows = list(csv.reader(io.StringIO(download(api, answer["url"], e.staff).text)))
    # Then each is the query's rows, in its order, 元 from fen
    assert rows[0][:3] == ["\ufeff房号", "账期", "应收(元)"]
    assert [(row[0], row[5], row[7]) for row in rows[1:]] == [
        (b["unitLabel"], f"{b['outstandingFen'] / 100:.2f}", "否") for b in bills
    ]
    answer = link(api, "ARREARS_REMINDERS", "CSV", e.staff, communityId=e.community, round="R1")
    rows = list(csv.reader(io.StringIO(download(api, answer["url"], e.staff).text)))
    assert [(row[0], row[1], row[5]) for row in rows[1:]] == [
        (r["label"], f"{r['owed'] / 100:.2f}", "否") for r in reminded
    ]
    # And a round's reminders need the round
    missing = link(api, "ARREARS_REMINDERS", "CSV", e.staff, communityId=e.community)
    assert (missing["__typename"], missing["field"]) == ("ValidationError", "round")


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


def test_the_owner_roster_is_masked_as_persons_masks_it_and_unmasked_reads_are_logged(
    api: Api,
) -> None:
    # Given 张三 and 李四 owning a unit
    community_id, zhang, _ = owned_unit(api)
    before = logged(api, zhang)
    committee = Principal(
        subject="ywh-1", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id)
    )
    # When a committee member exports the roster: phones masked, nothing logged
    masked = link(api, "OWNER_ROSTER", "CSV", committee, communityId=community_id)
    rows = list(csv.DictReader(io.StringIO(download(api, masked["url"], committee).text)))
    assert {row["\ufeff姓名"] for row in rows} == {"张三", "李四"}
    assert all("****" in row["手机号"] for row in rows)
    assert logged(api, zhang) == before
    # When the admin exports it: phones in full, and each recorded as shown to the admin
    full = link(api, "OWNER_ROSTER", "XLSX", ADMIN, communityId=community_id)
    # (the link's check reads the first page as the query would: that read is logged too)
    after_link = logged(api, zhang)
    response = download(api, full["url"], ADMIN)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    phones = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert phones["张三"] == PHONE
    after = logged(api, zhang)
    assert after["pageInfo"]["totalCount"] == after_link["pageInfo"]["totalCount"] + 1
    assert after["entries"][0] == {
        "actor": "admin-1",
        "actorRole": "PLATFORM_ADMIN",
        "personId": zhang,
        "field": "phone",
    }


def logged(api: Api, person: str) -> Any:
    return api.gql(ACCESS, {"p": person})["personalDataAccess"]


def test_every_export_refuses_and_allows_each_role_as_its_query_does(
    api: Api,
    world: World,  # noqa: F811 (the fixture imported above)
) -> None:
    # Given the access matrix's world (two districts, three communities, five roles)
    w = world
    decision = passed_decision(api, w.xingfu, closes=date(2026, 6, 1))
    # (and a community of 红塔区 without management: 无物业)
    unmanaged = register(api, name="城南旧院", district="红塔区")["community"]["id"]
    manage(api, unmanaged, "NONE")
    arguments = {
        "communityId": w.xingfu,
        "unitId": w.unit,
        "decisionId": decision,
        "district": "红塔区",
        "companyId": w.anju,
        "year": 2026,
        "round": "2026-11",
    }
    periods = {
        ExportKind.FEE_BILLS: "2026-10",
        ExportKind.COMMON_INCOME_LEDGER: "2026-10",
        ExportKind.COMMON_INCOME_ALLOCATION: "2026-10",
        ExportKind.CREDIT_RANKING: "2026Q3",
        ExportKind.HEALTH_RANKING: "2026H2",
        ExportKind.HEALTH_COMPONENTS: "2026H2",
        ExportKind.CREDIT_CONTRIBUTIONS: "2026Q3",
        ExportKind.CREDIT_SECTIONS: "2026Q3",
        ExportKind.CREDIT_OBJECTIONS: "2026Q3",
    }
    shown: set[tuple[ExportKind, str]] = set()
    for kind, export in EXPORTS.items():
        given = {name: arguments[name] for name in export.arguments if name in arguments}
        if kind in periods:
            given["period"] = periods[kind]
        variables = {name: given.get(name) for name in ARGUMENT_TYPES if f"${name}" in export.call}
        declared = ", ".join(f"${name}: {ARGUMENT_TYPES[name]}" for name in variables)
        call = export.call.replace(", first: $first, after: $after", "")
        query = f"query({declared}) {{ {export.field}({call}) {{ __typename }} }}"
        # When each role asks for the query and for its export
        for role, who in principals(w).items():
            asked = api.gql(query, variables, as_=who)[export.field]["__typename"]
            answer = link(api, kind.value, "CSV", who, **given)
            # Then the export is refused exactly when its query is, with the same problem
            expected = (
                asked if asked in ("Forbidden", "NotFound", "ValidationError") else "ExportLink"
            )
            assert answer["__typename"] == expected, (kind, role, asked, answer)
            if expected == "ExportLink":
                rows = list(csv.reader(io.StringIO(download(api, answer["url"], who).text)))
                assert len(rows) - 1 == answer["rows"], (kind, role)
                # And no cell shows an enum's name where a reader expects Chinese
                codes = {cell for row in rows[1:] for cell in row if CODE.fullmatch(cell)}
                assert not codes, (kind, codes)
                shown.update((kind, cell) for row in rows[1:] for cell in row)
    # (the world has rows with a management mode, and a tally of 同意 and 反对)
    assert (ExportKind.DISTRICT_STATISTICS, "专业化物业服务") in shown
    assert (ExportKind.DECISION_TALLY, "同意") in shown
    # (城南旧院 is the one without management; no community has a committee yet)
    assert (ExportKind.UNMANAGED_COMMUNITIES, "城南旧院") in shown
    assert (ExportKind.UNMANAGED_COMMUNITIES, "无物业") in shown
    assert (ExportKind.UNMANAGED_COMMUNITIES, "幸福里") not in shown
    assert (ExportKind.COMMITTEE_COVERAGE, "幸福里") in shown
    assert (ExportKind.DECISIONS, "选聘/解聘物业") in shown
