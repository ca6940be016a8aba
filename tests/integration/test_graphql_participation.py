"""满意度调查 surveys, 积分 points and 积分兑换 rewards over GraphQL: one response per
household, results against hand-computed figures, idempotent earning, balances that never
go negative even under concurrent spends, and the access-matrix rows."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from gongzhi.graphql.auth import Principal
from tests.integration.conftest import Api
from tests.integration.test_graphql_communities import register
from tests.integration.test_graphql_engagement import (
    ALLOWED,
    DENIED,
    Estate,
    committee,
    estate,
    matrix_count,
    matrix_outcome,
    resident,
    run,
    serve,
    staff,
)

SURVEY = "SurveyPayload { position survey { id title communityIds responseCount closesAt } }"
ACCOUNT = """unitId balance earned spent version
    entries { version kind rule sourceRef quantity points balanceAfter rewardName }"""
POINTS = f"PointsPayload {{ awarded account {{ {ACCOUNT} }} }}"
REWARD = f"RewardPayload {{ reward {{ id name stock redeemed }} account {{ {ACCOUNT} }} }}"
QUESTIONS = [
    {"text": "总体满意度", "kind": "RATING"},
    {"text": "保洁", "kind": "RATING"},
    {"text": "是否续聘", "kind": "SINGLE_CHOICE", "options": ["是", "否"]},
    {"text": "意见建议", "kind": "FREE_TEXT"},
]


def window(days: int = 7) -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "opensAt": (now - timedelta(days=1)).isoformat(),
        "closesAt": (now + timedelta(days=days)).isoformat(),
    }


def create_survey(
    api: Api, communities: list[str], as_: Principal | None = None, **extra: Any
) -> dict[str, Any]:
    data = {
        "title": "2026年上半年物业服务满意度",
        "communityIds": communities,
        "questions": QUESTIONS,
        "reason": "年度测评",
        **window(),
        **extra,
    }
    return run(api, "createSurvey", "CreateSurveyInput", data, SURVEY, as_)


def answer(
    api: Api,
    survey: str,
    unit: str,
    ratings: tuple[int, int],
    choice: str = "是",
    text: str | None = None,
    as_: Principal | None = None,
) -> dict[str, Any]:
    answers: list[dict[str, Any]] = [
        {"question": 0, "rating": ratings[0]},
        {"question": 1, "rating": ratings[1]},
        {"question": 2, "choice": choice},
    ]
    if text is not None:
        answers.append({"question": 3, "text": text})
    data = {"surveyId": survey, "unitId": unit, "answers": answers, "reason": "答卷"}
    return run(api, "answerSurvey", "AnswerSurveyInput", data, SURVEY, as_)


def results(api: Api, survey: str, as_: Principal | None = None) -> dict[str, Any]:
    figures = """households respondingHouseholds responseRatePercentage
        overallSatisfactionPercentage questions { question ratingCount ratingSum
        satisfiedCount meanRating satisfactionPercentage }"""
    query = f"""query($id: ID!) {{ surveyResults(id: $id) {{ __typename
        ... on SurveyResults {{ total {{ {figures} }} communities {{ communityName
        figures {{ {figures} }} }} }} ... on NotFound {{ message }} }} }}"""
    kwargs = {"as_": as_} if as_ is not None else {}
    result: dict[str, Any] = api.gql(query, {"id": survey}, **kwargs)["surveyResults"]
    return result


def award(
    api: Api,
    e: Estate,
    unit: str,
    rule: str,
    ref: str,
    quantity: int = 1,
    as_: Principal | None = None,
) -> dict[str, Any]:
    data = {
        "communityId": e.community,
        "unitId": unit,
        "rule": rule,
        "sourceRef": ref,
        "quantity": quantity,
        "reason": "积分",
    }
    return run(api, "awardPoints", "AwardPointsInput", data, POINTS, as_)


def add_reward(
    api: Api, community: str, price: int, stock: int, as_: Principal | None = None
) -> dict[str, Any]:
    data = {
        "communityId": community,
        "name": "洗衣液",
        "pricePoints": price,
        "stock": stock,
        "reason": "上架",
    }
    return run(api, "addReward", "AddRewardInput", data, REWARD, as_)


def redeem(
    api: Api, reward: str, unit: str, quantity: int = 1, as_: Principal | None = None
) -> dict[str, Any]:
    data = {"rewardId": reward, "unitId": unit, "quantity": quantity, "reason": "兑换"}
    return run(api, "redeemReward", "RedeemRewardInput", data, REWARD, as_)


def test_survey_results_match_hand_computed_figures(api: Api) -> None:
    # Given a community of 4 households and its committee's survey
    e = estate(api)
    created = create_survey(api, [e.community], committee(e.community))
    assert created["__typename"] == "SurveyPayload", created
    survey = created["survey"]["id"]
    # When three households answer (ratings 5/3, 4/2, 2/5)
    for unit, ratings in zip(e.units, [(5, 3), (4, 2), (2, 5)], strict=False):
        done = answer(api, survey, unit, ratings, as_=resident(unit))
        assert done["__typename"] == "SurveyPayload", done
    # Then: response rate 3/4; 总体 mean 11/3, satisfied 2/3; 保洁 mean 10/3, 1/3; overall 3/6
    total = results(api, survey)["total"]
    assert (total["households"], total["respondingHouseholds"]) == (4, 3)
    assert total["responseRatePercentage"] == "75.00"
    assert total["questions"] == [
        {
            "question": 0,
            "ratingCount": 3,
            "ratingSum": 11,
            "satisfiedCount": 2,
            "meanRating": "3.67",
            "satisfactionPercentage": "66.67",
        },
        {
            "question": 1,
            "ratingCount": 3,
            "ratingSum": 10,
            "satisfiedCount": 1,
            "meanRating": "3.33",
            "satisfactionPercentage": "33.33",
        },
    ]
    assert total["overallSatisfactionPercentage"] == "50.00"
    # And each answering household earned its one point
    account = api.gql(
        "query($u: ID!) { pointsAccount(unitId: $u) { ... on PointsAccount { "
        "balance entries { rule sourceRef } } } }",
        {"u": e.units[0]},
    )
    assert account["pointsAccount"]["balance"] == 1
    assert account["pointsAccount"]["entries"][0]["rule"] == "SURVEY_ANSWERED"


def test_a_household_answers_once_and_only_while_the_survey_is_open(api: Api) -> None:
    e = estate(api, households=2)
    survey = create_survey(api, [e.community])["survey"]["id"]
    assert answer(api, survey, e.units[0], (4, 4))["__typename"] == "SurveyPayload"
    # A second response from the same household, even by someone else, is a Conflict
    again = answer(api, survey, e.units[0], (1, 1), as_=committee(e.community))
    assert again["__typename"] == "Conflict", again
    # Malformed answers name the field at fault
    bad = answer(api, survey, e.units[1], (6, 4))
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "input.answers.0.rating")
    choice = answer(api, survey, e.units[1], (4, 4), choice="也许")
    assert (choice["__typename"], choice["field"]) == ("ValidationError", "input.answers.2.choice")
    # After an early close nobody answers
    closed = run(
        api, "closeSurvey", "CloseSurveyInput", {"surveyId": survey, "reason": "截止"}, SURVEY
    )
    assert closed["__typename"] == "SurveyPayload"
    late = answer(api, survey, e.units[1], (4, 4))
    assert (late["__typename"], late["field"]) == ("ValidationError", "input.surveyId")
    assert results(api, survey)["total"]["respondingHouseholds"] == 1
    # A survey must close after it opens and ask something
    backwards = create_survey(
        api,
        [e.community],
        opensAt="2026-05-02T00:00:00+08:00",
        closesAt="2026-05-01T00:00:00+08:00",
    )
    assert (backwards["__typename"], backwards["field"]) == ("ValidationError", "input.closesAt")
    empty = create_survey(api, [e.community], questions=[])
    assert (empty["__typename"], empty["field"]) == ("ValidationError", "input.questions")


def test_racing_answers_from_one_household_count_once(api: Api) -> None:
    # Given an open survey
    e = estate(api, households=1)
    survey = create_survey(api, [e.community])["survey"]["id"]
    # When the same household's answer arrives four times at once
    with ThreadPoolExecutor(max_workers=4) as pool:
        kinds = list(
            pool.map(lambda n: answer(api, survey, e.units[0], (n + 1, 4))["__typename"], range(4))
        )
    # Then one is recorded, the others are Conflicts, and the point is earned once
    assert sorted(kinds) == ["Conflict"] * 3 + ["SurveyPayload"], kinds
    assert results(api, survey)["total"]["respondingHouseholds"] == 1
    balance = api.gql(
        "query($u: ID!) { pointsAccount(unitId: $u) { ... on PointsAccount { balance } } }",
        {"u": e.units[0]},
    )["pointsAccount"]["balance"]
    assert balance == 1


def test_a_company_survey_gives_figures_per_community_and_for_the_company(api: Api) -> None:
    # Given a company serving two communities (4 and 2 households), and a third with none
    e = estate(api)
    other = estate(api, "向阳新村", households=2)
    serve(api, other.community, e.company)  # 向阳新村 changes to 幸福里's company
    second = register(api, name="和平苑")["community"]["id"]
    serve(api, second, e.company)
    survey = create_survey(api, [e.community, other.community], companyId=e.company)
    assert survey["__typename"] == "SurveyPayload", survey
    sid = survey["survey"]["id"]
    answer(api, sid, e.units[0], (5, 5))
    answer(api, sid, other.units[0], (3, 4))
    answer(api, sid, other.units[1], (2, 1))
    # Then the company's total: 3 of 6 households, 总体 10/3, overall 3 of 6 ratings ≥ 4
    found = results(api, sid, staff(e.company))
    total = found["total"]
    assert (total["households"], total["respondingHouseholds"]) == (6, 3)
    assert total["responseRatePercentage"] == "50.00"
    assert total["questions"][0]["meanRating"] == "3.33"
    assert total["overallSatisfactionPercentage"] == "50.00"
    by_name = {c["communityName"]: c["figures"] for c in found["communities"]}
    assert by_name["幸福里"]["responseRatePercentage"] == "25.00"
    # 向阳新村: ratings 3, 4, 2, 1 → one of four is 4 or more
    assert by_name["向阳新村"]["overallSatisfactionPercentage"] == "25.00"
    # And a community the company does not serve cannot be surveyed as the company's
    refused = create_survey(
        api,
        [e.community, second, register(api, name="别处")["community"]["id"]],
        companyId=e.company,
    )
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "input.communityIds.2")


def test_points_are_earned_once_per_source_and_spent_down_to_zero_only(api: Api) -> None:
    e = estate(api, households=2)
    unit = e.units[0]
    # Given 3 hours of volunteering (10 each) and a vote (5)
    first = award(api, e, unit, "VOLUNTEERED", "volunteer:2026-05-01", 3, committee(e.community))
    assert (first["awarded"], first["account"]["balance"]) == (True, 30)
    # When the same volunteering is awarded again, nothing changes
    again = award(api, e, unit, "VOLUNTEERED", "volunteer:2026-05-01", 3)
    assert (again["awarded"], again["account"]["balance"]) == (False, 30)
    award(api, e, unit, "VOTED", "decision:abc")
    # And a reward of 12 points is redeemed twice (24 of 35)
    reward = add_reward(api, e.community, 12, 5, committee(e.community))["reward"]["id"]
    spent = redeem(api, reward, unit, 2, resident(unit))
    assert spent["reward"]["stock"] == 3 and spent["account"]["balance"] == 11
    # Then a third would take the balance below zero: refused, nothing changed
    short = redeem(api, reward, unit, 1, resident(unit))
    assert (short["__typename"], short["field"]) == ("ValidationError", "input.quantity")
    assert "has 11" in short["message"]
    too_many = redeem(api, reward, e.units[1], 9)
    assert (too_many["__typename"], too_many["field"]) == ("ValidationError", "input.quantity")
    # And the ledger shows each entry with the balance after it, newest first
    ledger = spent["account"]["entries"]
    assert [(x["kind"], x["points"], x["balanceAfter"]) for x in ledger] == [
        ("SPENT", -24, 11),
        ("EARNED", 5, 35),
        ("EARNED", 30, 30),
    ]
    # And the committee audits the account event by event; another household may not
    history = "query($id: ID!) { history(id: $id) { __typename ... on HistoryConnection { entries { eventType actor reason } } } }"
    account_id = api.gql(
        "query($u: ID!) { pointsAccount(unitId: $u) { ... on PointsAccount { id } } }", {"u": unit}
    )["pointsAccount"]["id"]
    audit = api.gql(history, {"id": account_id}, as_=committee(e.community))["history"]
    kinds = [x["eventType"].rsplit(".", 1)[-1] for x in audit["entries"]]
    assert kinds == ["Opened", "Earned", "Earned", "Spent"], kinds
    assert len(audit["entries"]) == 1 + 2 + 1  # opened, two earnings, one redemption
    assert audit["entries"][-1]["reason"] == "兑换"
    other = api.gql(history, {"id": account_id}, as_=resident(e.units[1]))["history"]
    assert other["__typename"] == "Forbidden"
    # Bad input
    bad = award(api, e, unit, "VOTED", "  ")
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "input.sourceRef")
    zero = award(api, e, unit, "VOLUNTEERED", "v2", 0)
    assert (zero["__typename"], zero["field"]) == ("ValidationError", "input.quantity")
    price = add_reward(api, e.community, 0, 1)
    assert (price["__typename"], price["field"]) == ("ValidationError", "input.pricePoints")


def test_concurrent_spends_never_overdraw_a_household(api: Api) -> None:
    # Given a household with 30 points and a reward of 10 points with plenty of stock
    e = estate(api, households=1)
    unit = e.units[0]
    award(api, e, unit, "VOLUNTEERED", "volunteer:big-clean", 3)
    reward = add_reward(api, e.community, 10, 100)["reward"]["id"]
    # When eight redemptions race
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda _: redeem(api, reward, unit)["__typename"], range(8)))
    # Then at most three succeed, the rest are refused, and the books agree
    succeeded = outcomes.count("RewardPayload")
    assert 1 <= succeeded <= 3, outcomes
    assert set(outcomes) <= {"RewardPayload", "ValidationError", "Conflict"}
    account = api.gql(
        "query($u: ID!) { pointsAccount(unitId: $u) { ... on PointsAccount { balance spent } } }",
        {"u": unit},
    )["pointsAccount"]
    assert account == {"balance": 30 - 10 * succeeded, "spent": 10 * succeeded}
    stock = api.gql(
        "query($c: ID!) { rewards(communityId: $c) { ... on RewardConnection { "
        "rewards { stock redeemed } } } }",
        {"c": e.community},
    )["rewards"]
    assert stock["rewards"] == [{"stock": 100 - succeeded, "redeemed": succeeded}]


def test_ids_of_another_community_inside_an_input_are_refused_before_anything_is_recorded(
    api: Api,
) -> None:
    # Given two communities, each with its committee's survey and a reward
    e, other = estate(api, households=2), estate(api, "和平苑", households=2)
    their_survey = create_survey(api, [other.community])["survey"]["id"]
    our_reward = add_reward(api, e.community, 1, 5)["reward"]["id"]
    before = api.platform.app.recorder.max_notification_id()
    # When the first community's committee awards points to a unit of the second, answers
    # the second's survey for its own unit, or surveys both communities
    ours = committee(e.community)
    points = award(api, e, other.units[0], "VOLUNTEERED", "v:1", 1, ours)
    answered = answer(api, their_survey, e.units[0], (4, 4), as_=ours)
    both = create_survey(api, [e.community, other.community], ours, companyId=e.company)
    # and an admin redeems the first community's reward for a unit of the second
    redeemed = redeem(api, our_reward, other.units[0])
    # Then each is refused, naming the field, and nothing is recorded
    assert (points["__typename"], points["field"]) == ("NotFound", "input.unitId")
    assert (answered["__typename"], answered["field"]) == ("NotFound", "input.surveyId")
    assert both["__typename"] == "Forbidden"
    assert (redeemed["__typename"], redeemed["field"]) == ("ValidationError", "input.unitId")
    assert api.platform.app.recorder.max_notification_id() == before


def test_queries_naming_another_tenants_things_are_not_found(api: Api) -> None:
    # Given two communities, each with a survey, and a resident of the first's unit 101
    e, other = estate(api, households=2), estate(api, "和平苑", households=2)
    create_survey(api, [e.community])
    their_survey = create_survey(api, [other.community])["survey"]["id"]
    problem = "__typename ... on NotFound { field }"
    queries = {
        "surveys": f"query($c: ID!) {{ surveys(communityId: $c) {{ {problem} }} }}",
        "rewards": f"query($c: ID!) {{ rewards(communityId: $c) {{ {problem} }} }}",
        "surveyResults": f"query($s: ID!) {{ surveyResults(id: $s) {{ {problem} }} }}",
        "pointsAccount": f"query($u: ID!) {{ pointsAccount(unitId: $u) {{ {problem} }} }}",
    }

    def ask(name: str, who: Principal, **variables: str) -> tuple[str, str]:
        result = api.gql(queries[name], variables, as_=who)[name]
        return result["__typename"], result.get("field", "")

    # When the first's committee, staff and resident name the second's community, survey
    # or unit, and the resident a neighbour's unit
    asked = [
        ask("surveys", committee(e.community), c=other.community),
        ask("rewards", staff(e.company), c=other.community),
        ask("surveyResults", resident(e.units[0]), s=their_survey),
        ask("pointsAccount", committee(e.community), u=other.units[0]),
        ask("pointsAccount", resident(e.units[0]), u=e.units[1]),
    ]
    # Then each is NotFound naming the argument
    assert asked == [
        ("NotFound", "communityId"),
        ("NotFound", "communityId"),
        ("NotFound", "id"),
        ("NotFound", "unitId"),
        ("NotFound", "unitId"),
    ]


# --- Access matrix rows (wired into test_access_matrix.py) -------------------------------


def _world_estate(w: Any) -> Estate:
    return Estate(w.xingfu, w.anju, [w.unit])


def _fresh_survey(api: Api, w: Any) -> str:
    return str(create_survey(api, [w.xingfu])["survey"]["id"])


def _funded_reward(api: Api, w: Any, p: Principal) -> str:
    award(api, _world_estate(w), w.unit, "VOLUNTEERED", f"matrix:{p.subject}", 1)
    return str(add_reward(api, w.xingfu, 1, 10)["reward"]["id"])


PARTICIPATION_OPERATIONS: dict[str, Any] = {
    "createSurvey of 幸福里": lambda api, w, p: matrix_outcome(create_survey(api, [w.xingfu], p)),
    "answerSurvey for unit 101": lambda api, w, p: matrix_outcome(
        answer(api, _fresh_survey(api, w), w.unit, (4, 4), as_=p)
    ),
    "awardPoints to unit 101": lambda api, w, p: matrix_outcome(
        award(api, _world_estate(w), w.unit, "VOLUNTEERED", f"m:{p.subject}", 1, p)
    ),
    "addReward in 幸福里": lambda api, w, p: matrix_outcome(add_reward(api, w.xingfu, 5, 1, p)),
    "redeemReward for unit 101": lambda api, w, p: matrix_outcome(
        redeem(api, _funded_reward(api, w, p), w.unit, 1, p)
    ),
    "pointsAccount of unit 101": lambda api, w, p: matrix_outcome(
        api.gql(
            "query($u: ID!) { pointsAccount(unitId: $u) { __typename } }", {"u": w.unit}, as_=p
        )["pointsAccount"]
    ),
    "surveys of 幸福里": lambda api, w, p: (
        _fresh_survey(api, w)
        and matrix_count(
            api,
            """query($c: ID!) { surveys(communityId: $c) { ... on SurveyConnection {
        surveys { id } } } }""",
            "surveys",
            p,
            c=w.xingfu,
        )
    ),
    "rewards of 和平苑": lambda api, w, p: (
        add_reward(api, w.heping, 5, 1)
        and matrix_count(
            api,
            """query($c: ID!) { rewards(communityId: $c) { ... on RewardConnection {
        rewards { id } } } }""",
            "rewards",
            p,
            c=w.heping,
        )
    ),
}

PARTICIPATION_EXPECTED: dict[str, dict[str, object]] = {
    "createSurvey of 幸福里": dict(
        admin=ALLOWED, regulator=ALLOWED, company=DENIED, committee=ALLOWED, resident=DENIED
    ),
    "answerSurvey for unit 101": dict(
        admin=ALLOWED, regulator=DENIED, company=DENIED, committee=ALLOWED, resident=ALLOWED
    ),
    "awardPoints to unit 101": dict(
        admin=ALLOWED, regulator=DENIED, company=DENIED, committee=ALLOWED, resident=DENIED
    ),
    "addReward in 幸福里": dict(
        admin=ALLOWED, regulator=DENIED, company=DENIED, committee=ALLOWED, resident=DENIED
    ),
    "redeemReward for unit 101": dict(
        admin=ALLOWED, regulator=DENIED, company=DENIED, committee=ALLOWED, resident=ALLOWED
    ),
    "pointsAccount of unit 101": dict(
        admin=ALLOWED, regulator=ALLOWED, company=DENIED, committee=ALLOWED, resident=ALLOWED
    ),
    # One more survey is created before each role reads (five roles in order).
    "surveys of 幸福里": dict(admin=1, regulator=2, company=3, committee=4, resident=5),
    "rewards of 和平苑": dict(
        admin=1, regulator=2, company="hidden", committee="hidden", resident="hidden"
    ),
}
