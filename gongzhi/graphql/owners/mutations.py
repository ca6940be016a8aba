"""Registering persons; ownership (取得/交付/过户), residence and roles in a community."""

from __future__ import annotations

import strawberry

from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.application.owners import (
    ErasePerson,
    EraseRecordText,
    GrantRole,
    HoldByDeveloper,
    MoveIn,
    MoveOut,
    RecordOwnership,
    RegisterPerson,
    RevokeRole,
)
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.communities.mutations import community_reply
from gongzhi.graphql.context import Context
from gongzhi.graphql.owners.queries import fetch_person
from gongzhi.graphql.owners.types import (
    PersonPayload,
    RecordTextErasedPayload,
    persons_from_rows,
)
from gongzhi.graphql.permissions import Action


async def person_reply(context: Context, done: Done, _: Command) -> PersonPayload:
    row = await fetch_person(context, done.id)
    return PersonPayload(
        person=(await persons_from_rows(context, [row]))[0] if row else None,
        position=str(done.position),
    )


async def erasure_reply(
    context: Context, done: Done, command: EraseRecordText
) -> RecordTextErasedPayload:
    return RecordTextErasedPayload(
        record_id=strawberry.ID(str(command.record_id)), position=str(done.position)
    )


OwnerMutations = mutations(
    "OwnerMutations",
    # Anyone who may register persons may; the person is then theirs until linked.
    mutation(RegisterPerson, Action.REGISTER_PERSON, reply=person_reply, target=None),
    mutation(RecordOwnership, Action.EDIT_OWNERS, reply=community_reply),
    mutation(HoldByDeveloper, Action.EDIT_OWNERS, reply=community_reply),
    mutation(MoveIn, Action.EDIT_OWNERS, reply=community_reply),
    mutation(MoveOut, Action.EDIT_OWNERS, reply=community_reply),
    mutation(GrantRole, Action.EDIT_OWNERS, reply=person_reply),
    mutation(RevokeRole, Action.EDIT_OWNERS, reply=person_reply),
    # 个人信息删除: the platform admin's alone (see Action.ERASE_PERSON).
    mutation(ErasePerson, Action.ERASE_PERSON, reply=person_reply, target="person_id"),
    # A record's free text names people too: erased by the same hand, under the same rule.
    mutation(EraseRecordText, Action.ERASE_PERSON, reply=erasure_reply, target="record_id"),
)
