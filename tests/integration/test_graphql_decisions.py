"""Owners' decisions over GraphQL: ballots, the Art. 278 tally on close, recount, elevator cost."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from uuid import UUID

from gongzhi.application.base import Meta
from gongzhi.application.communities import AddUnit
from gongzhi.application.decisions import CastBallot, CloseDecision
from gongzhi.application.owners import OwnerShare, RecordOwnership, RegisterPerson
from gongzhi.domain.business_time import business_date
from gongzhi.domain.decision import Channel
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_communities import register

META = Meta(actor="registry-clerk", reason="不动产登记信息导入", actor_role="PLATFORM_ADMIN")
DECISION = """
    __typename
    ... on DecisionPayload { replacedEarlier decision { id closed passed ballotsCast recounts recountsAgreeing
        challengeableUntil
        result { totalArea totalHeadcount participatingArea participatingHeadcount quorumMet
                 quorum approval options { option area headcount areaShare passed } }
        costShares { floor fen } } }
    ... on ValidationError { field message }
    ... on Forbidden { message }
    ... on NotFound { field message }
"""


def entrance_with_owners(api: Api, floors: int = 6) -> tuple[str, str, list[str], list[UUID]]:
    """A community with one entrance of ``floors`` units, each owned by its own person."""
    community_id = register(api)["community"]["id"]
    building = api.gql(
        """mutation($id: ID!, $floors: Int!) { addBuilding(input: {communityId: $id,
        number: "1栋", floors: $floors, hasElevator: false, entranceNumbers: ["1单元"],
        reason: "入册"}) { ... on CommunityPayload { community { buildings { entrances { id } } } } } }""",
        {"id": community_id, "floors": floors},
    )["addBuilding"]["community"]["buildings"][0]["entrances"][0]["id"]
    app = api.platform.app
    units, people = [], []
    for floor in range(1, floors + 1):
        unit = app.add_unit(
            META,
            AddUnit(
                community_id=UUID(community_id),
                entrance_id=UUID(building),
                number=f"{floor}01",
                floor=floor,
                area="100.00",
                area_source="REGISTER",
            ),
        ).part_id
        assert unit is not None
        person = app.register_person(
            META, RegisterPerson(name=f"业主{floor}", phone=f"1380000000{floor}")
        ).id
        app.record_ownership(
            META,
            RecordOwnership(
                community_id=UUID(community_id),
                unit_id=unit,
                owners=[OwnerShare(p, str(s)) for p, s in ([(person, Fraction(1))])],
                on=date(2001, 1, 1),
            ),
        )
        units.append(str(unit))
        people.append(person)
    api.settle()  # the units were recorded in process; the API finds them in the views
    return community_id, building, units, people


def propose(
    api: Api,
    community_id: str,
    entrance: str,
    opens: datetime,
    closes: datetime,
    matter: str = "ELEVATOR_ADDITION",
) -> str:
    result = api.gql(
        """mutation($input: ProposeDecisionInput!) { proposeDecision(input: $input) {
        __typename ... on DecisionPayload { decision { id closed } }
        ... on ValidationError { field message } } }""",
        {
            "input": {
                "communityId": community_id,
                "scope": "ENTRANCE",
                "scopeId": entrance,
                "matter": matter,
                "title": "1栋1单元加装电梯",
                "opensAt": opens.isoformat(),
                "closesAt": closes.isoformat(),
                "reason": "业主申请",
            }
        },
    )["proposeDecision"]
    assert result["__typename"] == "DecisionPayload", result
    return str(result["decision"]["id"])


def ballot(
    api: Api,
    decision: str,
    unit: str,
    person: UUID,
    choice: str,
    who: Principal,
    proxy: str = "",
    channel: str = "ONLINE",
) -> Any:
    return api.gql(
        f"""mutation($input: CastBallotInput!) {{ castBallot(input: $input) {{ {DECISION} }} }}""",
        {
            "input": {
                "decisionId": decision,
                "unitId": unit,
                "personId": str(person),
                "choice": choice,
                "channel": channel,
                "reason": "线上表决",
                "proxyAuthorisation": proxy,
            }
        },
        as_=who,
    )["castBallot"]


def open_vote(api: Api, floors: int = 6) -> tuple[str, str, list[str], list[UUID], Principal]:
    """A vote open for a week in an entrance of ``floors`` units, each with its own owner,
    and the owner of the first unit signed in."""
    community_id, entrance, units, people = entrance_with_owners(api, floors)
    now = datetime.now(UTC)
    decision = propose(
        api, community_id, entrance, now - timedelta(hours=1), now + timedelta(days=7)
    )
    owner = Principal(subject="owner-1", role=Role.RESIDENT, unit_ids=(UUID(units[0]),))
    return community_id, decision, units, people, owner


def test_an_owner_votes_online_once_and_may_change_the_ballot(api: Api) -> None:
    # Given an open elevator vote in an entrance whose units each have one owner
    community_id, decision, units, people, owner = open_vote(api)

    # When the owner votes, then changes her mind
    first = ballot(api, decision, units[0], people[0], "OPPOSE", owner)
    second = ballot(api, decision, units[0], people[0], "APPROVE", owner)

    # Then one ballot counts
    assert first["decision"]["ballotsCast"] == 1
    assert second["decision"]["ballotsCast"] == 1
    # And she cannot vote for a neighbour's unit, nor can a non-owner without a proxy
    assert ballot(api, decision, units[1], people[0], "APPROVE", owner)["__typename"] == "Forbidden"
    committee = Principal(
        subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id)
    )
    stranger = ballot(api, decision, units[1], people[0], "APPROVE", committee)
    assert stranger == {
        "__typename": "ValidationError",
        "field": "input.personId",
        "message": "is not an owner of the unit; a proxy needs a recorded authorisation",
    }
    # A committee member enters a paper ballot a proxy signed with an authorisation
    proxied = ballot(
        api, decision, units[1], people[0], "APPROVE", committee, proxy="委托书2024-07号"
    )
    assert proxied["decision"]["ballotsCast"] == 2
    # And a choice that is not an option is refused by name
    bad = ballot(api, decision, units[2], people[2], "MAYBE", committee, proxy="x")
    assert bad["__typename"] == "ValidationError" and bad["field"] == "input.choice"


MY_BALLOT = """query($d: ID!, $u: ID!) { myBallot(decisionId: $d, unitId: $u) { __typename
    ... on MyBallot { cast choice channel castAt } ... on Forbidden { message }
    ... on NotFound { field } } }"""


def test_an_owner_reads_back_her_own_ballot_and_nobody_elses(api: Api) -> None:
    # Given an open vote, and an owner who has not voted yet
    community_id, decision, units, people, owner = open_vote(api)
    mine = {"d": decision, "u": units[0]}
    assert api.gql(MY_BALLOT, mine, as_=owner)["myBallot"] == {
        "__typename": "MyBallot",
        "cast": False,
        "choice": None,
        "channel": None,
        "castAt": None,
    }
    # When she votes, then changes her mind
    ballot(api, decision, units[0], people[0], "OPPOSE", owner)
    ballot(api, decision, units[0], people[0], "APPROVE", owner)
    # Then her ballot reads back as it now counts (after a reload: from the API, not the page)
    read = api.gql(MY_BALLOT, mine, as_=owner)["myBallot"]
    assert (read["cast"], read["choice"], read["channel"]) == (True, "APPROVE", "ONLINE")
    # And a neighbour's ballot is not hers to read, nor is anyone's the committee's (投票保密)
    ballot(
        api,
        decision,
        units[1],
        people[1],
        "OPPOSE",
        Principal(subject="owner-2", role=Role.RESIDENT, unit_ids=(UUID(units[1]),)),
    )
    theirs = api.gql(MY_BALLOT, {"d": decision, "u": units[1]}, as_=owner)["myBallot"]
    assert theirs["__typename"] == "Forbidden"
    committee = Principal(
        subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id)
    )
    assert api.gql(MY_BALLOT, mine, as_=committee)["myBallot"]["__typename"] == "Forbidden"


def test_a_second_ballot_says_it_replaced_the_first_and_only_a_committee_enters_paper(
    api: Api,
) -> None:
    # Given an open vote and an owner
    community_id, decision, units, people, owner = open_vote(api, floors=2)

    # When she votes, then votes again
    first = ballot(api, decision, units[0], people[0], "OPPOSE", owner)
    second = ballot(api, decision, units[0], people[0], "APPROVE", owner)

    # Then the second payload says it replaced the first; the first says it did not
    assert (first["replacedEarlier"], second["replacedEarlier"]) == (False, True)
    assert second["decision"]["ballotsCast"] == 1

    # And she cannot mark her online ballot as a paper one
    paper = ballot(api, decision, units[0], people[0], "APPROVE", owner, channel="PAPER")
    assert paper == {
        "__typename": "ValidationError",
        "field": "input.channel",
        "message": "a RESIDENT casts ONLINE ballots; a committee member enters paper ones",
    }
    # While a committee member enters a paper ballot for the other owner
    committee = Principal(
        subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id)
    )
    entered = ballot(
        api, decision, units[1], people[1], "APPROVE", committee, proxy="纸质票", channel="PAPER"
    )
    assert entered["__typename"] == "DecisionPayload" and entered["replacedEarlier"] is False
    assert entered["decision"]["ballotsCast"] == 2


def test_closing_tallies_recount_agrees_and_the_elevator_cost_is_shared(api: Api) -> None:
    # Given a vote that ran last week: five of six owners approved
    community_id, entrance, units, people = entrance_with_owners(api)
    now = datetime.now(UTC)
    opens, closes = now - timedelta(days=10), now - timedelta(days=3)
    decision = propose(api, community_id, entrance, opens, closes)
    app = api.platform.app
    for unit, person in list(zip(units, people, strict=True))[:5]:
        app.cast_ballot(
            META,
            CastBallot(
                decision_id=UUID(decision),
                unit_id=UUID(unit),
                person_id=person,
                choice="APPROVE",
                channel=Channel.PAPER,
            ),
            at=opens + timedelta(days=1),
        )
    committee = Principal(
        subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id)
    )
    step = """mutation($input: DecisionStepInput!) { %s(input: $input) { %s } }"""

    # When the committee closes it
    closed = api.gql(
        step % ("closeDecision", DECISION),
        {"input": {"decisionId": decision, "reason": "表决期满"}},
        as_=committee,
    )
    decision_view = closed["closeDecision"]["decision"]

    # Then every figure of the tally is shown and the elevator addition passed
    assert decision_view["closed"] and decision_view["passed"]
    result = decision_view["result"]
    assert (result["totalArea"], result["totalHeadcount"]) == ("600.00", 6)
    assert (result["participatingArea"], result["participatingHeadcount"]) == ("500.00", 5)
    assert result["quorumMet"] is True
    approve = next(o for o in result["options"] if o["option"] == "APPROVE")
    assert approve == {
        "option": "APPROVE",
        "area": "500.00",
        "headcount": 5,
        "areaShare": "1/1",
        "passed": True,
    }
    made_on = business_date(now)  # the day in Shanghai the committee closed it
    assert decision_view["challengeableUntil"] == (made_on + timedelta(days=365)).isoformat()

    # And a recount from the ballots agrees
    recounted = api.gql(
        step % ("recountDecision", DECISION),
        {"input": {"decisionId": decision, "reason": "业主申请复核"}},
        as_=committee,
    )
    assert recounted["recountDecision"]["decision"]["recountsAgreeing"] == 1

    # And the cost is shared by floor coefficients, exactly to the fen
    shared = api.gql(
        f"""mutation($input: ShareElevatorCostInput!) {{ shareElevatorCost(input: $input) {{
        {DECISION} }} }}""",
        {"input": {"decisionId": decision, "totalFen": 1_000_000, "reason": "施工合同价"}},
        as_=committee,
    )["shareElevatorCost"]["decision"]["costShares"]
    assert [s["fen"] for s in sorted(shared, key=lambda s: s["floor"])] == [
        0,
        0,
        205882,
        235294,
        264706,
        294118,
    ]

    # And the history of the decision shows every step with who and why
    history = api.gql(
        """query($id: ID!) { history(id: $id) { ... on HistoryConnection {
        entries { eventType actor reason } } } }""",
        {"id": decision},
        as_=committee,
    )["history"]
    assert [e["eventType"] for e in history["entries"]] == [
        "Proposed",
        *["BallotCast"] * 5,
        "Closed",
        "Recounted",
        "CostShared",
    ]


def test_a_vote_cannot_close_early_and_a_closed_vote_takes_no_ballots(api: Api) -> None:
    community_id, entrance, _, _ = entrance_with_owners(api, floors=3)
    now = datetime.now(UTC)
    decision = propose(
        api, community_id, entrance, now - timedelta(hours=1), now + timedelta(days=1)
    )
    early = api.gql(
        """mutation($input: DecisionStepInput!) { closeDecision(input: $input) {
        __typename ... on ValidationError { field message } } }""",
        {"input": {"decisionId": decision, "reason": "提前截止"}},
    )["closeDecision"]
    assert early["__typename"] == "ValidationError"
    assert early["message"].startswith("the voting runs until")
    unknown = api.gql("""mutation { closeDecision(input: {decisionId:
        "00000000-0000-0000-0000-000000000003", reason: "x"}) { __typename
        ... on NotFound { field } } }""")["closeDecision"]
    assert unknown == {"__typename": "NotFound", "field": "input.decisionId"}


def test_a_communitys_decisions_are_listed_newest_first_within_scope(api: Api) -> None:
    community_id, entrance, _, _ = entrance_with_owners(api, floors=2)
    now = datetime.now(UTC)
    older = propose(api, community_id, entrance, now - timedelta(days=9), now + timedelta(days=1))
    newer = propose(api, community_id, entrance, now - timedelta(days=1), now + timedelta(days=9))
    query = """query($c: ID!, $after: String) { decisions(communityId: $c, first: 1, after: $after) {
        __typename ... on DecisionConnection { decisions { id } pageInfo { endCursor } }
        ... on NotFound { field } } }"""
    first = api.gql(query, {"c": community_id})["decisions"]
    second = api.gql(query, {"c": community_id, "after": first["pageInfo"]["endCursor"]})[
        "decisions"
    ]
    assert [first["decisions"][0]["id"], second["decisions"][0]["id"]] == [newer, older]
    outsider = Principal(subject="reg-x", role=Role.REGULATOR, districts=("江川区",))
    hidden = api.gql(query, {"c": community_id}, as_=outsider)["decisions"]
    assert hidden == {"__typename": "NotFound", "field": "communityId"}


def test_another_communitys_entrance_unit_or_owner_is_refused_before_anything_is_recorded(
    api: Api,
) -> None:
    # Given two communities, each with an entrance of owned units, and an open vote in the first
    first, entrance, units, _ = entrance_with_owners(api, floors=2)
    _, other_entrance, other_units, other_people = entrance_with_owners(api, floors=2)
    now = datetime.now(UTC)
    decision = propose(api, first, entrance, now - timedelta(hours=1), now + timedelta(days=7))
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(first))
    events = api.platform.app.recorder.max_notification_id()

    # When the first community's committee proposes a vote of the second's entrance
    proposed = api.gql(
        f"""mutation($input: ProposeDecisionInput!) {{ proposeDecision(input: $input) {{
        {DECISION} }} }}""",
        {
            "input": {
                "communityId": first,
                "scope": "ENTRANCE",
                "scopeId": other_entrance,
                "matter": "ELEVATOR_ADDITION",
                "title": "加装电梯",
                "opensAt": now.isoformat(),
                "closesAt": (now + timedelta(days=7)).isoformat(),
                "reason": "业主申请",
            }
        },
        as_=committee,
    )["proposeDecision"]
    # And enters a paper ballot for the second community's unit, and for its owner
    foreign_unit = ballot(api, decision, other_units[0], other_people[0], "APPROVE", committee)
    foreign_owner = ballot(api, decision, units[0], other_people[0], "APPROVE", committee, "x")

    # Then each is refused, naming the field, as nothing the committee may see
    assert (proposed["__typename"], proposed["field"]) == ("NotFound", "input.scopeId")
    assert (foreign_unit["__typename"], foreign_unit["field"]) == ("NotFound", "input.unitId")
    assert (foreign_owner["__typename"], foreign_owner["field"]) == ("NotFound", "input.personId")
    # And the platform admin, who sees both, is told the entrance is not in that community
    mixed = api.gql(
        """mutation($input: CastBallotInput!) { castBallot(input: $input) {
        __typename ... on ValidationError { field message } } }""",
        {
            "input": {
                "decisionId": decision,
                "unitId": other_units[0],
                "personId": str(other_people[0]),
                "choice": "APPROVE",
                "channel": "PAPER",
                "reason": "纸质票录入",
            }
        },
    )["castBallot"]
    assert mixed == {
        "__typename": "ValidationError",
        "field": "input.unitId",
        "message": "this unit is not in that community",
    }
    # And nothing was recorded
    assert api.platform.app.recorder.max_notification_id() == events


def test_a_committee_asking_for_another_communitys_decision_or_decisions_gets_not_found(
    api: Api,
) -> None:
    # Given a decision in one community, and the committee of another
    community_id, entrance, _, _ = entrance_with_owners(api, floors=1)
    other = register(api)["community"]["id"]
    now = datetime.now(UTC)
    decision = propose(api, community_id, entrance, now, now + timedelta(days=7))
    committee = Principal(subject="ywh-x", role=Role.COMMITTEE_MEMBER, community_id=UUID(other))

    # When that committee asks for the decision, and for the first community's decisions
    one = api.gql(
        """query($id: ID!) { decision(id: $id) { __typename ... on NotFound { field message } } }""",
        {"id": decision},
        as_=committee,
    )["decision"]
    listed = api.gql(
        """query($c: ID!) { decisions(communityId: $c) {
        __typename ... on NotFound { field message } } }""",
        {"c": community_id},
        as_=committee,
    )["decisions"]

    # Then each is NotFound naming the argument, as nothing the committee may see
    assert one == {
        "__typename": "NotFound",
        "field": "id",
        "message": "no decision with this id that you may see",
    }
    assert listed == {
        "__typename": "NotFound",
        "field": "communityId",
        "message": "no community with this id that you may see",
    }


def test_a_vote_closed_early_morning_in_shanghai_is_made_on_that_shanghai_day(api: Api) -> None:
    # Given a vote that ran until 04:46 Shanghai time on 5 December (20:46 UTC on 4 December)
    community_id, entrance, _, _ = entrance_with_owners(api, floors=1)
    closes = datetime(2025, 12, 4, 20, 46, tzinfo=UTC)
    decision = propose(api, community_id, entrance, closes - timedelta(days=7), closes)

    # When it is closed at that moment
    api.platform.app.close_decision(META, CloseDecision(decision_id=UUID(decision)), at=closes)
    api.settle()

    # Then it was made on 5 December, so it can be challenged until 5 December a year on
    # (365 days, as the rule counts), and the API answers its times in +08:00
    view = api.gql(
        """query($id: ID!) { decision(id: $id) { ... on Decision { challengeableUntil closesAt } } }""",
        {"id": decision},
    )["decision"]
    assert view["challengeableUntil"] == (date(2025, 12, 5) + timedelta(days=365)).isoformat()
    assert view["closesAt"] == "2025-12-05T04:46:00+08:00"
