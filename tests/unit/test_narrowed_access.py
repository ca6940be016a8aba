"""A principal narrowed to nothing (graphql/access.py) is allowed nothing by any rule."""

from __future__ import annotations

from uuid import uuid4

import pytest

from gongzhi.graphql.access import NO_COMMUNITY
from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.permissions import Action, Target, allowed

# As graphql/access.py narrows them: a seat that ended, no home left
FORMER_MEMBER = Principal(
    subject="ywh-1",
    role=Role.COMMITTEE_MEMBER,
    community_id=NO_COMMUNITY,
    person_id=uuid4(),
    lapsed=True,
)
FORMER_RESIDENT = Principal(
    subject="owner-1", role=Role.RESIDENT, unit_ids=(), person_id=uuid4(), lapsed=True
)
TARGETS = [
    Target(),  # about nothing stored yet, or a company-wide thing: no community
    Target(community_id=uuid4(), district="红塔区", unit_id=uuid4()),
    Target(company_id=uuid4()),
]


@pytest.mark.parametrize("principal", [FORMER_MEMBER, FORMER_RESIDENT], ids=["member", "resident"])
def test_a_principal_narrowed_to_nothing_is_allowed_no_action(principal: Principal) -> None:
    permitted = [
        (action.name, target)
        for action in Action
        for target in TARGETS
        if action is not Action.REVOKE_ACCESS and allowed(principal, action, target)
    ]
    assert permitted == []
    # Only giving up one's own access stays open
    assert allowed(principal, Action.REVOKE_ACCESS, Target(holder=principal.subject))
    assert not allowed(principal, Action.REVOKE_ACCESS, Target(holder="someone-else"))
