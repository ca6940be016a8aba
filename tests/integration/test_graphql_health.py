"""健康指数 over GraphQL: the district's half-yearly ranking with trend and flags, one
community's assessment with every component, requests for a district run, history, access."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import text

from gongzhi.application.base import Meta
from gongzhi.domain.health import (
    DEFAULT_HEALTH_CONFIG,
    HEALTH_CONFIGS,
    HealthAssessment,
    HealthInputs,
    half_year,
)
from gongzhi.graphql.auth import Principal, Role
from gongzhi.projections.runner import wait_for_position
from gongzhi.projections.views import PROJECTION_NAME
from tests.integration.conftest import Api
from tests.integration.test_graphql_communities import register
from tests.integration.test_graphql_red_property import new_company, serve

WORKER = Meta(actor="worker:health", reason="健康指数", actor_role="WORKER")
REGULATOR = Principal(subject="reg-ht", role=Role.REGULATOR, districts=("红塔区",))
OTHER_REGULATOR = Principal(subject="reg-jc", role=Role.REGULATOR, districts=("江川区",))
H1, H2 = "2026H1", "2026H2"

# A well-kept community: everything on time, fund above 30 %, governance complete.
GOOD = HealthInputs(
    facilities_in_use=10,
    fire_groups_required=3,
    fire_groups_covered=3,
    inspections_scheduled=10,
    sla_deadlines=20,
    sla_met=20,
    billed_fen=1_000_000,
    collected_fen=950_000,
    fund_balance_fen=500_000,
    fund_first_deposits_fen=1_000_000,
    committee_in_office=True,
    contract_in_force=True,
    party_organisation=True,
    ratings=10,
    satisfied_ratings=9,
    households=100,
)
# A neglected one: overdue inspections, an open critical defect, the fund at 15 %.
POOR = HealthInputs(
    facilities_in_use=10,
    facilities_faulty=2,
    fire_groups_required=3,
    fire_groups_covered=2,
    inspections_scheduled=10,
    inspections_overdue=5,
    defects_critical=1,
    sla_deadlines=10,
    sla_met=5,
    billed_fen=1_000_000,
    collected_fen=600_000,
    fund_balance_fen=150_000,
    fund_first_deposits_fen=1_000_000,
    contract_in_force=True,
    complaints=3,
    households=100,
)

ASSESSMENT_FIELDS = """id communityId communityName district period config healthIndex coverage
    rankable components { key label weight score counted inputs } flags asOf revision rank ranked previousIndex
    trend"""
RANKING = f"""query($d: String!, $p: String!, $first: Int!, $after: String, $flagged: Boolean!) {{
    healthRanking(district: $d, period: $p, first: $first, after: $after,
                  flaggedOnly: $flagged) {{ __typename
    ... on HealthRanking {{ district period config communities meanIndex flagged
        edges {{ cursor node {{ {ASSESSMENT_FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }}
    ... on ValidationError {{ field message }} }} }}"""
ONE = f"""query($c: ID!, $p: String!, $config: String) {{
    communityHealth(communityId: $c, period: $p, config: $config) {{ __typename
    ... on HealthAssessment {{ {ASSESSMENT_FIELDS} }}
    ... on NotFound {{ field message }} ... on ValidationError {{ field message }} }} }}"""
REQUEST = """mutation($input: RequestHealthRunInput!) { requestHealthRun(input: $input) {
    __typename ... on HealthRunRequested { district period config position }
    ... on ValidationError { field message } ... on Forbidden { message } } }"""


def settle(api: Api) -> None:
    last = api.platform.app.recorder.max_notification_id() or 0
    assert wait_for_position(api.platform.engine, PROJECTION_NAME, last, timeout=30)


def assess(
    api: Api, community: str, period: str, inputs: HealthInputs, district: str = "红塔区"
) -> UUID:
    """Record an assessment as the worker does (the same result twice records nothing)."""
    api.platform.app.assess_community_health(
        WORKER,
        community_id=UUID(community),
        district=district,
        period=period,
        config=None,
        inputs=inputs,
        as_of=half_year(period).end,
    )
    return HealthAssessment.id_for(UUID(community), half_year(period), DEFAULT_HEALTH_CONFIG)


@pytest.fixture
def district(api: Api) -> dict[str, str]:
    """幸福里 (served by 安居物业) improved from poor to good; 和平苑 (红塔物业) slipped from
    good to poor; 向阳新村 is in 江川区."""
    ids = {
        "安居": new_company(api, "安居物业", "安居"),
        "红塔": new_company(api, "红塔物业", "红塔"),
        "幸福里": register(api, name="幸福里")["community"]["id"],
        "和平苑": register(api, name="和平苑")["community"]["id"],
        "向阳新村": register(api, name="向阳新村", district="江川区")["community"]["id"],
    }
    serve(api, ids["幸福里"], ids["安居"])
    serve(api, ids["和平苑"], ids["红塔"])
    assess(api, ids["幸福里"], H1, POOR)
    assess(api, ids["幸福里"], H2, GOOD)
    assess(api, ids["和平苑"], H1, GOOD)
    assess(api, ids["和平苑"], H2, POOR)
    assess(api, ids["向阳新村"], H2, GOOD, district="江川区")
    settle(api)
    return ids


def ranking(api: Api, as_: Principal = REGULATOR, **variables: Any) -> dict[str, Any]:
    values = {"d": "红塔区", "p": H2, "first": 20, "after": None, "flagged": False, **variables}
    result: dict[str, Any] = api.gql(RANKING, values, as_=as_)["healthRanking"]
    return result


def test_the_ranking_orders_the_district_with_trend_and_flags(
    api: Api, district: dict[str, str]
) -> None:
    # When the regulator of 红塔区 reads the 2026H2 ranking
    result = ranking(api)
    # Then both communities of the district are ranked, best first, 江川区's is not listed
    nodes = [edge["node"] for edge in result["edges"]]
    assert [(n["communityName"], n["rank"], n["ranked"]) for n in nodes] == [
        ("幸福里", 1, 2),
        ("和平苑", 2, 2),
    ]
    good, poor = nodes
    # And the trend is this half-year's index less the previous one's, both ways
    assert good["previousIndex"] == poor["healthIndex"]
    assert poor["previousIndex"] == good["healthIndex"]
    assert float(good["trend"]) == pytest.approx(
        float(good["healthIndex"]) - float(poor["healthIndex"])
    )
    assert float(poor["trend"]) < 0 < float(good["trend"])
    # And the neglected community carries its risk flags
    assert good["flags"] == []
    assert set(poor["flags"]) == {
        "FIRE_SAFETY_INCOMPLETE",
        "CRITICAL_DEFECT_OPEN",
        "FUND_BELOW_30",
    }
    # And the summary covers the district
    assert (result["communities"], result["flagged"], result["config"]) == (
        2,
        1,
        DEFAULT_HEALTH_CONFIG.key,
    )
    mean = (float(good["healthIndex"]) + float(poor["healthIndex"])) / 2
    assert float(result["meanIndex"]) == pytest.approx(mean, abs=0.05)


# Few figures, all perfect: no facilities, no bills, no fund registered (30 % of the weight).
SPARSE = HealthInputs(
    committee_in_office=True,
    contract_in_force=True,
    party_organisation=True,
    sla_deadlines=10,
    sla_met=10,
)


def test_missing_data_does_not_raise_a_rank(api: Api, district: dict[str, str]) -> None:
    # Given a third community of 红塔区 with perfect figures on 30 % of the weight only
    sparse = register(api, name="新建小区")["community"]["id"]
    assess(api, sparse, H2, SPARSE)
    settle(api)
    # When the regulator reads the ranking
    nodes = [edge["node"] for edge in ranking(api)["edges"]]
    # Then the two communities with their data are ranked first and second, and the sparse
    # one follows unranked, its coverage shown beside its index
    assert [(n["communityName"], n["rank"], n["ranked"], n["rankable"]) for n in nodes] == [
        ("幸福里", 1, 2, True),
        ("和平苑", 2, 2, True),
        ("新建小区", None, 2, False),
    ]
    last = nodes[-1]
    # And its missing components count at the configured 0: (100 × 15 + 100 × 15) / 100
    assert (last["healthIndex"], last["coverage"]) == ("30.0", 30)
    counted = {c["key"]: (c["score"], c["counted"]) for c in last["components"]}
    assert counted["fee_collection"] == (None, "0") and counted["sla"] == ("100.0", "100.0")
    # And the configuration says what it does with missing data
    configs = api.gql("{ healthConfigs { name version missingScore minCoverage } }")
    assert {"name": "gongzhi-health", "version": 2, "missingScore": 0, "minCoverage": 60} in (
        configs["healthConfigs"]
    )


def test_the_ranking_pages_and_filters_flagged_communities(
    api: Api, district: dict[str, str]
) -> None:
    # Given the first page of one community
    first = ranking(api, first=1)
    assert [e["node"]["communityName"] for e in first["edges"]] == ["幸福里"]
    assert first["pageInfo"]["hasNextPage"] is True
    # When the next page is asked for
    second = ranking(api, first=1, after=first["pageInfo"]["endCursor"])
    # Then it holds the second community, and no more
    assert [e["node"]["communityName"] for e in second["edges"]] == ["和平苑"]
    assert second["pageInfo"]["hasNextPage"] is False
    # And flaggedOnly keeps only the flagged one, with its rank in the whole district
    flagged = ranking(api, flagged=True)
    assert [(e["node"]["communityName"], e["node"]["rank"]) for e in flagged["edges"]] == [
        ("和平苑", 2)
    ]


def test_a_committee_sees_its_own_place_in_the_district_ranking(
    api: Api, district: dict[str, str]
) -> None:
    committee = Principal(
        subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(district["和平苑"])
    )
    # When 和平苑's committee reads the ranking
    result = ranking(api, as_=committee)
    # Then it sees only its own community, ranked among the district's two
    assert [
        (e["node"]["communityName"], e["node"]["rank"], e["node"]["ranked"])
        for e in result["edges"]
    ] == [("和平苑", 2, 2)]
    # And another district's regulator sees nothing of 红塔区
    assert ranking(api, as_=OTHER_REGULATOR)["edges"] == []


def test_a_community_assessment_shows_every_component_with_its_inputs_and_weight(
    api: Api, district: dict[str, str]
) -> None:
    # When the regulator reads 和平苑's 2026H2 assessment
    found = api.gql(ONE, {"c": district["和平苑"], "p": H2}, as_=REGULATOR)["communityHealth"]
    # Then every component shows its weight, score and inputs; weights sum to 100
    components = {c["key"]: c for c in found["components"]}
    assert sum(c["weight"] for c in components.values()) == 100
    assert components["fund_adequacy"]["inputs"] == {
        "fund_balance_fen": 150_000,
        "fund_first_deposits_fen": 1_000_000,
    }
    assert components["fund_adequacy"]["score"] == "50.0"  # 15 % of the 30 % line
    assert components["open_defects"]["score"] == "60.0"  # one critical: 100 - 40
    assert components["satisfaction"]["score"] is None  # no survey: no data
    assert found["coverage"] == 90
    assert (found["rank"], found["revision"], found["asOf"]) == (2, 1, "2026-12-31")
    # And the index is the weighted mean of every component, the one without data counted
    # at the configuration's missing score (0)
    assert components["satisfaction"]["counted"] == "0"
    weighted = sum(float(c["counted"]) * c["weight"] for c in components.values())
    assert float(found["healthIndex"]) == pytest.approx(weighted / 100, abs=0.05)


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"p": "2026Q3"}, "period"),
        ({"p": "2026H3"}, "period"),
        ({"config": "unknown-weights"}, "config"),
        ({"c": "not-an-id"}, "communityId"),
    ],
)
def test_bad_arguments_get_a_validation_error(
    api: Api, district: dict[str, str], variables: dict[str, Any], field: str
) -> None:
    values = {"c": district["幸福里"], "p": H2, "config": None, **variables}
    found = api.gql(ONE, values, as_=REGULATOR)["communityHealth"]
    assert (found["__typename"], found["field"]) == ("ValidationError", field)


def test_unassessed_or_unseen_communities_are_not_found(api: Api, district: dict[str, str]) -> None:
    # 幸福里 has no assessment for 2025H2, and 江川区's regulator may not see it
    for variables, who in (
        ({"c": district["幸福里"], "p": "2025H2"}, REGULATOR),
        ({"c": district["幸福里"], "p": H2}, OTHER_REGULATOR),
    ):
        found = api.gql(ONE, {**variables, "config": None}, as_=who)["communityHealth"]
        assert (found["__typename"], found["field"]) == ("NotFound", "communityId")
    # And a malformed cursor is refused
    bad = ranking(api, after="bm90LWEtY3Vyc29y")
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "after")


def test_another_communitys_health_is_not_found_by_name(api: Api, district: dict[str, str]) -> None:
    # Given 安居物业's staff (serving 幸福里) and 和平苑's committee
    staff = Principal(subject="s-aj", role=Role.COMPANY_STAFF, company_id=UUID(district["安居"]))
    committee = Principal(
        subject="c-hp", role=Role.COMMITTEE_MEMBER, community_id=UUID(district["和平苑"])
    )
    # When each names the other's community
    for who, community in ((staff, "和平苑"), (committee, "幸福里")):
        found = api.gql(ONE, {"c": district[community], "p": H2, "config": None}, as_=who)
        # Then its health is NotFound naming communityId, and shows nothing of it
        answer = found["communityHealth"]
        assert (answer["__typename"], answer["field"]) == ("NotFound", "communityId")
        assert community not in str(answer)
    # And an over-long district is refused by name
    long = ranking(api, d="区" * 201)
    assert (long["__typename"], long["field"]) == ("ValidationError", "district")


def test_a_regulator_requests_the_district_run_which_is_queued_after_commit(
    api: Api, district: dict[str, str]
) -> None:
    data = {"district": "红塔区", "period": H2, "reason": "半年度评估"}
    # When the regulator of 红塔区 requests the run
    done = api.gql(REQUEST, {"input": data}, as_=REGULATOR)["requestHealthRun"]
    # Then it is acknowledged, and the job waits in the outbox for the relay
    assert (done["__typename"], done["district"], done["period"], done["config"]) == (
        "HealthRunRequested",
        "红塔区",
        H2,
        DEFAULT_HEALTH_CONFIG.key,
    )
    with api.platform.engine.connect() as conn:
        queued = conn.execute(
            text("SELECT args FROM outbox WHERE actor_name = 'assess_district_health'")
        ).scalars()
        assert list(queued) == [["红塔区", H2, DEFAULT_HEALTH_CONFIG.key]]
    # And another district's regulator, a future half-year, a quarter or no reason is refused
    refused = [
        (data, OTHER_REGULATOR, "Forbidden", None),
        ({**data, "period": "2099H1"}, REGULATOR, "ValidationError", "input.period"),
        ({**data, "period": "2026Q3"}, REGULATOR, "ValidationError", "input.period"),
        ({**data, "reason": " "}, REGULATOR, "ValidationError", "input.reason"),
    ]
    for values, who, kind, field in refused:
        result = api.gql(REQUEST, {"input": values}, as_=who)["requestHealthRun"]
        assert (result["__typename"], result.get("field")) == (kind, field)


def test_another_districts_run_is_refused_and_records_nothing(
    api: Api, district: dict[str, str]
) -> None:
    # Given the staff and the committee of 幸福里 (红塔区), and 红塔区's regulator
    staff = Principal(subject="s1", role=Role.COMPANY_STAFF, company_id=UUID(district["安居"]))
    committee = Principal(
        subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(district["幸福里"])
    )
    before = api.platform.app.recorder.max_notification_id()
    # When each names 江川区 (where 向阳新村 is) in a run request, or 红塔区 without regulating it
    for who, name in ((REGULATOR, "江川区"), (staff, "江川区"), (committee, "红塔区")):
        data = {"district": name, "period": H2, "reason": "半年度评估"}
        result = api.gql(REQUEST, {"input": data}, as_=who)["requestHealthRun"]
        # Then it is refused
        assert result["__typename"] == "Forbidden", (who.subject, result)
    # And a district name longer than any district's is refused naming the field
    data = {"district": "区" * 101, "period": H2, "reason": "半年度评估"}
    long = api.gql(REQUEST, {"input": data}, as_=REGULATOR)["requestHealthRun"]
    assert (long["__typename"], long["field"]) == ("ValidationError", "input.district")
    # And nothing was recorded
    assert api.platform.app.recorder.max_notification_id() == before


def test_the_assessment_history_shows_each_revision_with_who_and_why(
    api: Api, district: dict[str, str]
) -> None:
    # Given 幸福里's 2026H2 assessment revised on new figures
    assessment = assess(api, district["幸福里"], H2, POOR)
    settle(api)
    query = """query($id: ID!) { history(id: $id) { __typename ... on HistoryConnection {
        entries { eventType actor reason } } } }"""
    # Then its history lists both results, recorded by the worker
    entries = api.gql(query, {"id": str(assessment)}, as_=REGULATOR)["history"]["entries"]
    assert [(e["eventType"], e["actor"], e["reason"]) for e in entries] == [
        ("Assessed", "worker:health", "健康指数"),
        ("Revised", "worker:health", "健康指数"),
    ]
    # And the ranking shows the latest revision
    node = api.gql(ONE, {"c": district["幸福里"], "p": H2, "config": None}, as_=REGULATOR)
    assert node["communityHealth"]["revision"] == 2


def test_the_shipped_weights_are_listed_as_data(api: Api) -> None:
    configs = api.gql("{ healthConfigs { name version weights } }")["healthConfigs"]
    assert configs == [
        {"name": c.name, "version": c.version, "weights": dict(c.weights)}
        for _, c in sorted(HEALTH_CONFIGS.items())
    ]
    assert configs[-1]["version"] == DEFAULT_HEALTH_CONFIG.version


# --- the access matrix ------------------------------------------------------------------------


def _outcome(result: dict[str, Any]) -> str:
    kind = result["__typename"]
    if kind == "Forbidden":
        return "denied"
    assert kind in {"HealthRunRequested", "HistoryConnection"}, result
    return "allowed"


def _request(api: Api, w: Any, p: Principal) -> str:
    data = {"district": "红塔区", "period": H2, "reason": "半年度评估"}
    return _outcome(api.gql(REQUEST, {"input": data}, as_=p)["requestHealthRun"])


def _seen(api: Api, w: Any, p: Principal) -> str:
    assess(api, w.xingfu, H2, GOOD)
    settle(api)
    found = api.gql(ONE, {"c": w.xingfu, "p": H2, "config": None}, as_=p)["communityHealth"]
    return "seen" if found["__typename"] == "HealthAssessment" else "hidden"


def _history(api: Api, w: Any, p: Principal) -> str:
    assessment = assess(api, w.xingfu, H2, POOR)
    settle(api)
    query = "query($id: ID!) { history(id: $id) { __typename } }"
    return _outcome(api.gql(query, {"id": str(assessment)}, as_=p)["history"])


HEALTH_OPERATIONS: dict[str, Any] = {
    "requestHealthRun in 红塔区": _request,
    "communityHealth of 幸福里": _seen,
    "history of 幸福里's health assessment": _history,
}
_A, _D = "allowed", "denied"
HEALTH_EXPECTED: dict[str, dict[str, object]] = {
    "requestHealthRun in 红塔区": dict(
        admin=_A, regulator=_A, company=_D, committee=_D, resident=_D
    ),
    # 公示: whoever sees the community sees its index
    "communityHealth of 幸福里": dict(
        admin="seen", regulator="seen", company="seen", committee="seen", resident="seen"
    ),
    "history of 幸福里's health assessment": dict(
        admin=_A, regulator=_A, company=_A, committee=_A, resident=_D
    ),
}
