"""投票保密: the company voted on never sees who voted what; the 公示 names rooms, not people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from gongzhi.application.base import Meta
from gongzhi.application.decisions import CloseDecision
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import ADMIN, Api
from tests.integration.test_graphql_decisions import ballot, entrance_with_owners, propose

HISTORY = """query($id: ID!) { history(id: $id) { __typename ... on HistoryConnection {
    entries { eventType actor actorRole reason data } } } }"""
PUBLICITY = """query($id: ID!) { decisionPublicity(decisionId: $id) { __typename
    ... on DecisionPublicity { decisionId closed passed ballotsCast ballotsShown
        ballots { rooms area choice } }
    ... on NotFound { field } } }"""
DECISION = """query($id: ID!) { decision(id: $id) { ... on Decision { id ballotsCast passed
    result { participatingHeadcount options { option headcount } } } } }"""


def serving_company(api: Api, community_id: str) -> str:
    company = api.gql("""mutation { registerCompany(input: {name: "安居物业",
        creditCode: "91350100M000100Y43", reason: "备案"}) { ... on CompanyPayload {
        company { id } } } }""")["registerCompany"]["company"]["id"]
    api.gql(
        """mutation($c: ID!, $k: ID!) { changeManagementMode(input: {communityId: $c,
        mode: PROFESSIONAL, companyId: $k, effectiveFrom: "2024-01-01", reason: "选聘"}) {
        __typename } }""",
        {"c": community_id, "k": company},
    )
    return str(company)


@dataclass
class Vote:
    """An open vote on the serving company (解聘物业) in one entrance of three owners."""

    community_id: str
    units: list[str]
    people: list[UUID]
    decision: str
    opened: datetime
    owner: Principal  # the owner of 101
    committee: Principal

    def close(self, api: Api) -> None:
        api.platform.app.close_decision(
            Meta(actor="ywh", reason="表决期满", actor_role="COMMITTEE_MEMBER"),
            CloseDecision(decision_id=UUID(self.decision)),
            at=self.opened + timedelta(hours=3),
        )
        api.settle()


def vote_on_the_company(api: Api) -> Vote:
    community_id, entrance, units, people = entrance_with_owners(api, floors=3)
    opened = datetime.now(UTC) - timedelta(hours=1)
    decision = propose(
        api, community_id, entrance, opened, opened + timedelta(hours=2),
        matter="PROPERTY_COMPANY",
    )  # fmt: skip
    owner = Principal(subject="owner-101", role=Role.RESIDENT, unit_ids=(UUID(units[0]),))
    committee = Principal(
        subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id)
    )
    return Vote(community_id, units, people, decision, opened, owner, committee)


def test_the_company_voted_on_sees_neither_who_voted_nor_what(api: Api) -> None:
    # Given a community served by a company, and a vote on dismissing it (解聘物业)
    vote = vote_on_the_company(api)
    decision, units, people = vote.decision, vote.units, vote.people
    company = serving_company(api, vote.community_id)
    # And the owner of 101 votes online, the committee enters 201's paper ballot by proxy
    online = ballot(api, decision, units[0], people[0], "APPROVE", vote.owner)
    assert online["__typename"] == "DecisionPayload"
    proxied = ballot(
        api, decision, units[1], people[0], "OPPOSE", vote.committee, proxy="委托书7号"
    )
    assert proxied["__typename"] == "DecisionPayload"
    # And the voting is closed and counted
    vote.close(api)
    staff = Principal(subject="staff-1", role=Role.COMPANY_STAFF, company_id=UUID(company))
    voters = [str(p) for p in people] + ["owner-101", "业主1", "业主2", "委托书7号"]

    # When the company's staff read the decision's history, the decision and its 公示
    history = api.post(HISTORY, {"id": decision}, as_=staff)
    publicity = api.post(PUBLICITY, {"id": decision}, as_=staff)
    tally = api.post(DECISION, {"id": decision}, as_=staff)

    # Then the ballots are in the trail, but who cast them, for whom and how is withheld
    entries = history.json()["data"]["history"]["entries"]
    cast = [e for e in entries if e["eventType"] == "BallotCast"]
    assert len(cast) == 2
    assert all(
        e["actor"] == e["actorRole"] == e["reason"] == "" and set(e["data"]) == {"withheld"}
        for e in cast
    )
    # And the 公示 gives them the count, not the ballots; the tally stays in figures
    assert publicity.json()["data"]["decisionPublicity"] == {
        "__typename": "DecisionPublicity",
        "decisionId": decision,
        "closed": True,
        "passed": False,
        "ballotsCast": 2,
        "ballotsShown": False,
        "ballots": [],
    }
    assert tally.json()["data"]["decision"]["ballotsCast"] == 2
    # And no answer to the company holds a voter's id, name, token subject or proxy (the
    # trail's close lists every unit's owners, voters or not: no news to the company)
    for response in (publicity, tally):
        assert not [v for v in voters if v in response.text]
    assert "owner-101" not in history.text and "委托书7号" not in history.text


def test_the_publicity_lists_rooms_and_areas_never_names_and_the_committee_keeps_the_count(
    api: Api,
) -> None:
    # Given a closed vote in which 101 approved online and 201 opposed on paper
    vote = vote_on_the_company(api)
    decision, units, people, committee = vote.decision, vote.units, vote.people, vote.committee
    ballot(api, decision, units[0], people[0], "APPROVE", vote.owner)
    ballot(api, decision, units[1], people[1], "OPPOSE", committee)
    before_close = api.gql(PUBLICITY, {"id": decision}, as_=vote.owner)["decisionPublicity"]
    vote.close(api)

    # Then before the close nothing is listed
    assert (before_close["ballotsShown"], before_close["ballots"]) == (False, [])

    # When an owner of the entrance (a resident of 103) reads the 公示
    neighbour = Principal(subject="owner-103", role=Role.RESIDENT, unit_ids=(UUID(units[2]),))
    response = api.post(PUBLICITY, {"id": decision}, as_=neighbour)

    # Then each ballot is listed by its room and area with its choice, and nobody is named
    shown = response.json()["data"]["decisionPublicity"]
    assert shown["ballotsShown"] is True
    assert shown["ballots"] == [
        {"rooms": ["1栋-1单元-101"], "area": "100.00", "choice": "APPROVE"},
        {"rooms": ["1栋-1单元-201"], "area": "100.00", "choice": "OPPOSE"},
    ]
    for name_or_id in ["业主1", "业主2", "owner-101", *(str(p) for p in people)]:
        assert name_or_id not in response.text

    # And the committee and the platform, who count and answer challenges, read each ballot
    # in the trail: the voter key, who cast it, the choice
    for reader in (committee, ADMIN):
        entries = api.gql(HISTORY, {"id": decision}, as_=reader)["history"]["entries"]
        cast = [e["data"] for e in entries if e["eventType"] == "BallotCast"]
        assert [(c["choice"], c["cast_by"]) for c in cast] == [
            ("APPROVE", str(people[0])),
            ("OPPOSE", str(people[1])),
        ]
        assert cast[0]["voter"] == f"owners:{people[0]}"
