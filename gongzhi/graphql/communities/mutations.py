"""Changing communities: register, rename, the estate hierarchy, management mode."""

from __future__ import annotations

import strawberry

from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.application.communities import (
    AddBuilding,
    AddEntrance,
    AddUnit,
    ChangeManagementMode,
    CorrectUnitArea,
    RegisterCommunity,
    RenameCommunity,
    RetireUnit,
)
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.communities.queries import fetch_community
from gongzhi.graphql.communities.types import CommunityPayload, community_from_row
from gongzhi.graphql.context import Context
from gongzhi.graphql.permissions import Action, Target


async def community_reply(context: Context, done: Done, _: Command) -> CommunityPayload:
    """The community as the views show it after the command, and the part it created."""
    row = await fetch_community(context, done.id)
    return CommunityPayload(
        community=community_from_row(row) if row else None,
        part_id=strawberry.ID(str(done.part_id)) if done.part_id else None,
        position=str(done.position),
    )


# Communities of the same name on the same street, other than this one: two 幸福里 on 玉兴街道
# are told apart only by their address, so the registrar is told at once.
SAME_NAME_ON_STREET = """
SELECT o.id, o.address FROM communities c JOIN communities o
  ON o.district = c.district AND o.street = c.street AND o.name = c.name AND o.id <> c.id
WHERE c.id = $1 ORDER BY o.id LIMIT 5"""


async def register_reply(
    context: Context, done: Done, command: RegisterCommunity
) -> CommunityPayload:
    payload = await community_reply(context, done, command)
    for other in await context.pool.fetch(SAME_NAME_ON_STREET, done.id):
        address = other["address"] or "no address"
        same = " at the same address" if other["address"] == command.address.strip() else ""
        payload.warnings.append(
            f"community {other['id']} of the same name is registered on this street{same} "
            f"({address}): tell them apart by address"
        )
    return payload


def _district(_: Context, command: RegisterCommunity, __: object) -> Target:
    return Target(district=command.district.strip())


CommunityMutations = mutations(
    "CommunityMutations",
    mutation(RegisterCommunity, Action.REGISTER_COMMUNITY, reply=register_reply, target=_district),
    mutation(RenameCommunity, Action.EDIT_COMMUNITY, reply=community_reply),
    mutation(AddBuilding, Action.EDIT_COMMUNITY, reply=community_reply),
    mutation(AddEntrance, Action.EDIT_COMMUNITY, reply=community_reply),
    mutation(AddUnit, Action.EDIT_COMMUNITY, reply=community_reply),
    mutation(CorrectUnitArea, Action.EDIT_COMMUNITY, reply=community_reply),
    mutation(RetireUnit, Action.EDIT_COMMUNITY, reply=community_reply),
    mutation(ChangeManagementMode, Action.CHANGE_MANAGEMENT_MODE, reply=community_reply),
)
