"""公共收益 over GraphQL: entries with net never negative, publication with an allocation by
area, corrections after publication shown as such, the 50 % rule feeding a low fund in the
same save, what residents and committees see."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gongzhi.application.base import business_today
from gongzhi.graphql.auth import Principal
from tests.integration.conftest import ADMIN, Api
from tests.integration.test_graphql_communities import register
from tests.integration.test_graphql_fund import (
    LEDGER,
    PROBLEMS,
    REGULATOR,
    Estate,
    emergency,
    estate,
    fund_call,
)

LAST_MONTH = (business_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
THIS_MONTH = business_today().strftime("%Y-%m")
PERIOD = """period closed status overdue entries grossFen costFen netFen toFundFen
    publishedRound"""
VIEW = f"""ledgerId communityId period {{ {PERIOD} }}
    entries {{ id category grossFen costFen netFen toFundFen counterparty corrections
        changes {{ kind grossFen netFen toFundFen afterPublication }} }}
    publication {{ round netFen entries {{ entryId category grossFen netFen }} }}"""
PAYLOAD = f"""__typename ... on CommonIncomePayload {{ entryId position ledger {{ {VIEW} }} }}
    {PROBLEMS}"""
INPUTS = {
    "recordCommonIncome": "RecordCommonIncomeInput",
    "correctCommonIncome": "CorrectCommonIncomeInput",
    "publishCommonIncome": "PublishCommonIncomeInput",
    "setCommonIncomeRule": "SetCommonIncomeRuleInput",
}
LEDGER_QUERY = f"""query($id: ID!, $period: String!) {{
    commonIncomeLedger(communityId: $id, period: $period) {{ __typename
    ... on CommonIncomeLedger {{ {VIEW} }} ... on NotFound {{ field }} ... on ValidationError {{ field }} }} }}"""
PERIODS = f"""query($id: ID!) {{ commonIncomePeriods(communityId: $id) {{ __typename
    ... on CommonIncomePeriods {{ periods {{ {PERIOD} }} }} ... on NotFound {{ field }} }} }}"""
ALLOCATION = """query($id: ID!, $period: String!) {
    commonIncomeAllocation(communityId: $id, period: $period) { __typename
    ... on CommonIncomeAllocation { round netFen units { unitNumber unitLabel area fen } }
    ... on NotFound { field message } } }"""


def income_call(api: Api, name: str, as_: Principal = ADMIN, **fields: Any) -> dict[str, Any]:
    query = f"mutation($input: {INPUTS[name]}!) {{ {name}(input: $input) {{ {PAYLOAD} }} }}"
    data = api.gql(query, {"input": {"reason": "按月入账", **fields}}, as_=as_)
    return dict(data[name])


def record(
    api: Api, e: Estate, gross: int, cost: int = 0, period: str = LAST_MONTH
) -> dict[str, Any]:
    return income_call(
        api,
        "recordCommonIncome",
        e.staff,
        communityId=e.community,
        category="PARKING",
        period=period,
        grossFen=gross,
        costFen=cost,
        counterparty="幸福里停车场",
    )


def test_a_period_is_recorded_published_and_allocated_by_area(api: Api) -> None:
    # Given the company records two entries of last month
    e = estate(api)
    record(api, e, 100_000, 20_000)
    second = income_call(
        api,
        "recordCommonIncome",
        e.staff,
        communityId=e.community,
        category="ADVERTISING",
        period=LAST_MONTH,
        grossFen=20_001,
        costFen=0,
        counterparty="电梯广告公司",
        note="电梯轿厢广告",
    )
    # Then the ledger shows both with totals; the fund is healthy, so nothing goes to it
    period = second["ledger"]["period"]
    assert (period["grossFen"], period["costFen"], period["netFen"], period["toFundFen"]) == (
        120_001,
        20_000,
        100_001,
        0,
    )
    # And the closed, unpublished month is overdue; residents see nothing of it yet
    periods = api.gql(PERIODS, {"id": e.community})["commonIncomePeriods"]["periods"]
    assert [(p["status"], p["closed"], p["overdue"]) for p in periods] == [
        ("UNPUBLISHED", True, True)
    ]
    resident = e.resident(0)
    assert (
        api.gql(PERIODS, {"id": e.community}, as_=resident)["commonIncomePeriods"]["periods"] == []
    )
    # When the company publishes it
    published = income_call(
        api, "publishCommonIncome", e.staff, communityId=e.community, period=LAST_MONTH
    )
    # Then it is published, and the net is allocated by area (80 : 60.5 : 100) to the fen
    assert published["ledger"]["period"]["status"] == "PUBLISHED"
    allocation = api.gql(ALLOCATION, {"id": e.community, "period": LAST_MONTH})[
        "commonIncomeAllocation"
    ]
    assert [u["fen"] for u in allocation["units"]] == [33_264, 25_156, 41_581]
    assert sum(u["fen"] for u in allocation["units"]) == allocation["netFen"] == 100_001
    # (each unit named in full, 楼栋-单元-房号: issue 15)
    assert all(
        u["unitLabel"].count("-") == 2 and u["unitLabel"].endswith("-" + u["unitNumber"])
        for u in allocation["units"]
    )
    # And a resident reads the publication and only the own unit's allocation
    mine = api.gql(ALLOCATION, {"id": e.community, "period": LAST_MONTH}, as_=resident)
    assert [u["unitNumber"] for u in mine["commonIncomeAllocation"]["units"]] == ["101"]
    seen = api.gql(LEDGER_QUERY, {"id": e.community, "period": LAST_MONTH}, as_=resident)
    assert seen["commonIncomeLedger"]["entries"] == []
    assert seen["commonIncomeLedger"]["publication"]["netFen"] == 100_001


def test_a_correction_after_publication_shows_as_such_and_the_committee_sees_every_change(
    api: Api,
) -> None:
    # Given a published month
    e = estate(api)
    entry = record(api, e, 50_000)["entryId"]
    income_call(api, "publishCommonIncome", e.staff, communityId=e.community, period=LAST_MONTH)
    # When the company corrects the entry
    corrected = income_call(
        api,
        "correctCommonIncome",
        e.staff,
        communityId=e.community,
        entryId=entry,
        grossFen=45_000,
        costFen=0,
        counterparty="幸福里停车场",
        note="退还临停费",
    )
    # Then the period shows a change since publication, the publication is unchanged
    view = corrected["ledger"]
    assert view["period"]["status"] == "CHANGED_SINCE_PUBLICATION"
    assert view["publication"]["netFen"] == 50_000
    # And the committee sees the entry with its recording and its correction
    seen = api.gql(LEDGER_QUERY, {"id": e.community, "period": LAST_MONTH}, as_=e.committee)
    (only,) = seen["commonIncomeLedger"]["entries"]
    assert only["corrections"] == 1
    assert [(c["kind"], c["grossFen"], c["afterPublication"]) for c in only["changes"]] == [
        ("RECORDED", 50_000, False),
        ("CORRECTED", 45_000, True),
    ]
    # And the ledger's history shows every event with actor and reason
    history = api.gql(
        """query($id: ID!) { history(id: $id) { ... on HistoryConnection { entries {
        eventType actor reason } } } }""",
        {"id": view["ledgerId"]},
        as_=e.committee,
    )["history"]["entries"]
    assert [h["eventType"] for h in history] == [
        "Opened",
        "EntryRecorded",
        "PeriodPublished",
        "EntryCorrected",
    ]
    assert {h["actor"] for h in history} == {"staff-1"}
    # When it is published again, the second round fixes the corrected figures
    again = income_call(
        api, "publishCommonIncome", e.staff, communityId=e.community, period=LAST_MONTH
    )
    assert (again["ledger"]["period"]["status"], again["ledger"]["publication"]["round"]) == (
        "PUBLISHED",
        2,
    )


def test_bad_entries_are_refused_with_the_field_and_record_nothing(api: Api) -> None:
    e = estate(api)
    refused = record(api, e, 1_000, 1_001)
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "input.costFen")
    assert "never negative" in refused["message"]
    assert record(api, e, 1_000, 0, period="2026-13")["field"] == "input.period"
    assert record(api, e, 0)["field"] == "input.grossFen"
    refused = income_call(
        api,
        "correctCommonIncome",
        e.staff,
        communityId=e.community,
        entryId=e.units[0],
        grossFen=1,
        costFen=0,
        counterparty="x",
    )
    assert refused["field"] == "input.entryId"
    # A month still running cannot be published
    record(api, e, 1_000, period=THIS_MONTH)
    refused = income_call(
        api, "publishCommonIncome", e.staff, communityId=e.community, period=THIS_MONTH
    )
    assert refused["field"] == "input.period"
    periods = api.gql(PERIODS, {"id": e.community})["commonIncomePeriods"]["periods"]
    assert [(p["period"], p["entries"], p["closed"]) for p in periods] == [(THIS_MONTH, 1, False)]


def test_half_the_net_goes_to_a_fund_below_thirty_percent_in_the_same_save(api: Api) -> None:
    # Given a fund spent down to 27 % of its first deposits by an emergency over all units
    e = estate(api, kinds=("COMMODITY", "COMMODITY", "COMMODITY"))
    use = emergency(api, e, e.units, 2_100_000, kind="ROOF_OR_WALL_LEAK")
    paid = fund_call(api, "payFundUse", REGULATOR, communityId=e.community, useId=use)
    assert paid["fund"]["belowThreshold"] and paid["fund"]["balanceFen"] == 786_000
    # When 100.01 元 net of parking income is recorded
    recorded = record(api, e, 10_001)
    # Then half of it, rounded up, went into the fund, split over the units by area
    entry = recorded["ledger"]["entries"][0]
    assert entry["toFundFen"] == 5_001
    ledger = api.gql(LEDGER, {"id": e.community})["fundLedger"]["entries"]
    transfer = ledger[-1]
    assert (transfer["kind"], transfer["amountFen"], transfer["commonIncomeEntryId"]) == (
        "COMMON_INCOME_TRANSFER",
        5_001,
        entry["id"],
    )
    assert transfer["period"] == LAST_MONTH
    # When the entry is corrected down, the fund's part follows it back out
    income_call(
        api,
        "correctCommonIncome",
        e.staff,
        communityId=e.community,
        entryId=entry["id"],
        grossFen=5_000,
        costFen=0,
        counterparty="幸福里停车场",
    )
    ledger = api.gql(LEDGER, {"id": e.community})["fundLedger"]["entries"]
    assert ledger[-1]["amountFen"] == 2_500 - 5_001
    fund = api.gql(
        "query($id: ID!) { maintenanceFund(communityId: $id) { ... on MaintenanceFund { balanceFen subAccountsTotalFen } } }",
        {"id": e.community},
    )["maintenanceFund"]
    assert fund["balanceFen"] == fund["subAccountsTotalFen"] == 786_000 + 2_500
    # When the regulator switches the rule off, the next entry keeps all its net
    income_call(
        api,
        "setCommonIncomeRule",
        REGULATOR,
        communityId=e.community,
        enabled=False,
        fundShare="0.5",
    )
    assert record(api, e, 8_000)["ledger"]["entries"][-1]["toFundFen"] == 0


# --- access matrix -----------------------------------------------------------------------


def _outcome(result: dict[str, Any]) -> str:
    kind = result["__typename"]
    if kind == "Forbidden":
        return "denied"
    assert kind in {"CommonIncomePayload", "HistoryConnection"}, result
    return "allowed"


def _entry(api: Api, w: Any) -> dict[str, Any]:
    """An entry of last month in 幸福里, recorded by the admin."""
    return income_call(
        api,
        "recordCommonIncome",
        communityId=w.xingfu,
        category="VENUE_RENT",
        period=LAST_MONTH,
        grossFen=10_000,
        costFen=1_000,
        counterparty="社区活动室",
    )


COMMON_INCOME_OPERATIONS: dict[str, Any] = {
    "recordCommonIncome in 幸福里": lambda api, w, p: _outcome(
        income_call(
            api,
            "recordCommonIncome",
            p,
            communityId=w.xingfu,
            category="OTHER",
            period=LAST_MONTH,
            grossFen=100,
            costFen=0,
            counterparty="某单位",
        )
    ),
    "publishCommonIncome in 幸福里": lambda api, w, p: _outcome(
        _entry(api, w)
        and income_call(api, "publishCommonIncome", p, communityId=w.xingfu, period=LAST_MONTH)
    ),
    "setCommonIncomeRule in 幸福里": lambda api, w, p: _outcome(
        income_call(
            api, "setCommonIncomeRule", p, communityId=w.xingfu, enabled=True, fundShare="0.6"
        )
    ),
    "commonIncomeLedger entries of 幸福里": lambda api, w, p: len(
        (_entry(api, w) and api.gql(LEDGER_QUERY, {"id": w.xingfu, "period": LAST_MONTH}, as_=p))[
            "commonIncomeLedger"
        ].get("entries", [])
    ),
    "history of 幸福里's common income": lambda api, w, p: _outcome(
        api.gql(
            "query($id: ID!) { history(id: $id) { __typename } }",
            {"id": _entry(api, w)["ledger"]["ledgerId"]},
            as_=p,
        )["history"]
    ),
}

COMMON_INCOME_EXPECTED: dict[str, dict[str, object]] = {
    "recordCommonIncome in 幸福里": dict(
        admin="allowed",
        regulator="denied",
        company="allowed",
        committee="denied",
        resident="denied",
    ),
    "publishCommonIncome in 幸福里": dict(
        admin="allowed",
        regulator="denied",
        company="allowed",
        committee="denied",
        resident="denied",
    ),
    "setCommonIncomeRule in 幸福里": dict(
        admin="allowed",
        regulator="allowed",
        company="denied",
        committee="denied",
        resident="denied",
    ),
    # Each role's turn adds one entry first: the stewards see them all, a resident none.
    "commonIncomeLedger entries of 幸福里": dict(
        admin=1, regulator=2, company=3, committee=4, resident=0
    ),
    "history of 幸福里's common income": dict(
        admin="allowed",
        regulator="allowed",
        company="allowed",
        committee="allowed",
        resident="denied",
    ),
}


def test_another_communitys_entry_is_not_found_and_nothing_is_recorded(api: Api) -> None:
    # Given 幸福里 served by 安居物业, and an entry of another community, 安宁里
    e = estate(api)
    other = str(register(api, name="安宁里")["community"]["id"])
    theirs = income_call(
        api,
        "recordCommonIncome",
        communityId=other,
        category="PARKING",
        period=LAST_MONTH,
        grossFen=5_000,
        costFen=0,
        counterparty="安宁里停车场",
    )["entryId"]
    api.settle()
    before = api.platform.app.recorder.max_notification_id()
    # When 幸福里's company staff correct that entry as one of 幸福里's
    refused = income_call(
        api,
        "correctCommonIncome",
        e.staff,
        communityId=e.community,
        entryId=theirs,
        grossFen=1,
        costFen=0,
        counterparty="x",
    )
    # Then it is not found (nothing about 安宁里 is confirmed), and nothing is recorded
    assert (refused["__typename"], refused.get("field")) == ("NotFound", "input.entryId"), refused
    assert api.platform.app.recorder.max_notification_id() == before


def test_another_communitys_common_income_is_not_found_by_its_id(api: Api) -> None:
    # Given 幸福里 served by 安居物业, and another community, 安宁里, with published income
    e = estate(api)
    other = str(register(api, name="安宁里")["community"]["id"])
    income_call(
        api,
        "recordCommonIncome",
        communityId=other,
        category="PARKING",
        period=LAST_MONTH,
        grossFen=5_000,
        costFen=0,
        counterparty="安宁里停车场",
    )
    income_call(api, "publishCommonIncome", communityId=other, period=LAST_MONTH)
    variables = {"id": other, "period": LAST_MONTH}
    # When 幸福里's company staff read 安宁里's ledger, periods and allocation
    answers = [
        api.gql(LEDGER_QUERY, variables, as_=e.staff)["commonIncomeLedger"],
        api.gql(PERIODS, {"id": other}, as_=e.staff)["commonIncomePeriods"],
        api.gql(ALLOCATION, variables, as_=e.staff)["commonIncomeAllocation"],
    ]
    # Then each is not found, naming the argument
    assert [(a["__typename"], a["field"]) for a in answers] == [("NotFound", "communityId")] * 3
    assert answers[2]["message"] == "no community with this id that you may see"
