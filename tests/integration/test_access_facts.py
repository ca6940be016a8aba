"""Access that follows the facts: a token's scope is narrowed on every request to what holds
today (committee term, home, the company serving the community), and a revoked token opens
nothing from the next request on."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from starlette.websockets import WebSocketDisconnect

from gongzhi.application.base import Meta, business_today
from gongzhi.application.communities import ChangeManagementMode
from gongzhi.application.companies import RegisterCompany
from gongzhi.application.owners import MoveIn, MoveOut, OwnerShare, RecordOwnership, RegisterPerson
from gongzhi.demo import credit_code
from gongzhi.graphql.auth import Principal, Role, issue_token
from tests.integration.conftest import ADMIN, Api
from tests.integration.test_graphql_committees import (
    DISSOLVE,
    appoint_interim,
    community_with_units,
)
from tests.integration.test_graphql_committees import call as committee_call
from tests.integration.test_graphql_work_orders import (
    Estate,
    connect,
    make_estate,
    report,
    subscribe,
)

META = Meta(actor="street-1", reason="登记", actor_role="REGULATOR")
HISTORY = """query($id: ID!) { history(id: $id) { __typename
    ... on Forbidden { message } ... on HistoryConnection { entries { eventType } } } }"""
REVOKE = """mutation($input: RevokeTokenInput!) { revokeToken(input: $input) { __typename
    ... on RevocationPayload { revocationId } ... on Forbidden { message }
    ... on ValidationError { field message } ... on Conflict { message } } }"""
REVOKE_OF = """mutation($input: RevokeTokensOfInput!) { revokeTokensOf(input: $input) {
    __typename ... on RevocationPayload { revocationId } ... on Forbidden { message } } }"""
PING = "{ __typename }"
REGISTER = """mutation($input: RegisterPersonInput!) { registerPerson(input: $input) {
    __typename } }"""
REPORT = """mutation($input: ReportWorkOrderInput!) { reportWorkOrder(input: $input) {
    __typename ... on Forbidden { message } } }"""


def report_with(api: Api, token: str, estate: Estate, unit: str) -> str:
    """The answer's type to a repair report for ``unit`` sent with a kept token."""
    fields = {
        "reason": "报修",
        "communityId": estate.community,
        "category": "PLUMBING",
        "description": "漏水",
        "place": {"kind": "UNIT", "unitId": unit},
    }
    response = api.post(REPORT, {"input": fields}, token=token)
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["reportWorkOrder"]["__typename"])


@pytest.fixture
def estate(api: Api) -> Estate:
    return make_estate(api)


def person(api: Api, name: str = "住户") -> UUID:
    return api.platform.app.register_person(META, RegisterPerson(name=name)).id


def kind_of(result: dict[str, Any]) -> str:
    return str(result["__typename"])


def test_a_committee_member_of_a_dissolved_committee_is_forbidden_with_the_old_token(
    api: Api,
) -> None:
    # Given an interim committee in office, and a token of one of its members
    community_id = community_with_units(api, units=2)
    committee = appoint_interim(api, community_id, on=business_today() - timedelta(days=30))
    member_id = UUID(committee["committee"]["members"][0]["personId"])

    member = Principal(
        subject="ywh-1",
        role=Role.COMMITTEE_MEMBER,
        community_id=UUID(community_id),
        person_id=member_id,
    )
    stranger = Principal(
        subject="ywh-x",
        role=Role.COMMITTEE_MEMBER,
        community_id=UUID(community_id),
        person_id=uuid4(),
    )
    token = api.token(member)
    assert kind_of(api.gql(HISTORY, {"id": community_id}, as_=member)["history"]) == (
        "HistoryConnection"
    )
    register = {"input": {"name": "新住户", "reason": "登记"}}
    assert kind_of(api.gql(REGISTER, register, as_=member)["registerPerson"]) == "PersonPayload"
    # A token naming someone who never sat on the committee opens nothing of it
    assert kind_of(api.gql(HISTORY, {"id": community_id}, as_=stranger)["history"]) == "Forbidden"

    # When the committee's term ends (dissolved today by the street office)
    dissolved = committee_call(
        api,
        DISSOLVE,
        committeeId=committee["committee"]["id"],
        dissolvedOn=business_today().isoformat(),
        cause="任期届满",
    )
    assert dissolved["committee"]["status"] == "DISSOLVED", dissolved

    # Then the same token is refused what it lost, while it still signs in (not a 401)
    response = api.post(HISTORY, {"id": community_id}, token=token)
    assert response.status_code == 200
    assert kind_of(response.json()["data"]["history"]) == "Forbidden"
    # even where the rule asks only for the role (a sitting member registers persons)
    assert kind_of(api.gql(REGISTER, register, as_=member)["registerPerson"]) == "Forbidden"


def test_a_resident_who_moved_out_or_sold_is_forbidden_for_that_unit(
    api: Api, estate: Estate
) -> None:
    # Given a person living in 101 and owning 102, with one token naming both units
    app = api.platform.app
    resident_id = person(api)
    community = UUID(estate.community)
    app.move_in(META, MoveIn(community, UUID(estate.unit), resident_id, date(2024, 3, 1)))
    app.record_ownership(
        META,
        RecordOwnership(
            community, UUID(estate.other_unit), [OwnerShare(resident_id)], date(2024, 3, 1)
        ),
    )
    api.settle()
    token_holder = Principal(
        subject="owner-1",
        role=Role.RESIDENT,
        unit_ids=(UUID(estate.unit), UUID(estate.other_unit)),
        person_id=resident_id,
    )
    token = api.token(token_holder)
    other_unit = {"place": {"kind": "UNIT", "unitId": estate.other_unit}}
    assert kind_of(report(api, estate, as_=token_holder)) == "WorkOrderPayload"
    assert kind_of(report(api, estate, as_=token_holder, **other_unit)) == "WorkOrderPayload"

    # When the person moves out of 101 and sells 102
    app.move_out(META, MoveOut(community, UUID(estate.unit), resident_id, date(2024, 9, 1)))
    buyer = person(api, "买受人")
    app.record_ownership(
        META,
        RecordOwnership(community, UUID(estate.other_unit), [OwnerShare(buyer)], date(2024, 9, 1)),
    )
    api.settle()

    # Then the same token is refused for both units
    assert report_with(api, token, estate, estate.unit) == "Forbidden"
    assert report_with(api, token, estate, estate.other_unit) == "Forbidden"


def test_staff_of_a_company_that_handed_over_are_forbidden(api: Api, estate: Estate) -> None:
    # Given staff of the serving company, who may act in the community
    staff = Principal(subject="staff-1", role=Role.COMPANY_STAFF, company_id=UUID(estate.company))
    token = api.token(staff)
    assert kind_of(report(api, estate, as_=staff)) == "WorkOrderPayload"

    # When another company takes over the community from yesterday
    app = api.platform.app
    successor = app.register_company(
        META, RegisterCompany(name="新安物业", credit_code=credit_code(random.Random("新安")))
    ).id
    app.change_management_mode(
        META,
        ChangeManagementMode(
            community_id=UUID(estate.community),
            mode="PROFESSIONAL",
            company_id=successor,
            effective_from=business_today() - timedelta(days=1),
        ),
    )
    api.settle()

    # Then the old token is refused there
    assert report_with(api, token, estate, estate.unit) == "Forbidden"


def test_a_revoked_token_gets_401_at_once_and_others_of_the_subject_stay(api: Api) -> None:
    # Given two tokens of the same regulator
    regulator = Principal(subject="street-9", role=Role.REGULATOR, districts=("红塔区",))
    first_id, second_id = uuid4(), uuid4()
    first = issue_token(
        api.settings.jwt_secret, Principal(**{**vars(regulator), "token_id": first_id})
    )
    second = issue_token(
        api.settings.jwt_secret, Principal(**{**vars(regulator), "token_id": second_id})
    )
    assert api.post(PING, token=first).status_code == 200

    # When the holder revokes the first (signed in with it)
    revoked = api.post(
        REVOKE, {"input": {"tokenId": str(first_id), "reason": "手机丢失"}}, token=first
    )
    assert revoked.json()["data"]["revokeToken"]["__typename"] == "RevocationPayload"

    # Then the very next request with it is 401, and the second still opens
    refused = api.post(PING, token=first)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["message"] == "the token has been revoked"
    assert api.post(PING, token=second).status_code == 200

    # And the revocation is on record with its actor and reason
    row = (
        api.platform.engine.connect()
        .exec_driver_sql("SELECT actor, reason, token_id FROM revocations")
        .one()
    )
    assert (row.actor, row.reason, row.token_id) == ("street-9", "手机丢失", first_id)


def test_only_the_admin_revokes_another_subjects_tokens(api: Api) -> None:
    # Given a regulator's token and a company staff member's
    regulator = Principal(subject="street-9", role=Role.REGULATOR, districts=("红塔区",))
    staff = Principal(subject="staff-9", role=Role.COMPANY_STAFF, company_id=uuid4())
    staff_token = api.token(staff)

    # When the regulator tries to revoke the staff member's tokens, Then it is Forbidden
    refused = api.gql(REVOKE_OF, {"input": {"subject": "staff-9", "reason": "离职"}}, as_=regulator)
    assert refused["revokeTokensOf"]["__typename"] == "Forbidden"
    # and a token id that is not the caller's own is Forbidden too
    other = api.gql(REVOKE, {"input": {"tokenId": str(uuid4()), "reason": "x"}}, as_=regulator)
    assert other["revokeToken"]["__typename"] == "Forbidden"
    assert api.post(PING, token=staff_token).status_code == 200

    # When the platform admin revokes every token of the staff member
    done = api.gql(REVOKE_OF, {"input": {"subject": "staff-9", "reason": "离职"}}, as_=ADMIN)
    assert done["revokeTokensOf"]["__typename"] == "RevocationPayload"

    # Then the old token is refused at once; the admin's own still opens, and so does a
    # token issued to the staff member afterwards (revoking is not banning)
    assert api.post(PING, token=staff_token).status_code == 401
    assert api.post(PING).status_code == 200
    assert api.post(PING, as_=staff).status_code == 200
    # And a malformed token id is a ValidationError naming the field
    bad = api.gql(REVOKE, {"input": {"tokenId": "not-a-uuid", "reason": "x"}}, as_=ADMIN)
    assert bad["revokeToken"] == {
        "__typename": "ValidationError",
        "field": "input.tokenId",
        "message": "is not a token id",
    }


def test_a_websocket_is_closed_when_its_token_is_revoked(api: Api, estate: Estate) -> None:
    staff = Principal(
        subject="staff-1",
        role=Role.COMPANY_STAFF,
        company_id=UUID(estate.company),
        token_id=uuid4(),
    )
    token = api.token(staff)
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        assert connect(ws, {"authorization": f"Bearer {token}"}) == {"type": "connection_ack"}
        subscribe(ws, estate.community)
        # When the admin revokes the token the websocket signed in with
        done = api.gql(REVOKE, {"input": {"tokenId": str(staff.token_id), "reason": "离职"}})
        assert done["revokeToken"]["__typename"] == "RevocationPayload"
        # Then the server closes the connection: 4401
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                ws.receive_json()
        assert closed.value.code == 4401


def test_a_websocket_is_closed_when_its_token_expires(api: Api, estate: Estate) -> None:
    staff = Principal(subject="staff-1", role=Role.COMPANY_STAFF, company_id=UUID(estate.company))
    token = issue_token(api.settings.jwt_secret, staff, timedelta(seconds=2))
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        assert connect(ws, {"authorization": f"Bearer {token}"}) == {"type": "connection_ack"}
        subscribe(ws, estate.community)
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                ws.receive_json()
        assert closed.value.code == 4401


def test_anyone_revokes_all_of_their_own_tokens(api: Api) -> None:
    resident = Principal(subject="owner-5", role=Role.RESIDENT, unit_ids=(uuid4(),))
    first, second = api.token(resident), api.token(resident)
    done = api.post(REVOKE_OF, {"input": {"subject": "owner-5", "reason": "换手机"}}, token=first)
    assert done.json()["data"]["revokeTokensOf"]["__typename"] == "RevocationPayload"
    assert api.post(PING, token=first).status_code == 401
    assert api.post(PING, token=second).status_code == 401
