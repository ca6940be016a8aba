"""信用评价 over GraphQL: records, evaluations with their breakdown and ranking, publication,
objections, repairs, who sees what, bad input and history.

The evaluation itself is the worker's job body (``gongzhi.workers.credit.evaluate_company``)
run in the test's thread; tests/integration/test_worker_credit.py runs it on the broker.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from uuid import UUID

from sqlalchemy import text

from gongzhi.application.base import business_today
from gongzhi.graphql.auth import Principal, Role
from gongzhi.workers.credit import evaluate_company
from tests.integration.conftest import Api
from tests.integration.test_graphql_communities import register
from tests.integration.test_graphql_red_property import new_company, serve

REGULATOR = Principal(subject="reg-zf", role=Role.REGULATOR, districts=("芝罘区",))
OTHER_DISTRICT = Principal(subject="reg-ls", role=Role.REGULATOR, districts=("莱山区",))

RECORD_RESULT = """
    __typename
    ... on CreditRecordPayload { record { id kind level vetoKind recordedOn validUntil authority
        documentNumber note withdrawnOn withdrawalReason repairedOn
        repairs { id grounds decision decidedOn } } }
    ... on ValidationError { field message }
    ... on NotFound { field message }
    ... on Conflict { message }
    ... on Forbidden { message }
"""

EVALUATION_FIELDS = """
    id companyId companyName period ruleSet score grade vetoed vetoedBy { recordId label } rank revision cause status
    publishedOn objectionDeadline correctionPending districts
    sections { section raw cap counted }
    contributions { section source key label points value veto evidence }
    objections { id grounds decision withdrawnRecordIds recomputeIndicators
        correction { revision scoreBefore gradeBefore scoreAfter gradeAfter } }
"""

EVALUATION_RESULT = f"""
    __typename
    ... on CreditEvaluationPayload {{ partId evaluation {{ {EVALUATION_FIELDS} }} }}
    ... on ValidationError {{ field message }}
    ... on NotFound {{ field message }}
    ... on Conflict {{ message }}
    ... on Forbidden {{ message }}
"""

REQUEST_RESULT = """
    __typename
    ... on CreditEvaluationRequestPayload { companyId period ruleSet evaluationId }
    ... on ValidationError { field message }
    ... on NotFound { field message }
    ... on Forbidden { message }
"""


def mutate(api: Api, name: str, data: dict[str, Any], as_: Principal = REGULATOR) -> dict[str, Any]:
    input_type = name[0].upper() + name[1:] + "Input"
    result = RECORD_RESULT if "Record" in name or "Repair" in name else EVALUATION_RESULT
    if name == "requestCreditEvaluation":
        result = REQUEST_RESULT
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {result} }} }}"
    payload: dict[str, Any] = api.gql(query, {"input": data}, as_=as_)[name]
    return payload


def record(api: Api, company: str, as_: Principal = REGULATOR, **extra: Any) -> dict[str, Any]:
    data = {
        "companyId": company,
        "kind": "COURT_LOSS",
        "recordedOn": "2026-08-20",
        "authority": "芝罘区人民法院",
        "documentNumber": "(2026)鲁0602民初123号",
        "reason": "败诉判决",
        **extra,
    }
    return mutate(api, "enterCreditRecord", data, as_)


def evaluate(
    api: Api, company: str, period: str = "2026Q3", rule_set: str | None = "shandong-yantai-2022"
) -> None:
    """The worker's job body (under 烟台's rules, unless told; None: by the districts served);
    then wait until the views show the evaluation."""
    evaluate_company(
        api.platform.engine, api.platform.app, company, period, rule_set, business_today()
    )
    position = api.platform.app.recorder.max_notification_id() or 0
    deadline = time.monotonic() + 10
    while True:
        with api.platform.engine.connect() as conn:
            done = conn.execute(
                text("SELECT coalesce(max(position), 0) FROM projection_tracking")
            ).scalar_one()
        if done >= position:
            return
        assert time.monotonic() < deadline, "the projector did not catch up"
        threading.Event().wait(0.05)


def evaluation(api: Api, company: str, as_: Principal = REGULATOR, period: str = "2026Q3") -> Any:
    data = api.gql(
        f"""query($c: ID!, $p: String!) {{ creditEvaluation(companyId: $c, period: $p) {{
        __typename ... on CreditEvaluation {{ {EVALUATION_FIELDS} }}
        ... on NotFound {{ field message }} ... on ValidationError {{ field message }} }} }}""",
        {"c": company, "p": period},
        as_=as_,
    )
    return data["creditEvaluation"]


def ranking(api: Api, as_: Principal, district: str | None = "芝罘区", **args: Any) -> Any:
    data = api.gql(
        f"""query($d: String, $p: String!, $first: Int!, $after: String) {{
        creditEvaluations(district: $d, period: $p, first: $first, after: $after) {{
        __typename ... on ValidationError {{ field message }}
        ... on CreditEvaluationConnection {{ pageInfo {{ hasNextPage endCursor }}
        edges {{ node {{ {EVALUATION_FIELDS} }} }} }} }} }}""",
        {"d": district, "p": "2026Q3", "first": 20, "after": None, **args},
        as_=as_,
    )
    return data["creditEvaluations"]


def zhifu(api: Api) -> dict[str, str]:
    """芝罘区: 安居物业 serves 幸福里 and 和平苑, 红塔物业 serves 向阳新村."""
    anju, hongta = new_company(api, "安居物业", "anju"), new_company(api, "红塔物业", "hongta")
    ids = {"anju": anju, "hongta": hongta}
    for name, company in (("幸福里", anju), ("和平苑", anju), ("向阳新村", hongta)):
        ids[name] = register(api, name=name, district="芝罘区")["community"]["id"]
        serve(api, ids[name], company)
    return ids


# --- records ----------------------------------------------------------------------------------


def test_any_regulator_enters_a_record_and_the_company_reads_its_own_records(api: Api) -> None:
    # Given two companies
    ids = zhifu(api)

    # When a regulator of another district records an honour about 安居物业
    honour = record(
        api,
        ids["anju"],
        as_=OTHER_DISTRICT,
        kind="HONOUR",
        level="PROVINCIAL",
        recordedOn="2026-05-01",
        authority="山东省住建厅",
        documentNumber="鲁建房字〔2026〕8号",
        note="省级物业服务示范项目",
    )

    # Then the record shows as entered, counting for a year by default
    assert honour["__typename"] == "CreditRecordPayload", honour
    assert honour["record"]["level"] == "PROVINCIAL"
    assert honour["record"]["validUntil"] is None

    # And 安居物业's staff read it, 红塔物业's staff and the committee may not
    query = """query($c: ID!) { creditRecords(companyId: $c) { __typename
        ... on CreditRecordList { records { id kind } } } }"""
    staff = Principal(subject="s1", role=Role.COMPANY_STAFF, company_id=UUID(ids["anju"]))
    other = Principal(subject="s2", role=Role.COMPANY_STAFF, company_id=UUID(ids["hongta"]))
    committee = Principal(
        subject="c1", role=Role.COMMITTEE_MEMBER, community_id=UUID(ids["幸福里"])
    )
    own = api.gql(query, {"c": ids["anju"]}, as_=staff)["creditRecords"]
    assert [r["kind"] for r in own["records"]] == ["HONOUR"]
    for who in (other, committee):
        assert api.gql(query, {"c": ids["anju"]}, as_=who)["creditRecords"]["__typename"] == (
            "Forbidden"
        )


def test_bad_records_input_is_refused_with_the_field_at_fault(api: Api) -> None:
    ids = zhifu(api)
    no_level = record(api, ids["anju"], kind="HONOUR")
    assert (no_level["__typename"], no_level["field"]) == ("ValidationError", "input.level")
    no_veto_kind = record(api, ids["anju"], kind="VETO")
    assert no_veto_kind["field"] == "input.vetoKind"
    future = record(api, ids["anju"], recordedOn="2099-01-01")
    assert future["field"] == "input.recordedOn"
    backwards = record(api, ids["anju"], validUntil="2026-01-01")
    assert backwards["field"] == "input.validUntil"
    unknown = record(api, "00000000-0000-0000-0000-000000000001")
    assert (unknown["__typename"], unknown["field"]) == ("NotFound", "input.companyId")
    bad_id = record(api, "not-an-id")
    assert bad_id["field"] == "input.companyId"
    no_reason = record(api, ids["anju"], reason=" ")
    assert no_reason["field"] == "input.reason"
    # And nothing was recorded
    query = "query($c: ID!) { creditRecords(companyId: $c) { ... on CreditRecordList { records { id } } } }"
    assert api.gql(query, {"c": ids["anju"]})["creditRecords"]["records"] == []


def test_a_withdrawn_record_keeps_its_reason_and_the_history_shows_who_and_why(api: Api) -> None:
    # Given a court loss recorded in error
    ids = zhifu(api)
    loss = record(api, ids["anju"])["record"]["id"]

    # When the regulator withdraws it
    result = mutate(
        api,
        "withdrawCreditRecord",
        {"companyId": ids["anju"], "recordId": loss, "reason": "判决已撤销"},
    )

    # Then it stays in the file, withdrawn, with the reason
    assert result["record"]["withdrawnOn"] == business_today().isoformat()
    assert result["record"]["withdrawalReason"] == "判决已撤销"
    again = mutate(
        api, "withdrawCreditRecord", {"companyId": ids["anju"], "recordId": loss, "reason": "再"}
    )
    assert again["field"] == "input.recordId"

    # And the file's history names who did what and why; the committee may not read it
    file_id = api.platform.app.credit_file(UUID(ids["anju"])).id  # type: ignore[union-attr]
    query = """query($id: ID!) { history(id: $id) { __typename ... on HistoryConnection {
        entries { eventType actor reason } } } }"""
    entries = api.gql(query, {"id": str(file_id)}, as_=REGULATOR)["history"]["entries"]
    assert [(e["eventType"], e["actor"], e["reason"]) for e in entries] == [
        ("Opened", "reg-zf", "败诉判决"),
        ("RecordEntered", "reg-zf", "败诉判决"),
        ("RecordWithdrawn", "reg-zf", "判决已撤销"),
    ]
    committee = Principal(
        subject="c1", role=Role.COMMITTEE_MEMBER, community_id=UUID(ids["幸福里"])
    )
    assert api.gql(query, {"id": str(file_id)}, as_=committee)["history"]["__typename"] == (
        "Forbidden"
    )


# --- evaluations ------------------------------------------------------------------------------


def test_the_breakdown_names_the_records_and_indicator_evidence_behind_every_point(
    api: Api,
) -> None:
    # Given 安居物业 serving two communities, with a provincial honour and a court loss
    ids = zhifu(api)
    honour = record(api, ids["anju"], kind="HONOUR", level="PROVINCIAL", recordedOn="2026-05-01")[
        "record"
    ]["id"]
    loss = record(api, ids["anju"])["record"]["id"]

    # When the worker evaluates 2026Q3 under the Yantai 2022 rules (latest version)
    evaluate(api, ids["anju"])

    # Then: scale 2 communities 15 + party figures 1 (no organisation: fewer than 3 members)
    # = 16 basic, 15 good, -5 bad: 26, with a bad record: C
    shown = evaluation(api, ids["anju"])
    assert (shown["score"], shown["grade"], shown["ruleSet"]) == (
        26,
        "C",
        "shandong-yantai-2022/3",
    )
    lines = {c["key"]: c for c in shown["contributions"]}
    assert lines[honour]["points"] == 15 and lines[honour]["section"] == "GOOD"
    assert lines[loss]["points"] == -5 and lines[loss]["section"] == "BAD"
    assert lines["management_scale"]["value"] == "2"
    assert sorted(row["name"] for row in lines["management_scale"]["evidence"]) == [
        "和平苑",
        "幸福里",
    ]
    assert {s["section"]: s["counted"] for s in shown["sections"]} == {
        "BASIC": 16,
        "GOOD": 15,
        "BAD": -5,
    }
    assert shown["districts"] == ["芝罘区"]


def test_a_veto_item_sends_the_company_to_the_blacklist_and_names_the_record(api: Api) -> None:
    # Given 安居物业 with a provincial honour and a record of misusing the maintenance fund
    ids = zhifu(api)
    record(api, ids["anju"], kind="HONOUR", level="PROVINCIAL", recordedOn="2026-05-01")
    veto = record(
        api, ids["anju"], kind="VETO", vetoKind="MAINTENANCE_FUND_MISUSED", recordedOn="2026-08-01"
    )["record"]["id"]

    # When the worker evaluates 2026Q3 under the Yantai 2022 rules (latest version)
    evaluate(api, ids["anju"])

    # Then the veto decides the grade, 黑名单 below C, whatever the score (16 + 15 - 20)
    shown = evaluation(api, ids["anju"])
    assert (shown["score"], shown["grade"], shown["vetoed"]) == (11, "黑名单", True)
    # And the evaluation names the record that vetoed it
    assert shown["vetoedBy"] == [{"recordId": veto, "label": "严重失信行为"}]
    # And the rule set says which grade a veto gives
    rules = api.gql("{ creditRuleSets { key vetoGrade } }")["creditRuleSets"]
    assert {r["key"]: r["vetoGrade"] for r in rules}["shandong-yantai-2022/3"] == "黑名单"


def test_the_ranking_lists_a_districts_companies_best_first_and_pages(api: Api) -> None:
    # Given both companies evaluated; 红塔物业 with an honour, 安居物业 with a penalty
    ids = zhifu(api)
    record(api, ids["hongta"], kind="HONOUR", level="NATIONAL", recordedOn="2026-07-01")
    record(api, ids["anju"], kind="PENALTY")
    evaluate(api, ids["anju"])
    evaluate(api, ids["hongta"])

    # When the regulator lists 芝罘区 for 2026Q3, one a page
    first = ranking(api, REGULATOR, first=1)
    second = ranking(api, REGULATOR, first=1, after=first["pageInfo"]["endCursor"])

    # Then 红塔物业 is first, 安居物业 second, each with its rank
    assert [(e["node"]["companyName"], e["node"]["rank"]) for e in first["edges"]] == [
        ("红塔物业", 1)
    ]
    assert [(e["node"]["companyName"], e["node"]["rank"]) for e in second["edges"]] == [
        ("安居物业", 2)
    ]
    assert first["pageInfo"]["hasNextPage"] and not second["pageInfo"]["hasNextPage"]
    # And another district lists neither; a malformed period is refused
    assert ranking(api, REGULATOR, district="莱山区")["edges"] == []
    bad = ranking(api, REGULATOR, p="2026Q9")
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "period")


def test_committees_see_published_grades_of_their_company_only_without_breakdown(
    api: Api,
) -> None:
    # Given both companies evaluated
    ids = zhifu(api)
    evaluate(api, ids["anju"])
    evaluate(api, ids["hongta"])
    committee = Principal(
        subject="c1", role=Role.COMMITTEE_MEMBER, community_id=UUID(ids["幸福里"])
    )
    staff = Principal(subject="s1", role=Role.COMPANY_STAFF, company_id=UUID(ids["anju"]))

    # Then before publication the committee sees nothing, the company its own evaluation
    assert ranking(api, committee)["edges"] == []
    assert [e["node"]["companyName"] for e in ranking(api, staff)["edges"]] == ["安居物业"]
    assert evaluation(api, ids["hongta"], as_=staff)["__typename"] == "NotFound"

    # When both are published
    for company in (ids["anju"], ids["hongta"]):
        evaluation_id = evaluation(api, company)["id"]
        published = mutate(
            api, "publishCreditEvaluation", {"evaluationId": evaluation_id, "reason": "季度公示"}
        )
        assert published["evaluation"]["status"] == "PUBLISHED"

    # Then the committee of 幸福里 sees 安居物业's grade, not its breakdown, and not 红塔物业
    seen = ranking(api, committee)["edges"]
    assert [(e["node"]["companyName"], e["node"]["grade"]) for e in seen] == [("安居物业", "B")]
    assert seen[0]["node"]["contributions"] is None
    assert evaluation(api, ids["hongta"], as_=committee)["__typename"] == "NotFound"


def test_another_companys_evaluation_is_not_found_by_name(api: Api) -> None:
    # Given 红塔物业's evaluation published (it serves 向阳新村, not 幸福里)
    ids = zhifu(api)
    evaluate(api, ids["hongta"])
    evaluation_id = evaluation(api, ids["hongta"])["id"]
    mutate(api, "publishCreditEvaluation", {"evaluationId": evaluation_id, "reason": "公示"})
    staff = Principal(subject="s1", role=Role.COMPANY_STAFF, company_id=UUID(ids["anju"]))
    committee = Principal(
        subject="c1", role=Role.COMMITTEE_MEMBER, community_id=UUID(ids["幸福里"])
    )

    # When 安居物业's staff or 幸福里's committee name 红塔物业
    # Then its evaluation is NotFound naming companyId, and shows nothing of it
    for who in (staff, committee):
        found = evaluation(api, ids["hongta"], as_=who)
        assert (found["__typename"], found["field"]) == ("NotFound", "companyId")
        assert "红塔物业" not in str(found)
    # And its records stay Forbidden to the other company, a company of no one is NotFound
    records = (
        "query($c: ID!) { creditRecords(companyId: $c) { __typename ... on NotFound { field } } }"
    )
    theirs = api.gql(records, {"c": ids["hongta"]}, as_=staff)["creditRecords"]
    assert theirs["__typename"] == "Forbidden"
    nobody = api.gql(records, {"c": str(UUID(int=7))})["creditRecords"]
    assert nobody == {"__typename": "NotFound", "field": "companyId"}
    # And an over-long district is refused by name
    long = ranking(api, REGULATOR, district="区" * 201)
    assert (long["__typename"], long["field"]) == ("ValidationError", "district")


def test_an_evaluation_request_queues_the_workers_job(api: Api) -> None:
    ids = zhifu(api)
    # When a regulator asks for 安居物业's evaluation now, and a company tries to
    asked = mutate(
        api,
        "requestCreditEvaluation",
        {
            "companyId": ids["anju"],
            "period": "2026Q3",
            "ruleSet": "shandong-yantai-2022",
            "reason": "投诉较多,立即评价",
        },
    )
    staff = Principal(subject="s1", role=Role.COMPANY_STAFF, company_id=UUID(ids["anju"]))
    refused = mutate(
        api,
        "requestCreditEvaluation",
        {"companyId": ids["anju"], "period": "2026Q3", "ruleSet": "x", "reason": "自评"},
        as_=staff,
    )
    wrong = mutate(
        api,
        "requestCreditEvaluation",
        {
            "companyId": ids["anju"],
            "period": "2026H1",
            "ruleSet": "shandong-yantai-2022",
            "reason": "半年",
        },
    )

    # Then the job is in the outbox with the id the evaluation will have
    assert asked["ruleSet"] == "shandong-yantai-2022/3"
    with api.platform.engine.connect() as conn:
        jobs = conn.execute(
            text("SELECT args FROM outbox WHERE actor_name = 'evaluate_company'")
        ).scalars()
        assert list(jobs) == [[ids["anju"], "2026Q3", "shandong-yantai-2022/3"]]
    assert refused["__typename"] == "Forbidden"
    assert (wrong["__typename"], wrong["field"]) == ("ValidationError", "input.period")


def test_a_yunnan_company_is_not_evaluated_under_yantai_rules_unless_the_regulator_says(
    api: Api,
) -> None:
    # Given a company serving a community in 红塔区 (云南省玉溪市), governed by no rule set
    company = new_company(api, "玉溪物业", "yuxi")
    serve(api, register(api, name="玉溪小区", district="红塔区")["community"]["id"], company)
    api.settle()
    # When the worker runs its job without a rule set (the scheduled run)
    recorded = evaluate_company(
        api.platform.engine, api.platform.app, company, "2026Q3", None, business_today()
    )
    # Then nothing is recorded: Yantai's rules are not Yunnan's
    assert recorded is False
    # And a request must name the rule set
    asked = mutate(
        api,
        "requestCreditEvaluation",
        {"companyId": company, "period": "2026Q3", "reason": "立即评价"},
        as_=Principal(subject="reg-hd", role=Role.REGULATOR, districts=("红塔区",)),
    )
    assert asked["__typename"] == "ValidationError" and asked["field"] == "input.ruleSet"
    # While a 芝罘区 company is evaluated under the rules of 烟台, its jurisdiction
    ids = zhifu(api)
    evaluate(api, ids["anju"], rule_set=None)
    assert evaluation(api, ids["anju"])["ruleSet"] == "shandong-yantai-2022/3"


def test_the_company_objects_within_the_period_and_an_upheld_objection_queues_a_correction(
    api: Api,
) -> None:
    # Given 安居物业's published evaluation
    ids = zhifu(api)
    evaluate(api, ids["anju"])
    evaluation_id = evaluation(api, ids["anju"])["id"]
    staff = Principal(subject="s1", role=Role.COMPANY_STAFF, company_id=UUID(ids["anju"]))
    other = Principal(subject="s2", role=Role.COMPANY_STAFF, company_id=UUID(ids["hongta"]))
    early = mutate(
        api,
        "objectToCreditEvaluation",
        {"evaluationId": evaluation_id, "grounds": "未公示", "reason": "异议"},
        as_=staff,
    )
    assert early["field"] == "input.evaluationId"
    mutate(api, "publishCreditEvaluation", {"evaluationId": evaluation_id, "reason": "公示"})

    # When another company objects, and then 安居物业 does
    data = {"evaluationId": evaluation_id, "grounds": "管理规模漏计", "reason": "提出异议"}
    assert mutate(api, "objectToCreditEvaluation", data, as_=other)["__typename"] == "Forbidden"
    raised = mutate(api, "objectToCreditEvaluation", data, as_=staff)

    # Then the objection is pending, with a deadline 15 days after publication
    assert raised["evaluation"]["objections"][0]["decision"] is None
    assert raised["evaluation"]["objectionDeadline"] > raised["evaluation"]["publishedOn"]

    # When the regulator upholds it without naming what is wrong, or naming no indicator
    # of the rule set
    step = {"evaluationId": evaluation_id, "objectionId": raised["partId"], "reason": "核实漏计"}
    vague = mutate(api, "decideCreditObjection", {**step, "decision": "UPHELD"})
    unknown = mutate(
        api,
        "decideCreditObjection",
        {**step, "decision": "UPHELD", "recomputeIndicators": ["luck"]},
    )
    # Then each is refused naming the field
    assert (vague["__typename"], vague["field"]) == ("ValidationError", "input.withdrawRecordIds")
    assert unknown["field"] == "input.recomputeIndicators.0"
    # When it upholds it, the management scale to be recomputed
    decided = mutate(
        api,
        "decideCreditObjection",
        {**step, "decision": "UPHELD", "recomputeIndicators": ["management_scale"]},
    )

    # Then a correction is pending and the worker's job is queued
    assert decided["evaluation"]["correctionPending"] is True
    objection = decided["evaluation"]["objections"][0]
    assert objection["decision"] == "UPHELD" and objection["correction"] is None
    assert objection["recomputeIndicators"] == ["management_scale"]
    with api.platform.engine.connect() as conn:
        jobs = list(
            conn.execute(
                text("SELECT args FROM outbox WHERE actor_name = 'evaluate_company'")
            ).scalars()
        )
    assert jobs == [[ids["anju"], "2026Q3", "shandong-yantai-2022/3"]]


def test_an_upheld_objection_withdraws_the_wrong_record_and_corrects_the_score_at_once(
    api: Api,
) -> None:
    # Given 安居物业 evaluated with a penalty (16 basic - 10: 6), published, and objected to
    ids = zhifu(api)
    penalty = record(api, ids["anju"], kind="PENALTY", recordedOn="2026-08-01")["record"]["id"]
    evaluate(api, ids["anju"])
    evaluation_id = evaluation(api, ids["anju"])["id"]
    mutate(api, "publishCreditEvaluation", {"evaluationId": evaluation_id, "reason": "公示"})
    staff = Principal(subject="s1", role=Role.COMPANY_STAFF, company_id=UUID(ids["anju"]))
    raised = mutate(
        api,
        "objectToCreditEvaluation",
        {"evaluationId": evaluation_id, "grounds": "处罚已被撤销", "reason": "异议"},
        as_=staff,
    )
    before = evaluation(api, ids["anju"])
    assert (before["score"], before["grade"]) == (6, "C")

    # When the regulator upholds it, naming the penalty as entered in error
    decided = mutate(
        api,
        "decideCreditObjection",
        {
            "evaluationId": evaluation_id,
            "objectionId": raised["partId"],
            "decision": "UPHELD",
            "withdrawRecordIds": [penalty],
            "reason": "处罚决定已撤销",
        },
    )

    # Then the corrected evaluation no longer counts the penalty: 16, and B without a bad record
    shown = decided["evaluation"]
    assert (shown["score"], shown["grade"]) == (16, "B")
    assert (shown["revision"], shown["cause"], shown["correctionPending"]) == (
        2,
        "CORRECTED",
        False,
    )
    # And the regulator is told what the correction changed
    objection = shown["objections"][0]
    assert objection["withdrawnRecordIds"] == [penalty]
    assert objection["correction"] == {
        "revision": 2,
        "scoreBefore": 6,
        "gradeBefore": "C",
        "scoreAfter": 16,
        "gradeAfter": "B",
    }
    # And the record is withdrawn with the decision's reason
    records = api.gql(
        """query($c: ID!) { creditRecords(companyId: $c) { ... on CreditRecordList {
        records { id withdrawalReason } } } }""",
        {"c": ids["anju"]},
    )["creditRecords"]["records"]
    assert {r["id"]: r["withdrawalReason"] for r in records}[penalty] == "处罚决定已撤销"
    # And no worker job was needed
    with api.platform.engine.connect() as conn:
        jobs = conn.execute(
            text("SELECT count(*) FROM outbox WHERE actor_name = 'evaluate_company'")
        ).scalar_one()
    assert jobs == 0


def test_a_repair_after_a_clean_quarter_stops_the_record_counting(api: Api) -> None:
    # Given a penalty in January 2026 and a clean second quarter
    ids = zhifu(api)
    penalty = record(api, ids["anju"], kind="PENALTY", recordedOn="2026-01-10")["record"]["id"]
    staff = Principal(subject="s1", role=Role.COMPANY_STAFF, company_id=UUID(ids["anju"]))

    # When the company asks for repair and the regulator grants it
    asked = mutate(
        api,
        "requestCreditRepair",
        {"companyId": ids["anju"], "recordId": penalty, "grounds": "已整改", "reason": "信用修复"},
        as_=staff,
    )
    assert asked["record"]["repairs"][0]["decision"] is None
    granted = mutate(
        api,
        "decideCreditRepair",
        {
            "companyId": ids["anju"],
            "recordId": penalty,
            "decision": "GRANTED",
            "reason": "整改到位",
        },
    )

    # Then the record is repaired from today, and the quarter that holds today does not count it
    assert granted["record"]["repairedOn"] == business_today().isoformat()
    assert granted["record"]["repairs"][0]["decision"] == "GRANTED"
    evaluate(api, ids["anju"], period="2026Q4")
    keys = [c["key"] for c in evaluation(api, ids["anju"], period="2026Q4")["contributions"]]
    assert penalty not in keys


def test_another_companys_record_or_evaluation_is_refused_and_records_nothing(
    api: Api,
) -> None:
    # Given a penalty and an evaluation of 红塔物业
    ids = zhifu(api)
    theirs = record(api, ids["hongta"], kind="PENALTY", recordedOn="2026-01-10")["record"]["id"]
    evaluate(api, ids["hongta"])
    their_evaluation = evaluation(api, ids["hongta"])["id"]
    staff = Principal(subject="s1", role=Role.COMPANY_STAFF, company_id=UUID(ids["anju"]))
    before = api.platform.app.recorder.max_notification_id()
    # When 安居物业's staff ask to repair 红塔物业's record on 安居物业's file
    named = mutate(
        api,
        "requestCreditRepair",
        {"companyId": ids["anju"], "recordId": theirs, "grounds": "已整改", "reason": "信用修复"},
        as_=staff,
    )
    # Then it is not found for them, named by its field
    assert (named["__typename"], named["field"]) == ("NotFound", "input.recordId")
    # And they may neither ask on 红塔物业's file nor object to its evaluation
    on_theirs = mutate(
        api,
        "requestCreditRepair",
        {"companyId": ids["hongta"], "recordId": theirs, "grounds": "已整改", "reason": "信用修复"},
        as_=staff,
    )
    assert on_theirs["__typename"] == "Forbidden"
    objected = mutate(
        api,
        "objectToCreditEvaluation",
        {"evaluationId": their_evaluation, "grounds": "漏计", "reason": "异议"},
        as_=staff,
    )
    assert objected["__typename"] == "Forbidden"
    # And nothing was recorded
    assert api.platform.app.recorder.max_notification_id() == before


def test_the_rule_sets_are_readable_as_data(api: Api) -> None:
    data = api.gql(
        """{ creditRuleSets { key base basicCap goodCap cleanFloor objectionDays
        grades { grade minimum } recordRules { kind level points veto }
        indicatorRules { indicator section bands { minimum maximum points } } } }""",
        as_=OTHER_DISTRICT,
    )["creditRuleSets"]
    by_key = {r["key"]: r for r in data}
    yantai, lyg = by_key["shandong-yantai-2022/1"], by_key["lianyungang-base-90/1"]
    assert (yantai["base"], yantai["basicCap"], yantai["goodCap"]) == (0, 80, 40)
    assert [g["grade"] for g in yantai["grades"]] == ["AAA", "AA", "A", "B", "C"]
    assert yantai["cleanFloor"] == "B"
    assert lyg["base"] == 90
    assert {r["level"] for r in lyg["recordRules"] if r["veto"]} == {
        "MAINTENANCE_FUND_MISUSED",
        "REFUSED_TO_LEAVE",
    }


# --- the access matrix (tests/integration/test_access_matrix.py) -------------------------------

_SUBJECTS = ("admin", "reg", "staff", "ywh", "owner")


def _period(operation: int, p: Principal) -> str:
    """A period of its own per operation and principal, so each starts from a fresh evaluation."""
    i = _SUBJECTS.index(p.subject)
    return f"{2010 + 2 * operation + i // 4}Q{i % 4 + 1}"


def _outcome(result: dict[str, Any]) -> str:
    kind = result["__typename"]
    if kind == "Forbidden":
        return "denied"
    assert kind.endswith("Payload") or kind in {"CreditRecordList", "HistoryConnection"}, result
    return "allowed"


def _staff(w: Any) -> Principal:
    return Principal(subject="staff", role=Role.COMPANY_STAFF, company_id=UUID(w.anju))


def _published(api: Api, company: str, period: str) -> str:
    evaluate(api, company, period)
    evaluation_id: str = evaluation(api, company, period=period)["id"]
    mutate(api, "publishCreditEvaluation", {"evaluationId": evaluation_id, "reason": "公示"})
    return evaluation_id


def _publish(api: Api, w: Any, p: Principal) -> str:
    period = _period(1, p)
    evaluate(api, w.anju, period)
    evaluation_id = evaluation(api, w.anju, period=period)["id"]
    data = {"evaluationId": evaluation_id, "reason": "公示"}
    return _outcome(mutate(api, "publishCreditEvaluation", data, as_=p))


def _object(api: Api, w: Any, p: Principal) -> str:
    evaluation_id = _published(api, w.anju, _period(2, p))
    data = {"evaluationId": evaluation_id, "grounds": "漏计", "reason": "异议"}
    return _outcome(mutate(api, "objectToCreditEvaluation", data, as_=p))


def _decide_objection(api: Api, w: Any, p: Principal) -> str:
    evaluation_id = _published(api, w.anju, _period(3, p))
    data = {"evaluationId": evaluation_id, "grounds": "漏计", "reason": "异议"}
    objection = mutate(api, "objectToCreditEvaluation", data, as_=_staff(w))["partId"]
    decision = {
        "evaluationId": evaluation_id,
        "objectionId": objection,
        "decision": "REJECTED",
        "reason": "复核",
    }
    return _outcome(mutate(api, "decideCreditObjection", decision, as_=p))


def _penalty(api: Api, w: Any) -> str:
    return str(record(api, w.anju, kind="PENALTY", recordedOn="2026-01-10")["record"]["id"])


def _request_repair(api: Api, w: Any, p: Principal) -> str:
    data = {
        "companyId": w.anju,
        "recordId": _penalty(api, w),
        "grounds": "已整改",
        "reason": "修复",
    }
    return _outcome(mutate(api, "requestCreditRepair", data, as_=p))


def _decide_repair(api: Api, w: Any, p: Principal) -> str:
    penalty = _penalty(api, w)
    data = {"companyId": w.anju, "recordId": penalty, "grounds": "已整改", "reason": "修复"}
    mutate(api, "requestCreditRepair", data, as_=_staff(w))
    decision = {"companyId": w.anju, "recordId": penalty, "decision": "REFUSED", "reason": "未整改"}
    return _outcome(mutate(api, "decideCreditRepair", decision, as_=p))


def _read_evaluation(api: Api, company: str, p: Principal) -> str:
    _published(api, company, "2026Q3")
    shown = evaluation(api, company, as_=p)
    if shown["__typename"] == "NotFound":
        return "hidden"
    return "breakdown" if shown["contributions"] is not None else "grade only"


def _records(api: Api, w: Any, p: Principal) -> str:
    query = "query($c: ID!) { creditRecords(companyId: $c) { __typename } }"
    return _outcome(api.gql(query, {"c": w.anju}, as_=p)["creditRecords"])


def _file_history(api: Api, w: Any, p: Principal) -> str:
    record(api, w.anju)
    file_id = api.platform.app.credit_file(UUID(w.anju)).id  # type: ignore[union-attr]
    query = "query($id: ID!) { history(id: $id) { __typename } }"
    return _outcome(api.gql(query, {"id": str(file_id)}, as_=p)["history"])


CREDIT_OPERATIONS: dict[str, Any] = {
    "enterCreditRecord for 安居物业": lambda api, w, p: _outcome(record(api, w.anju, as_=p)),
    "requestCreditEvaluation for 安居物业": lambda api, w, p: _outcome(
        mutate(
            api,
            "requestCreditEvaluation",
            {
                "companyId": w.anju,
                "period": "2026Q3",
                "ruleSet": "shandong-yantai-2022",
                "reason": "立即评价",
            },
            as_=p,
        )
    ),
    "publishCreditEvaluation of 安居物业": _publish,
    "objectToCreditEvaluation of 安居物业": _object,
    "decideCreditObjection of 安居物业": _decide_objection,
    "requestCreditRepair for 安居物业": _request_repair,
    "decideCreditRepair for 安居物业": _decide_repair,
    "creditRecords of 安居物业": _records,
    "creditEvaluation of 安居物业 (published)": lambda api, w, p: _read_evaluation(api, w.anju, p),
    "creditEvaluation of 红塔物业 (published)": lambda api, w, p: _read_evaluation(
        api, w.hongta, p
    ),
    "history of 安居物业's credit file": _file_history,
}

_A, _D = "allowed", "denied"
_REGULATORS = dict(admin=_A, regulator=_A, company=_D, committee=_D, resident=_D)
_COMPANY = dict(admin=_A, regulator=_D, company=_A, committee=_D, resident=_D)
_INSIDERS = dict(admin=_A, regulator=_A, company=_A, committee=_D, resident=_D)
CREDIT_EXPECTED: dict[str, dict[str, object]] = {
    "enterCreditRecord for 安居物业": _REGULATORS,
    "requestCreditEvaluation for 安居物业": _REGULATORS,
    "publishCreditEvaluation of 安居物业": _REGULATORS,
    "objectToCreditEvaluation of 安居物业": _COMPANY,
    "decideCreditObjection of 安居物业": _REGULATORS,
    "requestCreditRepair for 安居物业": _COMPANY,
    "decideCreditRepair for 安居物业": _REGULATORS,
    "creditRecords of 安居物业": _INSIDERS,
    "creditEvaluation of 安居物业 (published)": dict(
        admin="breakdown",
        regulator="breakdown",
        company="breakdown",
        committee="grade only",
        resident="grade only",
    ),
    "creditEvaluation of 红塔物业 (published)": dict(
        admin="breakdown",
        regulator="breakdown",
        company="hidden",
        committee="hidden",
        resident="hidden",
    ),
    "history of 安居物业's credit file": _INSIDERS,
}
