"""强社惠民公司 over GraphQL: registration and links, pilots, business lines, the reversing
ledger, 反哺 capped by the surplus, district figures checked by hand, access and history."""

from __future__ import annotations

import random
from typing import Any
from uuid import UUID

from gongzhi.application.base import business_today
from gongzhi.demo import credit_code, load_demo
from gongzhi.domain.community_company import CommunityCompany
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_communities import (
    ADD_UNIT,
    building_with_entrance,
    register,
)

COMPANY_FIELDS = """
    id name creditCode district registeredOn version pilot
    owner { name creditCode }
    pilotDesignations { id designatedOn authority revokedOn grounds }
    communities { communityId communityName district linkedOn unlinkedOn }
    businessLines { line openedOn closedOn }
    years { year revenueFen costFen surplusFen reinvestedFen availableFen reinvestedShare }
"""
RESULT = f"""
    __typename
    ... on CommunityCompanyPayload {{ partId company {{ {COMPANY_FIELDS} }} }}
    ... on ValidationError {{ field message }}
    ... on NotFound {{ field message }}
    ... on Conflict {{ message }}
    ... on Forbidden {{ message }}
"""
HONGTA = Principal(subject="reg-ht", role=Role.REGULATOR, districts=("红塔区",))
JIANGCHUAN = Principal(subject="reg-jc", role=Role.REGULATOR, districts=("江川区",))
CITY = Principal(subject="reg-city", role=Role.REGULATOR, districts=("红塔区", "江川区"))


def code(seed: str) -> str:
    return credit_code(random.Random(seed))


def mutate(
    api: Api, name: str, input_type: str, data: dict[str, Any], as_: Principal = HONGTA
) -> dict[str, Any]:
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {RESULT} }} }}"
    result: dict[str, Any] = api.gql(query, {"input": data}, as_=as_)[name]
    return result


def register_company(
    api: Api, community: str, seed: str, as_: Principal = HONGTA, **overrides: Any
) -> dict[str, Any]:
    data = {
        "name": f"{seed}强社惠民有限公司",
        "creditCode": code(seed),
        "ownerName": f"{seed}股份经济合作社",
        "ownerCreditCode": code(f"owner-{seed}"),
        "communityId": community,
        "registeredOn": "2024-06-01",
        "reason": "强社惠民公司登记",
        **overrides,
    }
    return mutate(api, "registerCommunityCompany", "RegisterCommunityCompanyInput", data, as_)


def open_line(
    api: Api, company: str, line: str, on: str = "2024-07-01", as_: Principal = HONGTA
) -> dict[str, Any]:
    data = {"companyId": company, "line": line, "on": on, "reason": "开业"}
    return mutate(api, "openCommunityBusinessLine", "BusinessLineInput", data, as_)


def entry(
    api: Api,
    company: str,
    line: str,
    kind: str,
    amount_fen: int,
    on: str = "2025-03-15",
    as_: Principal = HONGTA,
) -> dict[str, Any]:
    data = {
        "companyId": company,
        "line": line,
        "kind": kind,
        "amountFen": amount_fen,
        "on": on,
        "note": "月度台账",
        "reason": "代记台账",
    }
    return mutate(
        api, "recordCommunityBusinessEntry", "RecordCommunityBusinessEntryInput", data, as_
    )


def allocate(
    api: Api, company: str, amount_fen: int, year: int = 2025, as_: Principal = HONGTA, **more: Any
) -> dict[str, Any]:
    data = {
        "companyId": company,
        "year": year,
        "service": "老年食堂补贴",
        "beneficiaryCount": 120,
        "beneficiaries": "70岁以上老人",
        "amountFen": amount_fen,
        "allocatedOn": "2025-12-20",
        "reason": "反哺",
        **more,
    }
    return mutate(api, "allocateReinvestment", "AllocateReinvestmentInput", data, as_)


def year_of(payload: dict[str, Any], year: int) -> dict[str, Any]:
    return next(y for y in payload["company"]["years"] if y["year"] == year)


def community(api: Api, name: str, district: str = "红塔区") -> str:
    return str(register(api, name=name, district=district)["community"]["id"])


def test_a_regulator_registers_a_company_in_its_first_communitys_district(api: Api) -> None:
    # Given a community of 红塔区
    xingfu = community(api, "幸福里")

    # When its regulator registers the community company
    result = register_company(api, xingfu, "幸福")

    # Then it is registered there, owned by the collective, linked from the registration day
    assert result["__typename"] == "CommunityCompanyPayload", result
    company = result["company"]
    assert company["district"] == "红塔区"
    assert company["owner"] == {"name": "幸福股份经济合作社", "creditCode": code("owner-幸福")}
    assert company["communities"] == [
        {
            "communityId": xingfu,
            "communityName": "幸福里",
            "district": "红塔区",
            "linkedOn": "2024-06-01",
            "unlinkedOn": None,
        }
    ]
    assert company["pilot"] is False
    # And its history says who registered it and why
    history = api.gql(
        """query($id: ID!) { history(id: $id) { ... on HistoryConnection {
        entries { eventType actor reason } } } }""",
        {"id": company["id"]},
        as_=HONGTA,
    )["history"]["entries"]
    assert [(e["eventType"], e["actor"], e["reason"]) for e in history] == [
        ("Registered", "reg-ht", "强社惠民公司登记"),
        ("CommunityLinked", "reg-ht", "强社惠民公司登记"),
    ]


def test_registration_refuses_bad_input_with_typed_errors(api: Api) -> None:
    # Given a community and a company already registered
    xingfu = community(api, "幸福里")
    register_company(api, xingfu, "幸福")
    bad_code = code("x")[:17] + ("0" if code("x")[17] != "0" else "1")

    # When registering with an unknown community, bad codes, the owner's code = the company's
    # or the same credit code again; then each answer is typed and names the field
    unknown = register_company(api, str(UUID(int=7)), "未知")
    assert (unknown["__typename"], unknown["field"]) == ("NotFound", "input.communityId")
    wrong = register_company(api, xingfu, "错码", creditCode=bad_code)
    assert (wrong["__typename"], wrong["field"]) == ("ValidationError", "input.creditCode")
    own = register_company(api, xingfu, "自有", ownerCreditCode=code("自有"))
    assert (own["__typename"], own["field"]) == ("ValidationError", "input.ownerCreditCode")
    assert register_company(api, xingfu, "幸福")["__typename"] == "Conflict"
    no_reason = register_company(api, xingfu, "无因", reason=" ")
    assert (no_reason["__typename"], no_reason["field"]) == ("ValidationError", "input.reason")


def test_a_regulator_of_another_district_may_not_register_or_record(api: Api) -> None:
    # Given a company of 红塔区
    xingfu = community(api, "幸福里")
    company = register_company(api, xingfu, "幸福")["company"]["id"]

    # When the 江川区 regulator registers in 红塔区 or opens a line for the company
    # Then both are Forbidden, and nothing was recorded
    assert register_company(api, xingfu, "越权", as_=JIANGCHUAN)["__typename"] == "Forbidden"
    assert open_line(api, company, "CANTEEN", as_=JIANGCHUAN)["__typename"] == "Forbidden"
    assert open_line(api, company, "CANTEEN")["company"]["version"] == 3


def test_links_are_dated_and_a_cross_district_link_needs_both_districts(api: Api) -> None:
    # Given a company of 红塔区 and communities in 红塔区 and 江川区
    xingfu, heping = community(api, "幸福里"), community(api, "和平苑")
    xiangyang = community(api, "向阳新村", "江川区")
    company = register_company(api, xingfu, "幸福")["company"]["id"]
    link = lambda target, on, as_=HONGTA, name="linkCommunityCompany": mutate(
        api,
        name,
        "CommunityCompanyLinkInput",
        {"companyId": company, "communityId": target, "on": on, "reason": "服务范围"},
        as_,
    )

    # When 和平苑 is linked and later unlinked
    assert link(heping, "2024-09-01")["__typename"] == "CommunityCompanyPayload"
    unlinked = link(heping, "2025-07-01", name="unlinkCommunityCompany")
    periods = {
        c["communityName"]: (c["linkedOn"], c["unlinkedOn"])
        for c in unlinked["company"]["communities"]
    }
    # Then both dates are kept
    assert periods == {"幸福里": ("2024-06-01", None), "和平苑": ("2024-09-01", "2025-07-01")}
    # And unlinking again, linking twice, or an unknown community are typed errors
    again = link(heping, "2025-08-01", name="unlinkCommunityCompany")
    assert (again["__typename"], again["field"]) == ("ValidationError", "input.communityId")
    twice = link(xingfu, "2025-01-01")
    assert (twice["__typename"], twice["field"]) == ("ValidationError", "input.communityId")
    unknown = link(str(UUID(int=9)), "2025-01-01")
    assert (unknown["__typename"], unknown["field"]) == ("NotFound", "input.communityId")
    # When the 红塔区 regulator links a 江川区 community, it is Forbidden; a city regulator may
    assert link(xiangyang, "2025-01-01")["__typename"] == "Forbidden"
    assert link(xiangyang, "2025-01-01", CITY)["__typename"] == "CommunityCompanyPayload"


def test_a_pilot_is_designated_with_its_authority_and_can_be_revoked(api: Api) -> None:
    # Given a company
    company = register_company(api, community(api, "幸福里"), "幸福")["company"]["id"]
    designate = lambda on: mutate(
        api,
        "designateCommunityCompanyPilot",
        "DesignateCommunityCompanyPilotInput",
        {"companyId": company, "designatedOn": on, "authority": "区农业农村局", "reason": "试点"},
    )
    revoke = lambda on: mutate(
        api,
        "revokeCommunityCompanyPilot",
        "RevokeCommunityCompanyPilotInput",
        {"companyId": company, "revokedOn": on, "grounds": "未达标", "reason": "撤销试点"},
    )

    # When it is designated, then it is a pilot today; designating again is refused
    assert designate("2024-08-01")["company"]["pilot"] is True
    assert designate("2024-09-01")["__typename"] == "ValidationError"
    # When revoking before the designation, it is refused; revoking later, it ends
    assert revoke("2024-07-01")["field"] == "input.revokedOn"
    revoked = revoke("2025-06-01")["company"]
    assert revoked["pilot"] is False
    assert revoked["pilotDesignations"][0]["revokedOn"] == "2025-06-01"
    assert revoked["pilotDesignations"][0]["authority"] == "区农业农村局"
    assert revoke("2025-07-01")["__typename"] == "ValidationError"


def test_entries_need_an_open_line_a_positive_amount_and_a_past_day(api: Api) -> None:
    # Given a company whose canteen opened and closed, and whose childcare never opened
    company = register_company(api, community(api, "幸福里"), "幸福")["company"]["id"]
    open_line(api, company, "CANTEEN", "2024-07-01")
    closed = mutate(
        api,
        "closeCommunityBusinessLine",
        "BusinessLineInput",
        {"companyId": company, "line": "CANTEEN", "on": "2025-06-30", "reason": "停业"},
    )
    assert closed["company"]["businessLines"] == [
        {"line": "CANTEEN", "openedOn": "2024-07-01", "closedOn": "2025-06-30"}
    ]

    # When entries are recorded on a closed line, an unopened one, with a negative or zero
    # amount, or dated in the future; then each is a ValidationError naming the field
    after_close = entry(api, company, "CANTEEN", "REVENUE", 100, "2025-07-01")
    assert (after_close["field"], "not open on 2025-07-01" in after_close["message"]) == (
        "input.line",
        True,
    )
    assert entry(api, company, "CHILDCARE", "REVENUE", 100)["field"] == "input.line"
    assert entry(api, company, "CANTEEN", "COST", -5)["field"] == "input.amountFen"
    assert entry(api, company, "CANTEEN", "COST", 0)["field"] == "input.amountFen"
    assert entry(api, company, "CANTEEN", "COST", 5, "2099-01-01")["field"] == "input.on"
    # And on a day it was open, the entry is recorded
    assert entry(api, company, "CANTEEN", "REVENUE", 100, "2025-06-30")["partId"]


def test_corrections_are_reversing_entries_and_the_ledger_keeps_every_one(api: Api) -> None:
    # Given a canteen with revenue of 5,000.00 元 entered as 500.00 元 by mistake, and a cost
    company = register_company(api, community(api, "幸福里"), "幸福")["company"]["id"]
    open_line(api, company, "CANTEEN")
    wrong = entry(api, company, "CANTEEN", "REVENUE", 50_000, "2025-03-15")["partId"]
    entry(api, company, "CANTEEN", "COST", 120_000, "2025-03-20")

    # When it is corrected on 2026-01-10 (posted in 2026, counted in 2025)
    corrected = mutate(
        api,
        "reverseCommunityBusinessEntry",
        "ReverseCommunityBusinessEntryInput",
        {
            "companyId": company,
            "entryId": wrong,
            "on": "2026-01-10",
            "amountFen": 500_000,
            "note": "金额录错",
            "reason": "更正",
        },
    )

    # Then 2025 shows the corrected figures
    figures = year_of(corrected, 2025)
    assert (figures["revenueFen"], figures["costFen"], figures["surplusFen"]) == (
        "500000",
        "120000",
        "380000",
    )
    # And the ledger lists all four entries in order: nothing was overwritten
    ledger = api.gql(
        """query($id: ID!) { communityCompanyLedger(companyId: $id, first: 3) {
        ... on LedgerEntryConnection { edges { node { id kind amountFen entryDate year
        reversesId reversedById } } pageInfo { hasNextPage endCursor } } } }""",
        {"id": company},
    )["communityCompanyLedger"]
    rows = [e["node"] for e in ledger["edges"]]
    assert [(r["kind"], r["amountFen"], r["year"]) for r in rows] == [
        ("REVENUE", 50_000, 2025),
        ("COST", 120_000, 2025),
        ("REVENUE", -50_000, 2025),
    ]
    assert rows[0]["reversedById"] == rows[2]["id"]
    assert rows[2]["reversesId"] == wrong
    rest = api.gql(
        """query($id: ID!, $after: String) { communityCompanyLedger(companyId: $id,
        after: $after) { ... on LedgerEntryConnection { edges { node { id amountFen } }
        pageInfo { hasNextPage } } } }""",
        {"id": company, "after": ledger["pageInfo"]["endCursor"]},
    )["communityCompanyLedger"]
    assert [e["node"]["amountFen"] for e in rest["edges"]] == [500_000]
    assert rest["edges"][0]["node"]["id"] == corrected["partId"]
    # And reversing the reversed entry again, or the reversal itself, is refused
    for target in (wrong, rows[2]["id"]):
        again = mutate(
            api,
            "reverseCommunityBusinessEntry",
            "ReverseCommunityBusinessEntryInput",
            {"companyId": company, "entryId": target, "on": "2026-01-11", "reason": "冲销"},
        )
        assert (again["__typename"], again["field"]) == ("ValidationError", "input.entryId")


def test_reinvestment_is_capped_by_the_years_surplus_and_its_share_is_exact(api: Api) -> None:
    # Given 2025: revenue 90,000.00 元, cost 30,000.00 元 → surplus 60,000.00 元
    company = register_company(api, community(api, "幸福里"), "幸福")["company"]["id"]
    open_line(api, company, "PARKING")
    entry(api, company, "PARKING", "REVENUE", 9_000_000)
    entry(api, company, "PARKING", "COST", 3_000_000)

    # When 20,000.00 元 goes to the elderly canteen subsidy
    first = allocate(api, company, 2_000_000)
    # Then a third of the surplus is reinvested, exactly to six places
    figures = year_of(first, 2025)
    assert (figures["reinvestedFen"], figures["availableFen"], figures["reinvestedShare"]) == (
        "2000000",
        "4000000",
        "0.333333",
    )
    # When 40,000.01 元 more is asked for, it is refused: only 40,000.00 元 is left
    over = allocate(api, company, 4_000_001, service="公共设施维修")
    assert (over["__typename"], over["field"]) == ("ValidationError", "input.amountFen")
    assert "40000.00 元" in over["message"]
    # And no beneficiaries, a year before registration, or a negative amount are refused
    assert allocate(api, company, 1, beneficiaryCount=None, beneficiaries="")["field"] == (
        "input.beneficiaryCount"
    )
    assert allocate(api, company, 1, year=2023)["field"] == "input.year"
    assert allocate(api, company, -1)["field"] == "input.amountFen"
    # When the first allocation is reversed, the whole surplus is available again
    reversed_ = mutate(
        api,
        "reverseReinvestment",
        "ReverseReinvestmentInput",
        {
            "companyId": company,
            "allocationId": first["partId"],
            "on": "2025-12-28",
            "reason": "撤回",
        },
    )
    assert year_of(reversed_, 2025)["availableFen"] == "6000000"
    assert allocate(api, company, 6_000_000)["__typename"] == "CommunityCompanyPayload"


def test_district_figures_match_the_hand_computed_ones(api: Api) -> None:
    # Given, in 2025: 红塔区 companies A (pilot, 350,000 元), B (pilot, exactly 300,000 元),
    # C (120,000 元); and D registered in 江川区 but also linked to a 红塔区 community
    # (400,000 元): D counts in both districts. A 2024 entry of A does not count.
    ht = [community(api, f"红塔{n}号") for n in range(4)]
    jc = community(api, "江川1号", "江川区")
    companies = {
        "A": register_company(api, ht[0], "A")["company"]["id"],
        "B": register_company(api, ht[1], "B")["company"]["id"],
        "C": register_company(api, ht[2], "C")["company"]["id"],
        "D": register_company(api, jc, "D", as_=CITY)["company"]["id"],
    }
    mutate(
        api,
        "linkCommunityCompany",
        "CommunityCompanyLinkInput",
        {"companyId": companies["D"], "communityId": ht[3], "on": "2025-02-01", "reason": "跨区"},
        CITY,
    )
    income = {"A": 35_000_000, "B": 30_000_000, "C": 12_000_000, "D": 40_000_000}
    costs = {"A": 20_000_000, "B": 25_000_000, "C": 2_000_000, "D": 10_000_000}
    reinvest = {"A": 3_000_000, "B": 1_000_000, "C": 0, "D": 6_000_000}
    for key, company in companies.items():
        open_line(api, company, "CANTEEN", as_=CITY)
        entry(api, company, "CANTEEN", "REVENUE", income[key], as_=CITY)
        entry(api, company, "CANTEEN", "COST", costs[key], as_=CITY)
        if reinvest[key]:
            allocate(api, company, reinvest[key], as_=CITY)
        if key in {"A", "B"}:
            mutate(
                api,
                "designateCommunityCompanyPilot",
                "DesignateCommunityCompanyPilotInput",
                {
                    "companyId": company,
                    "designatedOn": "2024-12-01",
                    "authority": "市农业农村局",
                    "reason": "试点",
                },
            )
    entry(api, companies["A"], "CANTEEN", "REVENUE", 99_000_000, "2024-12-31")

    stats = """query($d: String!) { communityCompanyStatistics(district: $d, year: 2025) {
        __typename ... on CommunityCompanyStatistics { companyCount pilotCount
        companiesAtOrAboveThreshold incomeThresholdFen totals { revenueFen costFen surplusFen
        reinvestedFen reinvestedShare } } } }"""
    hongta = api.gql(stats, {"d": "红塔区"})["communityCompanyStatistics"]
    # Then 红塔区: A, B, C, D; pilots A, B; ≥ 300,000 元: A, B (exactly), D
    assert (hongta["companyCount"], hongta["pilotCount"]) == (4, 2)
    assert hongta["companiesAtOrAboveThreshold"] == 3
    assert hongta["incomeThresholdFen"] == "30000000"
    # revenue 350+300+120+400 = 1,170 thousand 元; cost 200+250+20+100 = 570; surplus 600;
    # reinvested 30+10+60 = 100 → share 100/600 = 0.166667
    assert hongta["totals"] == {
        "revenueFen": "117000000",
        "costFen": "57000000",
        "surplusFen": "60000000",
        "reinvestedFen": "10000000",
        "reinvestedShare": "0.166667",
    }
    # And 江川区: D only
    jiangchuan = api.gql(stats, {"d": "江川区"})["communityCompanyStatistics"]
    assert (jiangchuan["companyCount"], jiangchuan["companiesAtOrAboveThreshold"]) == (1, 1)
    assert jiangchuan["totals"]["reinvestedShare"] == "0.200000"
    # And the 江川区 regulator may not read 红塔区's figures
    denied = api.gql(stats, {"d": "红塔区"}, as_=JIANGCHUAN)["communityCompanyStatistics"]
    assert denied["__typename"] == "Forbidden"

    # When the district's list is paged two at a time, it is by name, with each one's figures
    page = """query($after: String) { communityCompanies(district: "红塔区", year: 2025,
        first: 2, after: $after) { ... on CommunityCompanyFiguresConnection { edges { node {
        name pilot figures { revenueFen } } } pageInfo { hasNextPage endCursor } } } }"""
    first = api.gql(page, {"after": None})["communityCompanies"]
    second = api.gql(page, {"after": first["pageInfo"]["endCursor"]})["communityCompanies"]
    names = [e["node"]["name"][0] for e in first["edges"] + second["edges"]]
    assert names == ["A", "B", "C", "D"]
    assert (first["pageInfo"]["hasNextPage"], second["pageInfo"]["hasNextPage"]) == (True, False)
    assert [e["node"]["figures"]["revenueFen"] for e in second["edges"]] == [
        "12000000",
        "40000000",
    ]


def test_committees_audit_linked_companies_and_residents_see_funded_services(api: Api) -> None:
    # Given a company linked to 幸福里 with one allocation and one reversed allocation,
    # a resident of 幸福里, and committees of 幸福里 and of 和平苑 (not linked)
    xingfu, heping = community(api, "幸福里"), community(api, "和平苑")
    _, entrance = building_with_entrance(api, xingfu)
    unit = api.gql(
        ADD_UNIT,
        {
            "input": {
                "communityId": xingfu,
                "entranceId": entrance,
                "number": "101",
                "floor": 1,
                "area": "80.00",
                "areaSource": "REGISTER",
                "reason": "入册",
            }
        },
    )["addUnit"]["partId"]
    company = register_company(api, xingfu, "幸福")["company"]["id"]
    open_line(api, company, "CHILDCARE")
    entry(api, company, "CHILDCARE", "REVENUE", 1_000_000)
    allocate(api, company, 300_000, service="托育补贴", beneficiaryCount=25)
    withdrawn = allocate(api, company, 100_000, service="公共设施维修")["partId"]
    mutate(
        api,
        "reverseReinvestment",
        "ReverseReinvestmentInput",
        {"companyId": company, "allocationId": withdrawn, "on": "2025-12-21", "reason": "撤回"},
    )
    resident = Principal(subject="owner", role=Role.RESIDENT, unit_ids=(UUID(unit),))
    ours = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(xingfu))
    theirs = Principal(subject="ywh2", role=Role.COMMITTEE_MEMBER, community_id=UUID(heping))
    read = """query($id: ID!) { communityCompany(id: $id) { __typename } }"""

    # Then 幸福里's committee reads the company; 和平苑's and the resident do not see it
    assert api.gql(read, {"id": company}, as_=ours)["communityCompany"]["__typename"] == (
        "CommunityCompany"
    )
    for who in (theirs, resident):
        assert api.gql(read, {"id": company}, as_=who)["communityCompany"]["__typename"] == (
            "NotFound"
        )
    # And the resident sees the public services funded, without the reversed one
    summary = api.gql(
        """query($id: ID!) { communityReinvestment(communityId: $id, year: 2025) {
        __typename ... on CommunityReinvestmentSummary { totalFen companies { companyName
        reinvestedFen services { service beneficiaryCount amountFen } } } } }""",
        {"id": xingfu},
        as_=resident,
    )["communityReinvestment"]
    assert summary["totalFen"] == "300000"
    assert summary["companies"] == [
        {
            "companyName": "幸福强社惠民有限公司",
            "reinvestedFen": "300000",
            "services": [{"service": "托育补贴", "beneficiaryCount": 25, "amountFen": 300_000}],
        }
    ]
    # And the committee audits every allocation, the reversal included
    allocations = api.gql(
        """query($id: ID!) { reinvestmentAllocations(companyId: $id, year: 2025) {
        ... on ReinvestmentList { allocations { service amountFen reversesId } } } }""",
        {"id": company},
        as_=ours,
    )["reinvestmentAllocations"]["allocations"]
    assert [a["amountFen"] for a in allocations] == [300_000, 100_000, -100_000]
    assert allocations[2]["reversesId"] == withdrawn


def test_another_communitys_company_or_reinvestment_asked_for_by_id_is_not_found(
    api: Api,
) -> None:
    # Given a company of 向阳新村 (江川区) with a 反哺, 幸福里's committee and a resident of
    # 幸福里, and a company linked to 幸福里
    xingfu, xiangyang = community(api, "幸福里"), community(api, "向阳新村", "江川区")
    theirs = register_company(api, xiangyang, "向阳", as_=JIANGCHUAN)["company"]["id"]
    open_line(api, theirs, "CANTEEN", as_=JIANGCHUAN)
    entry(api, theirs, "CANTEEN", "REVENUE", 100_000, as_=JIANGCHUAN)
    allocate(api, theirs, 10_000, as_=JIANGCHUAN)
    ours = register_company(api, xingfu, "幸福")["company"]["id"]
    _, entrance = building_with_entrance(api, xingfu)
    unit = api.gql(
        ADD_UNIT,
        {
            "input": {
                "communityId": xingfu,
                "entranceId": entrance,
                "number": "101",
                "floor": 1,
                "area": "80.00",
                "areaSource": "REGISTER",
                "reason": "入册",
            }
        },
    )["addUnit"]["partId"]
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(xingfu))
    resident = Principal(subject="owner", role=Role.RESIDENT, unit_ids=(UUID(unit),))
    problem = "__typename ... on NotFound { field message }"

    def ask(query: str, as_: Principal, **variables: Any) -> dict[str, Any]:
        data = api.gql(f"query($id: ID!) {{ {query} {{ {problem} }} }}", variables, as_=as_)
        return dict(next(iter(data.values())))

    # When 幸福里's committee asks for 向阳新村's company, its ledger, its allocations and
    # 向阳新村's reinvestment, and the resident for the ledger of 幸福里's own company
    company = ask("communityCompany(id: $id)", committee, id=theirs)
    ledger = ask("communityCompanyLedger(companyId: $id)", committee, id=theirs)
    allocations = ask("reinvestmentAllocations(companyId: $id)", committee, id=theirs)
    reinvestment = ask(
        "communityReinvestment(communityId: $id, year: 2025)", committee, id=xiangyang
    )
    own_ledger = ask("communityCompanyLedger(companyId: $id)", resident, id=ours)

    # Then each is NotFound naming the argument
    def not_found(field: str, noun: str) -> dict[str, str]:
        message = f"no {noun} with this id that you may see"
        return {"__typename": "NotFound", "field": field, "message": message}

    assert company == not_found("id", "community company")
    assert ledger == allocations == own_ledger == not_found("companyId", "community company")
    assert reinvestment == not_found("communityId", "community")


def test_another_companys_entry_or_allocation_inside_an_input_is_refused(api: Api) -> None:
    # Given a 红塔区 company of 幸福里, and a 江川区 company with a ledger entry and a 反哺
    xingfu, xiangyang = community(api, "幸福里"), community(api, "向阳新村", "江川区")
    ours = register_company(api, xingfu, "幸福")["company"]["id"]
    theirs = register_company(api, xiangyang, "向阳", as_=JIANGCHUAN)["company"]["id"]
    open_line(api, theirs, "CANTEEN", as_=JIANGCHUAN)
    their_entry = entry(api, theirs, "CANTEEN", "REVENUE", 100_000, as_=JIANGCHUAN)["partId"]
    their_allocation = allocate(api, theirs, 10_000, as_=JIANGCHUAN)["partId"]
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(xingfu))
    before = api.platform.app.recorder.max_notification_id()

    def reverse(entry_id: str, as_: Principal) -> dict[str, Any]:
        data = {"companyId": ours, "entryId": entry_id, "on": "2025-12-01", "reason": "冲销"}
        return mutate(
            api,
            "reverseCommunityBusinessEntry",
            "ReverseCommunityBusinessEntryInput",
            data,
            as_,
        )

    # When 幸福里's committee reverses the other company's entry through its own company
    # Then it is Forbidden: a committee records nothing in a company's ledger
    assert reverse(their_entry, committee)["__typename"] == "Forbidden"
    # When 红塔区's regulator does, or reverses the other company's 反哺 through its own
    by_regulator = reverse(their_entry, HONGTA)
    withdrawal = mutate(
        api,
        "reverseReinvestment",
        "ReverseReinvestmentInput",
        {"companyId": ours, "allocationId": their_allocation, "on": "2025-12-21", "reason": "撤回"},
    )
    # Then neither is confirmed to exist: not found, naming the field
    assert (by_regulator["__typename"], by_regulator["field"]) == ("NotFound", "input.entryId")
    assert (withdrawal["__typename"], withdrawal["field"]) == ("NotFound", "input.allocationId")
    # And a city regulator, who sees both, is told the entry is not its company's
    city = reverse(their_entry, CITY)
    assert (city["__typename"], city["field"]) == ("ValidationError", "input.entryId")
    # And nothing was recorded
    assert api.platform.app.recorder.max_notification_id() == before


def test_the_demo_district_has_five_pilots_four_above_300000_yuan(api: Api) -> None:
    # Given the demo loaded (small) and projected
    summary = load_demo(api.platform.app, communities=4, seed=7)
    api.platform.projection_runner().catch_up()
    year = business_today().year

    # When the demo district's figures for this year are read
    stats = api.gql(
        """query($year: Int!) { communityCompanyStatistics(district: "红塔区", year: $year) {
        ... on CommunityCompanyStatistics { companyCount pilotCount companiesAtOrAboveThreshold
        totals { revenueFen costFen reinvestedFen reinvestedShare } } } }""",
        {"year": year},
    )["communityCompanyStatistics"]

    # Then Quzhou's shape: 5 pilots, 4 with operating income ≥ 300,000 元, and the totals
    # of the fixed figures: revenue 1,615,500 元, costs 1,038,000 元, 反哺 175,000 元,
    # 175,000 / 577,500 = 0.303030…
    assert len(summary.community_companies) == 5
    assert (stats["companyCount"], stats["pilotCount"]) == (5, 5)
    assert stats["companiesAtOrAboveThreshold"] == 4
    assert stats["totals"] == {
        "revenueFen": "161550000",
        "costFen": "103800000",
        "reinvestedFen": "17500000",
        "reinvestedShare": "0.303030",
    }


# --- the access matrix's rows for community companies ------------------------------------


def _outcome(result: dict[str, Any]) -> str:
    kind = result["__typename"]
    if kind == "Forbidden":
        return "denied"
    assert kind.endswith("Payload") or kind in {
        "CommunityCompanyStatistics",
        "CommunityCompanyFiguresConnection",
        "HistoryConnection",
    }, result
    return "allowed"


def _shared(api: Api, community_id: str, seed: str) -> str:
    """One company per test world and seed, registered by the admin (again: the same id)."""
    result = register_company(api, community_id, seed, as_=ADMIN_)
    if result["__typename"] == "Conflict":
        return str(CommunityCompany.id_for(code(seed)))
    return str(result["company"]["id"])


def _funded(api: Api, w: Any, p: Principal) -> str:
    """A company of 幸福里 per principal, with a canteen and 2025 revenue, set up by the admin."""
    company = _shared(api, w.xingfu, f"matrix-{p.subject}")
    open_line(api, company, "CANTEEN", as_=ADMIN_)
    entry(api, company, "CANTEEN", "REVENUE", 1_000_000, as_=ADMIN_)
    return company


def _link(api: Api, w: Any, p: Principal, target: str) -> str:
    company = _shared(api, w.xingfu, f"matrix-{p.subject}")
    data = {"companyId": company, "communityId": target, "on": "2025-01-01", "reason": "服务"}
    return _outcome(mutate(api, "linkCommunityCompany", "CommunityCompanyLinkInput", data, p))


def _read(api: Api, company: str, p: Principal) -> str:
    result = api.gql(
        "query($id: ID!) { communityCompany(id: $id) { __typename } }", {"id": company}, as_=p
    )["communityCompany"]
    return "visible" if result["__typename"] == "CommunityCompany" else "hidden"


def _reinvestment(api: Api, w: Any, p: Principal) -> object:
    company = _funded(api, w, ADMIN_)
    allocate(api, company, 100_000, as_=ADMIN_)
    result = api.gql(
        """query($id: ID!) { communityReinvestment(communityId: $id, year: 2025) {
        __typename ... on CommunityReinvestmentSummary { companies { companyName } } } }""",
        {"id": w.xingfu},
        as_=p,
    )["communityReinvestment"]
    return "hidden" if result["__typename"] == "NotFound" else len(result["companies"])


ADMIN_ = Principal(subject="admin-1", role=Role.PLATFORM_ADMIN)
_A, _D = "allowed", "denied"

COMMUNITY_COMPANY_OPERATIONS: dict[str, Any] = {
    "registerCommunityCompany in 幸福里": lambda api, w, p: _outcome(
        register_company(api, w.xingfu, f"reg-{p.subject}", as_=p)
    ),
    "linkCommunityCompany 和平苑": lambda api, w, p: _link(api, w, p, w.heping),
    "linkCommunityCompany 向阳新村 (江川区)": lambda api, w, p: _link(api, w, p, w.xiangyang),
    "designateCommunityCompanyPilot": lambda api, w, p: _outcome(
        mutate(
            api,
            "designateCommunityCompanyPilot",
            "DesignateCommunityCompanyPilotInput",
            {
                "companyId": _shared(api, w.xingfu, f"matrix-{p.subject}"),
                "designatedOn": "2025-01-01",
                "authority": "区农业农村局",
                "reason": "试点",
            },
            p,
        )
    ),
    "recordCommunityBusinessEntry": lambda api, w, p: _outcome(
        entry(api, _funded(api, w, p), "CANTEEN", "COST", 100, as_=p)
    ),
    "allocateReinvestment": lambda api, w, p: _outcome(
        allocate(api, _funded(api, w, p), 100, as_=p)
    ),
    "communityCompany of 幸福里": lambda api, w, p: _read(api, _shared(api, w.xingfu, "幸福"), p),
    "communityCompany of 向阳新村": lambda api, w, p: _read(
        api, _shared(api, w.xiangyang, "向阳"), p
    ),
    "communityReinvestment of 幸福里": _reinvestment,
    "communityCompanyStatistics 红塔区": lambda api, w, p: _outcome(
        api.gql(
            """{ communityCompanyStatistics(district: "红塔区", year: 2025) { __typename } }""",
            as_=p,
        )["communityCompanyStatistics"]
    ),
    "communityCompanies 红塔区": lambda api, w, p: _outcome(
        api.gql("""{ communityCompanies(district: "红塔区", year: 2025) { __typename } }""", as_=p)[
            "communityCompanies"
        ]
    ),
    "history of 幸福里's community company": lambda api, w, p: _outcome(
        api.gql(
            "query($id: ID!) { history(id: $id) { __typename } }",
            {"id": _shared(api, w.xingfu, "幸福")},
            as_=p,
        )["history"]
    ),
}

_REGULATOR_ONLY = dict(admin=_A, regulator=_A, company=_D, committee=_D, resident=_D)
COMMUNITY_COMPANY_EXPECTED: dict[str, dict[str, object]] = {
    "registerCommunityCompany in 幸福里": _REGULATOR_ONLY,
    "linkCommunityCompany 和平苑": _REGULATOR_ONLY,
    "linkCommunityCompany 向阳新村 (江川区)": dict(
        admin=_A, regulator=_D, company=_D, committee=_D, resident=_D
    ),
    "designateCommunityCompanyPilot": _REGULATOR_ONLY,
    "recordCommunityBusinessEntry": _REGULATOR_ONLY,
    "allocateReinvestment": _REGULATOR_ONLY,
    "communityCompany of 幸福里": dict(
        admin="visible",
        regulator="visible",
        company="hidden",
        committee="visible",
        resident="hidden",
    ),
    "communityCompany of 向阳新村": dict(
        admin="visible",
        regulator="hidden",
        company="hidden",
        committee="hidden",
        resident="hidden",
    ),
    "communityReinvestment of 幸福里": dict(
        admin=1, regulator=1, company=1, committee=1, resident=1
    ),
    "communityCompanyStatistics 红塔区": _REGULATOR_ONLY,
    "communityCompanies 红塔区": _REGULATOR_ONLY,
    "history of 幸福里's community company": dict(
        admin=_A, regulator=_A, company=_D, committee=_A, resident=_D
    ),
}
