"""A resident sees the persons of the resident's own units, never the neighbours."""

from __future__ import annotations

from uuid import UUID

from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_decisions import entrance_with_owners

PERSONS = """query($id: ID!, $name: String) { persons(communityId: $id, name: $name) {
    __typename ... on PersonConnection { persons { id name phone } } } }"""


def test_two_residents_of_one_community_each_see_only_their_own_units_persons(api: Api) -> None:
    # Given one entrance whose six units each have their own owner (业主1 … 业主6),
    # and a tenant who moved into unit 1
    community_id, _, units, owners = entrance_with_owners(api)
    tenant = api.gql(
        """mutation { registerPerson(input: {name: "租户甲", phone: "13912345678",
        reason: "租住登记"}) { ... on PersonPayload { person { id } } } }"""
    )["registerPerson"]["person"]["id"]
    moved = api.gql(
        """mutation($c: ID!, $u: ID!, $p: ID!) { moveIn(input: {communityId: $c, unitId: $u,
        personId: $p, on: "2024-03-01", reason: "租住登记"}) { __typename } }""",
        {"c": community_id, "u": units[0], "p": tenant},
    )["moveIn"]
    assert moved["__typename"] == "CommunityPayload"
    first = Principal(subject="resident-1", role=Role.RESIDENT, unit_ids=(UUID(units[0]),))
    second = Principal(subject="resident-2", role=Role.RESIDENT, unit_ids=(UUID(units[1]),))

    # When each resident lists the community's persons
    seen_by_first = api.gql(PERSONS, {"id": community_id}, as_=first)["persons"]["persons"]
    seen_by_second = api.gql(PERSONS, {"id": community_id}, as_=second)["persons"]["persons"]

    # Then each sees the owner and residents of the own unit, and no neighbour
    assert sorted(p["name"] for p in seen_by_first) == ["业主1", "租户甲"]
    assert [p["name"] for p in seen_by_second] == ["业主2"]
    assert {p["id"] for p in seen_by_first} == {str(owners[0]), tenant}
    # And searching a neighbour by name finds nothing
    assert api.gql(PERSONS, {"id": community_id, "name": "业主2"}, as_=first)["persons"] == {
        "__typename": "PersonConnection",
        "persons": [],
    }

    # While the committee of the community still sees all seven persons
    committee = Principal(
        subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id)
    )
    everyone = api.gql(PERSONS, {"id": community_id}, as_=committee)["persons"]["persons"]
    assert len(everyone) == 7


def test_a_resident_with_two_units_sees_the_persons_of_both(api: Api) -> None:
    # Given a resident who owns units 3 and 4
    community_id, _, units, _ = entrance_with_owners(api, floors=4)
    both = Principal(
        subject="resident-34", role=Role.RESIDENT, unit_ids=(UUID(units[2]), UUID(units[3]))
    )

    # When the resident lists the persons
    seen = api.gql(PERSONS, {"id": community_id}, as_=both)["persons"]["persons"]

    # Then both units' owners are listed, with the phones masked, and nobody else
    assert [(p["name"], p["phone"]) for p in seen] == [
        ("业主3", "138****0003"),
        ("业主4", "138****0004"),
    ]
