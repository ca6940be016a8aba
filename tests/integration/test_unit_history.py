"""A unit's own trail (issue 13): ``history(id:)`` of a unit lists its entries of its
community's log (added, owned, lived in), to those who may read the community's history."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from uuid import UUID

from gongzhi.application.owners import MoveIn, OwnerShare, RecordOwnership, RegisterPerson
from gongzhi.domain.community import Community
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_decisions import META, entrance_with_owners
from tests.unit.test_holding import recorded_before_the_split

HISTORY = """query($id: ID!) { history(id: $id) { __typename
    ... on HistoryConnection { entries { aggregateType eventType data } }
    ... on Forbidden { message } ... on NotFound { field } } }"""


def test_the_history_of_a_unit_shows_its_ownership_and_residence(api: Api) -> None:
    # Given a unit with its first owner, sold, and a tenant moving in
    community_id, _, units, people = entrance_with_owners(api, floors=2)
    app = api.platform.app
    buyer = app.register_person(META, RegisterPerson(name="买受人")).id
    app.record_ownership(
        META,
        RecordOwnership(
            community_id=UUID(community_id),
            unit_id=UUID(units[0]),
            owners=[OwnerShare(buyer, "1")],
            on=date(2024, 5, 1),
        ),
    )
    app.move_in(
        META,
        MoveIn(
            community_id=UUID(community_id),
            unit_id=UUID(units[0]),
            person_id=people[1],
            on=date(2024, 6, 1),
        ),
    )
    api.settle()

    # When the committee reads the unit's history
    committee = Principal(
        subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id)
    )
    history = api.gql(HISTORY, {"id": units[0]}, as_=committee)["history"]

    # Then it lists the unit's own events, in order, and no other unit's (its owners and
    # residents are the unit's holding since issue 13, an aggregate of their own)
    assert [(e["aggregateType"], e["eventType"]) for e in history["entries"]] == [
        ("Community", "UnitAdded"),
        ("UnitHolding", "UnitOwnershipRecorded"),
        ("UnitHolding", "UnitOwnershipRecorded"),
        ("UnitHolding", "ResidentMovedIn"),
    ]
    owners = [e["data"]["owners"] for e in history["entries"][1:3]]
    assert [[o["person_id"] for o in row] for row in owners] == [[str(people[0])], [str(buyer)]]
    # And a resident of another unit may not read it
    neighbour = Principal(subject="owner-2", role=Role.RESIDENT, unit_ids=(UUID(units[1]),))
    refused = api.gql(HISTORY, {"id": units[0]}, as_=neighbour)["history"]
    assert refused["__typename"] == "Forbidden"


def test_the_history_of_a_unit_owned_before_the_split_shows_old_and_new_events(api: Api) -> None:
    # Given a unit whose first owner the community's own events recorded (before issue 13's
    # split), sold since through today's command
    community_id, *_ = entrance_with_owners(api, floors=2)
    app = api.platform.app
    first = app.register_person(META, RegisterPerson(name="房改房业主")).id
    buyer = app.register_person(META, RegisterPerson(name="买受人")).id
    community = app.load(Community, UUID(community_id), "communityId")
    unit = community.add_unit(next(iter(community.entrance_index)), "301", 2, "90.00", "REGISTER")
    recorded_before_the_split(community, unit, [(first, Fraction(1))], date(1998, 1, 1))
    app.record(META, community)
    app.record_ownership(
        META,
        RecordOwnership(
            community_id=UUID(community_id),
            unit_id=unit,
            owners=[OwnerShare(buyer, "1")],
            on=date(2024, 5, 1),
        ),
    )
    api.settle()

    # When the committee reads the unit's history
    committee = Principal(
        subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id)
    )
    history = api.gql(HISTORY, {"id": str(unit)}, as_=committee)["history"]

    # Then it shows the community's old event and the holding's new one, in order
    assert [(e["aggregateType"], e["eventType"]) for e in history["entries"]] == [
        ("Community", "UnitAdded"),
        ("Community", "UnitOwnershipRecorded"),
        ("UnitHolding", "UnitOwnershipRecorded"),
    ]
    changes = [e["data"]["change"] for e in history["entries"][1:]]
    assert changes == ["ACQUIRED", "TRANSFERRED"]
