"""viewer: the signed-in principal as the platform reads it today (the console's menu)."""

from __future__ import annotations

from uuid import uuid4

from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api

VIEWER = """{ viewer { __typename subject name role districts companyId communityId personId
    unitIds expiresAt lapsed } }"""


def test_a_regulator_sees_its_role_name_and_districts(api: Api) -> None:
    # Given a regulator's token for two districts
    regulator = Principal(
        subject="reg-7", role=Role.REGULATOR, name="王科长", districts=("红塔区", "江川区")
    )
    # When it asks who it is
    viewer = api.gql(VIEWER, as_=regulator)["viewer"]
    # Then it reads its role, name and scope, and the token's expiry in Beijing time
    assert viewer["__typename"] == "Viewer"
    assert viewer["subject"] == "reg-7"
    assert viewer["name"] == "王科长"
    assert viewer["role"] == "REGULATOR"
    assert viewer["districts"] == ["红塔区", "江川区"]
    assert viewer["communityId"] is None and viewer["unitIds"] == []
    assert viewer["expiresAt"].endswith("+08:00")
    assert viewer["lapsed"] is False


def test_a_committee_member_without_a_seat_today_is_shown_lapsed_with_no_community(
    api: Api,
) -> None:
    # Given a committee member's token whose person sits on no committee term
    member = Principal(
        subject="ywh-1",
        role=Role.COMMITTEE_MEMBER,
        community_id=uuid4(),
        person_id=uuid4(),
    )
    # When it asks who it is
    viewer = api.gql(VIEWER, as_=member)["viewer"]
    # Then the platform says the token opens nothing today, and no community
    assert viewer["role"] == "COMMITTEE_MEMBER"
    assert viewer["lapsed"] is True
    assert viewer["communityId"] is None


def test_without_a_token_there_is_no_viewer(api: Api) -> None:
    response = api.post(VIEWER, as_=None)
    assert response.status_code == 401
