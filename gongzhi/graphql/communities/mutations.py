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


def _district(_: Context, command: RegisterCommunity, __: object) -> Target:
    return Target(district=command.district.strip())


CommunityMutations = mutations(
    "CommunityMutations",
    mutation(RegisterCommunity, Action.REGISTER_COMMUNITY, reply=community_reply, target=_district),
    mutation(RenameCommunity, Action.EDIT_COMMUNITY, reply=community_reply),
    mutation(AddBuilding, Action.EDIT_COMMUNITY, reply=community_reply),
    mutation(AddEntrance, Action.EDIT_COMMUNITY, reply=community_reply),
    mutation(AddUnit, Action.EDIT_COMMUNITY, reply=community_reply),
    mutation(CorrectUnitArea, Action.EDIT_COMMUNITY, reply=community_reply),
    mutation(RetireUnit, Action.EDIT_COMMUNITY, reply=community_reply),
    mutation(ChangeManagementMode, Action.CHANGE_MANAGEMENT_MODE, reply=community_reply),
)
