"""Ballots as aggregates of their own (issue 13): concurrent voters never conflict, a repeat
replaces the voter's own ballot, and a unit sold during the voting keeps its seller's ballot
(北京 rule) while its buyer cannot vote for it again."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import text

from gongzhi.application.base import Done
from gongzhi.application.decisions import CastBallot, CloseDecision, RecountDecision
from gongzhi.application.owners import OwnerShare, RecordOwnership, RegisterPerson
from gongzhi.domain.decision import Ballot, Channel, Decision, ballot_id
from gongzhi.domain.errors import RuleViolated
from gongzhi.graphql.auth import Principal, Role
from gongzhi.infra.audit_chain import write_lock_key
from tests.integration.conftest import Api
from tests.integration.test_graphql_decisions import (
    META,
    ballot,
    entrance_with_owners,
    propose,
)

BALLOT_HISTORY = """query($id: ID!) { history(id: $id) { __typename
    ... on HistoryConnection { entries { eventType data } } } }"""
DECISION_QUERY = """query($id: ID!) { decision(id: $id) { __typename
    ... on Decision { ballotsCast recountsAgreeing } } }"""


def test_nine_owners_voting_at_once_are_never_refused_for_a_conflict(api: Api) -> None:
    # Given an open vote in an entrance of nine owners (the helper numbers phones by floor)
    community_id, entrance, units, people = entrance_with_owners(api, floors=9)
    now = datetime.now(UTC)
    decision = propose(
        api, community_id, entrance, now - timedelta(hours=1), now + timedelta(days=7)
    )
    app = api.platform.app
    start = threading.Barrier(len(units))
    outcomes: list[object] = []

    def vote(unit: str, person: UUID) -> None:
        command = CastBallot(
            decision_id=UUID(decision),
            unit_id=UUID(unit),
            person_id=person,
            choice="APPROVE",
            channel=Channel.ONLINE,
        )
        start.wait()
        try:
            outcomes.append(app.cast_ballot(META, command))
        except Exception as error:
            outcomes.append(error)

    # When all nine cast their ballots at the same moment
    threads = [
        threading.Thread(target=vote, args=(unit, person))
        for unit, person in zip(units, people, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then every ballot was recorded, none refused, and the decision itself did not change
    assert [o for o in outcomes if not isinstance(o, Done)] == []
    assert {o.id for o in outcomes if isinstance(o, Done)} == {UUID(decision)}
    assert app.load(Decision, UUID(decision), "decisionId").version == 1
    api.settle()
    shown = api.gql(DECISION_QUERY, {"id": decision})["decision"]
    assert shown["ballotsCast"] == 9


def test_a_repeat_replaces_the_voters_own_ballot(api: Api) -> None:
    # Given an owner who voted against
    community_id, entrance, units, people = entrance_with_owners(api, floors=2)
    now = datetime.now(UTC)
    decision = propose(
        api, community_id, entrance, now - timedelta(hours=1), now + timedelta(days=7)
    )
    owner = Principal(subject="owner-1", role=Role.RESIDENT, unit_ids=(UUID(units[0]),))
    ballot(api, decision, units[0], people[0], "OPPOSE", owner)

    # When she votes again, for
    again = ballot(api, decision, units[0], people[0], "APPROVE", owner)

    # Then her one ballot was changed: the same aggregate, a second version
    assert again["decision"]["ballotsCast"] == 1
    app = api.platform.app
    mine = app.load(Ballot, ballot_id(UUID(decision), f"owners:{people[0]}"), "id")
    assert (mine.choice, mine.version, mine.units) == ("APPROVE", 2, [units[0]])
    # And the ballot's own trail shows both, to the committee, and is read where the decision is
    committee = Principal(
        subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id)
    )
    trail = api.gql(BALLOT_HISTORY, {"id": str(mine.id)}, as_=committee)["history"]
    assert [(e["eventType"], e["data"]["choice"]) for e in trail["entries"]] == [
        ("BallotCast", "OPPOSE"),
        ("BallotChanged", "APPROVE"),
    ]
    neighbour = Principal(subject="owner-2", role=Role.RESIDENT, unit_ids=(UUID(units[1]),))
    hidden = api.gql(BALLOT_HISTORY, {"id": str(mine.id)}, as_=neighbour)["history"]
    assert hidden["__typename"] == "Forbidden"


def test_a_unit_sold_during_the_voting_keeps_its_sellers_ballot_and_the_buyer_cannot_vote_it(
    api: Api,
) -> None:
    # Given a vote in an entrance of three owners, where the owner of 101 approved
    community_id, entrance, units, people = entrance_with_owners(api, floors=3)
    now = datetime.now(UTC)
    opens, closes = now - timedelta(days=2), now + timedelta(days=7)
    decision = propose(api, community_id, entrance, opens, closes)
    seller = Principal(subject="owner-101", role=Role.RESIDENT, unit_ids=(UUID(units[0]),))
    assert ballot(api, decision, units[0], people[0], "APPROVE", seller)["__typename"] == (
        "DecisionPayload"
    )
    app = api.platform.app

    # When 101 is sold during the voting and its buyer tries to vote for it
    buyer = app.register_person(META, RegisterPerson(name="买受人", phone="13800009999")).id
    app.record_ownership(
        META,
        RecordOwnership(
            community_id=UUID(community_id),
            unit_id=UUID(units[0]),
            owners=[OwnerShare(buyer, "1")],
            on=date.today(),
        ),
    )
    api.settle()
    as_buyer = Principal(subject="buyer-101", role=Role.RESIDENT, unit_ids=(UUID(units[0]),))
    refused = ballot(api, decision, units[0], buyer, "OPPOSE", as_buyer)

    # Then the buyer is refused: the seller's ballot counts for the unit
    assert refused == {
        "__typename": "ValidationError",
        "field": "input.unitId",
        "message": "was voted for by its owner before it changed hands during this voting; "
        "that ballot counts for the unit",
    }

    # When the owner of 201 opposes and the vote is closed after its end
    app.cast_ballot(
        META,
        CastBallot(
            decision_id=UUID(decision),
            unit_id=UUID(units[1]),
            person_id=people[1],
            choice="OPPOSE",
            channel=Channel.PAPER,
        ),
    )
    app.close_decision(META, CloseDecision(decision_id=UUID(decision)), at=closes)

    # Then 101 counted once, with its seller's approval, and the buyer not at all
    closed = app.load(Decision, UUID(decision), "decisionId")
    assert closed.ballots == {f"owners:{people[0]}": "APPROVE", f"owners:{people[1]}": "OPPOSE"}
    voters = {e.unit_id: e.voter for e in closed.electorate}
    assert voters[units[0]] == f"owners:{people[0]}"
    result = closed.result
    assert result is not None
    assert (result.total_headcount, result.participating_headcount) == (3, 2)
    assert result.option("APPROVE").headcount == 1
    # And a recount from the record agrees
    app.recount_decision(META, RecountDecision(decision_id=UUID(decision)))
    assert app.load(Decision, UUID(decision), "decisionId").version == 3
    api.settle()
    shown = api.gql(DECISION_QUERY, {"id": decision})["decision"]
    assert (shown["ballotsCast"], shown["recountsAgreeing"]) == (2, 1)


def _held_write_lock(api: Api) -> tuple[Any, Callable[[int], None]]:
    """A connection holding the event log's write lock (every save waits for it), and a way
    to wait until ``n`` saves are queued behind it (read from pg_stat_activity)."""
    recorder: Any = api.platform.app.recorder
    key = write_lock_key(recorder.datastore.schema, recorder.events_table_name)
    holder = api.platform.engine.connect()
    holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
    holder.commit()

    def queued(n: int) -> None:
        with api.platform.engine.connect() as watcher:
            for _ in range(100_000):
                waiting = watcher.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory'"
                        " AND datname = current_database()"
                    )
                ).scalar_one()
                watcher.rollback()
                if waiting >= n:
                    return
        raise AssertionError(f"{n} saves never queued behind the write lock")

    return holder, queued


def _ballot_racing_the_close(api: Api, *, ballot_first: bool) -> tuple[UUID, dict[str, object]]:
    """A vote at its closing time: a ballot cast a second before it and the close, saved
    in the order given (both queued behind the held write lock, the close having read the
    ballots before the ballot committed); the decision and each one's outcome."""
    community_id, entrance, units, people = entrance_with_owners(api, floors=2)
    now = datetime.now(UTC)
    closes = now + timedelta(days=1)
    decision = UUID(propose(api, community_id, entrance, now - timedelta(hours=1), closes))
    app = api.platform.app
    late = CastBallot(
        decision_id=decision,
        unit_id=UUID(units[0]),
        person_id=people[0],
        choice="APPROVE",
        channel=Channel.ONLINE,
    )
    steps: dict[str, Callable[[], object]] = {
        "ballot": lambda: app.cast_ballot(META, late, at=closes - timedelta(seconds=1)),
        "close": lambda: app.close_decision(META, CloseDecision(decision_id=decision), at=closes),
    }
    order = ["ballot", "close"] if ballot_first else ["close", "ballot"]
    outcomes: dict[str, object] = {}
    threads = []
    holder, queued = _held_write_lock(api)
    try:
        for number, name in enumerate(order, start=1):

            def run(step: Callable[[], object] = steps[name], name: str = name) -> None:
                try:
                    outcomes[name] = step()
                except Exception as error:  # reported by the test
                    outcomes[name] = error

            threads.append(threading.Thread(target=run))
            threads[-1].start()
            queued(number)
    finally:
        holder.execute(text("SELECT pg_advisory_unlock_all()"))
        holder.close()
    for thread in threads:
        thread.join()
    return decision, outcomes


def test_a_ballot_saved_while_the_close_counts_is_counted(api: Api) -> None:
    # When a ballot cast just before the closing time is saving (queued first) while the
    # close has read the ballots without it and is saving too (queued second)
    decision, outcomes = _ballot_racing_the_close(api, ballot_first=True)

    # Then the ballot was acknowledged and the close counted it
    assert isinstance(outcomes["ballot"], Done), outcomes
    assert isinstance(outcomes["close"], Done), outcomes
    closed = api.platform.app.load(Decision, decision, "decisionId")
    assert closed.result is not None and closed.result.participating_headcount == 1


def test_a_ballot_that_loses_the_race_to_the_close_is_told_the_voting_closed(api: Api) -> None:
    # When the close saves first and a ballot cast just before the closing time after it
    decision, outcomes = _ballot_racing_the_close(api, ballot_first=False)

    # Then the ballot is refused in plain words, not acknowledged and left uncounted
    assert isinstance(outcomes["close"], Done), outcomes
    refused = outcomes["ballot"]
    assert isinstance(refused, RuleViolated), outcomes
    assert "closed" in str(refused)
    closed = api.platform.app.load(Decision, decision, "decisionId")
    assert closed.result is not None and closed.result.participating_headcount == 0


def test_the_close_reads_each_ballot_as_its_aggregate_holds_it(api: Api) -> None:
    # Given three ballots: one cast, one changed from against to for, one cast by a proxy
    # with an authorisation (sealed at rest)
    community_id, entrance, units, people = entrance_with_owners(api, floors=3)
    now = datetime.now(UTC)
    decision = UUID(
        propose(api, community_id, entrance, now - timedelta(hours=1), now + timedelta(days=7))
    )
    app = api.platform.app
    proxy = app.register_person(META, RegisterPerson(name="受托人", phone="13800007777")).id
    casts = [
        (units[0], people[0], "APPROVE", ""),
        (units[1], people[1], "OPPOSE", ""),
        (units[1], people[1], "APPROVE", ""),
        (units[2], proxy, "OPPOSE", "委托书 2026-17"),
    ]
    for unit, person, choice, authorisation in casts:
        app.cast_ballot(
            META,
            CastBallot(
                decision_id=decision,
                unit_id=UUID(unit),
                person_id=person,
                choice=choice,
                channel=Channel.PAPER,
                proxy_authorisation=authorisation,
            ),
        )
    ids = [ballot_id(decision, f"owners:{p}") for p in people]

    # When the close's reader reads them from their recorded fields
    counted = sorted(app.counted_ballots(ids), key=lambda b: b.voter)

    # Then each is what its aggregate holds, the change included
    aggregates = sorted(app.load_many(Ballot, ids), key=lambda b: b.voter)
    assert [(b.decision_id, b.voter, b.units, b.choice, b.created_on) for b in counted] == [
        (b.decision_id, b.voter, tuple(b.units), b.choice, b.created_on) for b in aggregates
    ]
    assert [b.choice for b in counted] == [
        dict(zip(people, ("APPROVE", "APPROVE", "OPPOSE"), strict=True))[UUID(b.voter[7:])]
        for b in counted
    ]
    # And a personal field is never read as stored (it is sealed there)
    with pytest.raises(ValueError, match="proxy_authorisation"):
        app.recorded_fields(ids, ["voter", "proxy_authorisation"])
    assert (
        aggregates[[b.voter for b in aggregates].index(f"owners:{people[2]}")].proxy_authorisation
        == "委托书 2026-17"
    )
