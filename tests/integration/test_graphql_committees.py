"""Committees over GraphQL: 筹备组 → candidates → election by a real passed decision → filing,
interim committees, coverage per district, bad input, history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from gongzhi.application.base import Meta, business_today
from gongzhi.application.owners import GrantRole, RegisterPerson
from gongzhi.domain.decision import Decision
from gongzhi.domain.person import CommunityRole
from gongzhi.domain.tally import VotingUnit
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import ADMIN, Api
from tests.integration.test_graphql_communities import (
    ADD_UNIT,
    building_with_entrance,
    register,
)

REGULATOR = Principal(subject="street-1", role=Role.REGULATOR, districts=("红塔区",))
TODAY = business_today()
ELECTED_ON = TODAY - timedelta(days=40)
FORMED_ON = ELECTED_ON - timedelta(days=60)

COMMITTEE_FIELDS = """id communityId termNumber kind status formedOn preparatoryGroup
    candidates { personId name } decisionId tookOfficeOn termEndsOn households
    members { personId name role } director { name } deputyDirectors { name }
    filedOn filingNumber daysToFiling filedLate filingOverdue expiresSoon expired
    predecessorId successorId endedOn dissolvedOn dissolutionCause rules version"""

RESULT = f"""__typename ... on CommitteePayload {{ committee {{ {COMMITTEE_FIELDS} }} }}
    ... on ValidationError {{ field message }} ... on NotFound {{ field message }}
    ... on Forbidden {{ message }} ... on Conflict {{ message }}"""

FORM = f"""mutation($input: FormPreparatoryGroupInput!) {{
  formPreparatoryGroup(input: $input) {{ {RESULT} }} }}"""
NOMINATE = f"""mutation($input: NominateCommitteeCandidateInput!) {{
  nominateCommitteeCandidate(input: $input) {{ {RESULT} }} }}"""
ELECT = (
    f"""mutation($input: ElectCommitteeInput!) {{ electCommittee(input: $input) {{ {RESULT} }} }}"""
)
APPOINT = f"""mutation($input: AppointInterimCommitteeInput!) {{
  appointInterimCommittee(input: $input) {{ {RESULT} }} }}"""
FILE = (
    f"""mutation($input: FileCommitteeInput!) {{ fileCommittee(input: $input) {{ {RESULT} }} }}"""
)
CHANGE = f"""mutation($input: ChangeCommitteeMembersInput!) {{
  changeCommitteeMembers(input: $input) {{ {RESULT} }} }}"""
DISSOLVE = f"""mutation($input: DissolveCommitteeInput!) {{
  dissolveCommittee(input: $input) {{ {RESULT} }} }}"""
COVERAGE = """query($district: String!, $asOf: Date) {
  committeeCoverage(district: $district, asOf: $asOf) { __typename
    ... on CommitteeCoverage { district asOf total covered percentage uncovered { id name } }
    ... on Forbidden { message } } }"""
COMMITTEES = f"""query($id: ID!) {{ committees(communityId: $id) {{ __typename
    ... on CommitteeList {{ committees {{ {COMMITTEE_FIELDS} }} }}
    ... on NotFound {{ field message }} }} }}"""


def call(api: Api, mutation: str, as_: Principal = REGULATOR, **fields: Any) -> dict[str, Any]:
    data = api.gql(mutation, {"input": {"reason": "按程序办理", **fields}}, as_=as_)
    return dict(next(iter(data.values())))


def community_with_units(api: Api, units: int = 3, **overrides: Any) -> str:
    community_id = str(register(api, **overrides)["community"]["id"])
    _, entrance = building_with_entrance(api, community_id)
    for n in range(units):
        api.gql(
            ADD_UNIT,
            {
                "input": {
                    "communityId": community_id,
                    "entranceId": entrance,
                    "number": f"{n + 1:03d}",
                    "floor": 1,
                    "area": "80.00",
                    "areaSource": "REGISTER",
                    "reason": "入册",
                }
            },
        )
    return community_id


def passed_decision(api: Api, community_id: str, matter: str = "COMMITTEE") -> str:
    """A closed owners' decision every unit approved, built through the domain and recorded."""
    app = api.platform.app
    community = app.community(UUID(community_id))
    units = community.units_in("COMMUNITY", community.id)
    closes = datetime.combine(ELECTED_ON - timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    decision = Decision.propose(
        community_id=community.id,
        scope="COMMUNITY",
        scope_id=community.id,
        matter=matter,
        title="选举第一届业主委员会",
        opens_at=closes - timedelta(days=14),
        closes_at=closes,
    )
    voters = [u.voter for u in units]
    # Ballots are aggregates of their own (issue 13): recorded with the decision.
    ballots = [
        decision.cast_ballot(
            voter=voter,
            eligible_voters=voters,
            choice="APPROVE",
            channel="PAPER",
            cast_by=uuid4(),
            at=closes - timedelta(days=1),
        )
        for voter in sorted(set(voters))
    ]
    decision.close([VotingUnit(str(u.id), u.area, u.voter) for u in units], closes, ballots)
    assert decision.passed()
    meta = Meta(actor="test", reason="业主大会表决", actor_role="PLATFORM_ADMIN")
    app.record(meta, decision, *ballots)
    api.settle()  # the decision is found through the views
    return str(decision.id)


def members(api: Api, community_id: str, count: int) -> list[dict[str, str]]:
    """``count`` persons of the community (楼栋长 there, so its stewards may name them),
    a director and a deputy first."""
    app = api.platform.app
    meta = Meta(actor="street-1", reason="登记委员", actor_role="REGULATOR")
    roles = ["DIRECTOR", "DEPUTY_DIRECTOR"] + ["MEMBER"] * (count - 2)
    people = []
    for i in range(count):
        person = app.register_person(meta, RegisterPerson(name=f"委员{i}")).id
        app.grant_role(
            meta,
            GrantRole(
                person_id=person,
                community_id=UUID(community_id),
                role=CommunityRole.BUILDING_LEADER,
            ),
        )
        people.append({"personId": str(person), "name": f"委员{i}", "role": roles[i]})
    api.settle()  # the persons are found through the views
    return people


def prepared(api: Api, community_id: str, people: list[dict[str, str]]) -> str:
    group = call(
        api,
        FORM,
        communityId=community_id,
        groupMembers=["王主任", "李书记", "张三"],
        formedOn=FORMED_ON.isoformat(),
    )
    committee_id = str(group["committee"]["id"])
    for person in people:
        result = call(
            api,
            NOMINATE,
            committeeId=committee_id,
            personId=person["personId"],
            name=person["name"],
            nominatedOn=(FORMED_ON + timedelta(days=7)).isoformat(),
        )
        assert result["__typename"] == "CommitteePayload", result
    return committee_id


def elect(
    api: Api, committee_id: str, decision_id: str, people: list[dict[str, str]], **extra: Any
) -> dict[str, Any]:
    fields = {
        "committeeId": committee_id,
        "decisionId": decision_id,
        "electedOn": ELECTED_ON.isoformat(),
        "termEndsOn": (ELECTED_ON + timedelta(days=365 * 5 - 2)).isoformat(),
        "members": people,
        **extra,
    }
    return call(api, ELECT, **fields)


def appoint_interim(
    api: Api, community_id: str, on: date = ELECTED_ON, as_: Principal = REGULATOR
) -> dict[str, Any]:
    return call(
        api,
        APPOINT,
        as_=as_,
        communityId=community_id,
        appointedOn=on.isoformat(),
        termEndsOn=(on + timedelta(days=700)).isoformat(),
        members=members(api, community_id, 5),
    )


def elected_committee(api: Api, community_id: str) -> str:
    people = members(api, community_id, 3)
    committee_id = prepared(api, community_id, people)
    result = elect(api, committee_id, passed_decision(api, community_id), people)
    assert result["__typename"] == "CommitteePayload", result
    return committee_id


def test_a_committee_goes_from_preparatory_group_to_filing(api: Api) -> None:
    # Given a community of three households and a preparatory group with three candidates
    community_id = community_with_units(api, units=3)
    people = members(api, community_id, 3)
    committee_id = prepared(api, community_id, people)
    decision_id = passed_decision(api, community_id)

    # When the street office records the election by the owners' passed decision
    result = elect(api, committee_id, decision_id, people)

    # Then the committee is in office with its director, three members being enough here
    assert result["__typename"] == "CommitteePayload", result
    committee = result["committee"]
    assert committee["status"] == "IN_OFFICE"
    assert committee["kind"] == "HOMEOWNER" and committee["termNumber"] == 1
    assert committee["decisionId"] == decision_id
    assert committee["households"] == 3
    assert committee["director"] == {"name": "委员0"}
    assert committee["deputyDirectors"] == [{"name": "委员1"}]
    assert [c["name"] for c in committee["candidates"]] == ["委员0", "委员1", "委员2"]
    assert committee["filingOverdue"] is True  # elected 40 days ago, not filed yet

    # When a member of the committee files it with the street office today
    member = Principal(subject="ywh-1", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id))
    filed = call(
        api,
        FILE,
        as_=member,
        committeeId=committee_id,
        filedOn=TODAY.isoformat(),
        filingNumber="红塔备2026-01",
    )["committee"]

    # Then the filing is recorded and flagged late (40 days > 30)
    assert filed["filedOn"] == TODAY.isoformat() and filed["filingNumber"] == "红塔备2026-01"
    assert filed["daysToFiling"] == 40 and filed["filedLate"] is True
    assert filed["filingOverdue"] is False

    # And a resident of the community sees it, and its history tells every step
    listed = api.gql(COMMITTEES, {"id": community_id})["committees"]["committees"]
    assert [c["id"] for c in listed] == [committee_id]
    history = api.gql(
        """query($id: ID!) { history(id: $id) { ... on HistoryConnection {
        entries { eventType reason } } } }""",
        {"id": committee_id},
        as_=member,
    )["history"]["entries"]
    assert [e["eventType"] for e in history] == [
        "Formed",
        *["CandidateNominated"] * 3,
        "Elected",
        "Filed",
    ]


def test_re_election_and_interim_committees_keep_one_committee_in_office(api: Api) -> None:
    # Given an interim committee appointed by the street office
    community_id = community_with_units(api, units=2)
    interim = appoint_interim(api, community_id, on=FORMED_ON - timedelta(days=30))["committee"]
    assert interim["kind"] == "INTERIM" and interim["status"] == "IN_OFFICE"

    # When a second interim committee is appointed beside it, Then it is refused
    again = appoint_interim(api, community_id, on=TODAY)
    assert again["__typename"] == "ValidationError"
    assert again["field"] == "input.communityId" and "in office until" in again["message"]

    # When a homeowner committee is formed and elected, Then it succeeds the interim one
    committee_id = elected_committee(api, community_id)
    terms = api.gql(COMMITTEES, {"id": community_id})["committees"]["committees"]
    assert [(t["termNumber"], t["kind"], t["status"]) for t in terms] == [
        (2, "HOMEOWNER", "IN_OFFICE"),
        (1, "INTERIM", "ENDED"),
    ]
    assert terms[0]["predecessorId"] == interim["id"] and terms[1]["successorId"] == committee_id

    # When the homeowner committee is dissolved, Then it is out of office from that day
    dissolved = call(
        api, DISSOLVE, committeeId=committee_id, dissolvedOn=TODAY.isoformat(), cause="业主大会决定"
    )["committee"]
    assert dissolved["status"] == "DISSOLVED" and dissolved["dissolutionCause"] == "业主大会决定"


def test_committee_coverage_counts_communities_with_a_committee_in_office(api: Api) -> None:
    # Given four communities in 红塔区: one with an elected committee, one with an interim
    # committee, one whose committee was dissolved, one with none; and one in 江川区
    elected_in = community_with_units(api, units=1, name="幸福里")
    interim_in = community_with_units(api, units=1, name="和平苑")
    dissolved_in = community_with_units(api, units=1, name="东风小区")
    none_in = community_with_units(api, units=1, name="向阳新村")
    elsewhere = community_with_units(api, units=1, name="江川小区", district="江川区")
    elected_committee(api, elected_in)
    appoint_interim(api, interim_in, on=TODAY - timedelta(days=10))
    gone = appoint_interim(api, dissolved_in)["committee"]["id"]
    call(api, DISSOLVE, committeeId=gone, dissolvedOn=TODAY.isoformat(), cause="合并管理")
    appoint_interim(api, elsewhere, as_=ADMIN)

    # When the regulator reads the district's coverage today
    coverage = api.gql(COVERAGE, {"district": "红塔区"}, as_=REGULATOR)["committeeCoverage"]

    # Then two of four are covered, exactly 50 %, and the uncovered ones are named
    assert coverage["total"] == 4 and coverage["covered"] == 2
    assert coverage["percentage"] == "50.00"
    assert sorted(c["name"] for c in coverage["uncovered"]) == ["东风小区", "向阳新村"]
    assert {c["id"] for c in coverage["uncovered"]} == {dissolved_in, none_in}

    # And on an earlier day the interim committee was not yet there, the dissolved one was
    earlier = (TODAY - timedelta(days=20)).isoformat()
    before = api.gql(COVERAGE, {"district": "红塔区", "asOf": earlier})["committeeCoverage"]
    assert before["covered"] == 2
    assert sorted(c["name"] for c in before["uncovered"]) == ["向阳新村", "和平苑"]

    # And a percentage that does not terminate is rounded to the hundredth: 1 of 3 in 江川区
    community_with_units(api, units=1, name="江川二村", district="江川区")
    community_with_units(api, units=1, name="江川三村", district="江川区")
    third = api.gql(COVERAGE, {"district": "江川区"})["committeeCoverage"]
    assert (third["covered"], third["total"], third["percentage"]) == (1, 3, "33.33")

    # And a regulator of another district may not read it
    other = Principal(subject="reg-2", role=Role.REGULATOR, districts=("江川区",))
    denied = api.gql(COVERAGE, {"district": "红塔区"}, as_=other)["committeeCoverage"]
    assert denied["__typename"] == "Forbidden"


def event_count(api: Api) -> int:
    return api.platform.app.recorder.max_notification_id() or 0


def test_bad_elections_are_refused_with_the_field_and_change_nothing(api: Api) -> None:
    # Given a preparatory group with four candidates in a community of three households
    community_id = community_with_units(api, units=3)
    people = members(api, community_id, 4)
    committee_id = prepared(api, community_id, people)
    decision_id = passed_decision(api, community_id)
    other_community = community_with_units(api, units=1, name="别的小区")
    before = event_count(api)

    # When the election names four members, Then the count rule refuses it
    even = elect(api, committee_id, decision_id, people)
    assert even == {
        "__typename": "ValidationError",
        "field": "input.members",
        "message": "a community of 3 households needs an odd number from 3 to 11 members, not 4",
    }
    # When the decision does not exist
    unknown = elect(api, committee_id, str(uuid4()), people[:3])
    assert unknown["__typename"] == "NotFound" and unknown["field"] == "input.decisionId"
    # When the decision is about another matter
    hire = passed_decision(api, community_id, matter="PROPERTY_COMPANY")
    before = event_count(api)
    wrong_matter = elect(api, committee_id, hire, people[:3])
    assert wrong_matter["field"] == "input.decisionId"
    assert wrong_matter["message"] == "decided PROPERTY_COMPANY, not the election of a committee"
    # When the decision belongs to another community
    foreign = passed_decision(api, other_community)
    before = event_count(api)
    wrong_community = elect(api, committee_id, foreign, people[:3])
    assert wrong_community == {
        "__typename": "ValidationError",
        "field": "input.decisionId",
        "message": "this decision is not in that community",
    }
    # When the term is longer than five years
    too_long = elect(
        api,
        committee_id,
        decision_id,
        people[:3],
        termEndsOn=(ELECTED_ON + timedelta(days=365 * 5 + 2)).isoformat(),
    )
    assert too_long["__typename"] == "ValidationError" and too_long["field"] == "input.termEndsOn"
    assert "at most 5 years" in too_long["message"]
    # When a member's person id is not an id
    bad_id = elect(api, committee_id, decision_id, [{**people[0], "personId": "x"}, *people[1:3]])
    assert bad_id["field"] == "input.members.0.personId"

    # Then nothing was recorded, and the committee is still being prepared
    assert event_count(api) == before
    still = api.gql(COMMITTEES, {"id": community_id})["committees"]["committees"][0]
    assert still["status"] == "PREPARING"

    # And a second preparatory group beside the first one is refused
    second = call(api, FORM, communityId=community_id, groupMembers=["另一个筹备组"])
    assert second["__typename"] == "ValidationError"
    assert "term 1 is still being prepared" in second["message"]


def test_only_the_street_office_elects_and_only_the_own_committee_files(api: Api) -> None:
    community_id = community_with_units(api, units=1)
    committee_id = elected_committee(api, community_id)
    stranger = Principal(subject="ywh-x", role=Role.COMMITTEE_MEMBER, community_id=uuid4())
    own = Principal(subject="ywh-1", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id))
    # A committee member cannot form a preparatory group, nor file another community's committee
    formed = call(api, FORM, as_=own, communityId=community_id, groupMembers=["x"])
    assert formed["__typename"] == "Forbidden"
    filed = call(api, FILE, as_=stranger, committeeId=committee_id, filedOn=TODAY.isoformat())
    assert filed["__typename"] == "Forbidden"
    # And a committee outside one's scope is not found when read
    lookup = api.gql(
        """query($id: ID!) { committee(id: $id) { __typename } }""",
        {"id": committee_id},
        as_=stranger,
    )
    assert lookup["committee"]["__typename"] == "NotFound"


def ensure_interim(api: Api, community_id: str) -> dict[str, Any]:
    """The community's interim committee, appointed by an admin the first time it is asked."""
    terms = api.gql(COMMITTEES, {"id": community_id})["committees"]["committees"]
    if terms:
        return dict(terms[0])
    return dict(appoint_interim(api, community_id, as_=ADMIN)["committee"])


def rotate_director(committee: dict[str, Any], index: int) -> list[dict[str, str]]:
    """The same members with member ``index`` as director and everyone else a member."""
    people = committee["members"]
    return [
        {
            "personId": m["personId"],
            "name": m["name"],
            "role": "DIRECTOR" if i == index % len(people) else "MEMBER",
        }
        for i, m in enumerate(people)
    ]


def test_ids_of_another_community_inside_an_input_are_refused_before_anything_is_recorded(
    api: Api,
) -> None:
    # Given an interim committee in one community, and persons and a passed decision of another
    ours = community_with_units(api, units=3)
    theirs = community_with_units(api, units=3, name="别的小区")
    committee = ensure_interim(api, ours)
    stranger = members(api, theirs, 1)[0]
    their_decision = passed_decision(api, theirs)
    before = event_count(api)
    member = Principal(subject="ywh-1", role=Role.COMMITTEE_MEMBER, community_id=UUID(ours))
    people = rotate_director(committee, 0)
    # When the committee names a person of the other community as a member
    swapped = call(
        api,
        CHANGE,
        as_=member,
        committeeId=committee["id"],
        members=[*people[:4], {**stranger, "role": "MEMBER"}],
        changedOn=TODAY.isoformat(),
    )
    # or cites the other community's decision for its change
    cited = call(
        api,
        CHANGE,
        as_=member,
        committeeId=committee["id"],
        members=people,
        changedOn=TODAY.isoformat(),
        decisionId=their_decision,
    )
    # Then both are refused as not found, naming the field, and nothing is recorded
    assert (swapped["__typename"], swapped["field"]) == ("NotFound", "input.members.4.personId")
    assert (cited["__typename"], cited["field"]) == ("NotFound", "input.decisionId")
    assert event_count(api) == before


def test_queries_naming_another_communitys_committee_are_not_found(api: Api) -> None:
    # Given an interim committee in each of two communities
    ours = community_with_units(api, units=3)
    theirs = community_with_units(api, units=3, name="别的小区")
    ensure_interim(api, ours)
    their_committee = ensure_interim(api, theirs)["id"]
    member = Principal(subject="ywh-1", role=Role.COMMITTEE_MEMBER, community_id=UUID(ours))
    one = """query($id: ID!) { committee(id: $id) { __typename ... on NotFound { field } } }"""
    # When the first's committee member asks for the second's committee or its terms
    asked = [
        api.gql(one, {"id": their_committee}, as_=member)["committee"],
        api.gql(COMMITTEES, {"id": theirs}, as_=member)["committees"],
    ]
    # Then each is NotFound naming the argument
    assert [(a["__typename"], a["field"]) for a in asked] == [
        ("NotFound", "id"),
        ("NotFound", "communityId"),
    ]
    # and its own are read
    assert api.gql(COMMITTEES, {"id": ours}, as_=member)["committees"]["committees"]
