"""Changing service contracts: award, start, notices of dismissal and non-renewal, hand-over."""

from __future__ import annotations

from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.application.contracts import (
    AwardContract,
    GiveDismissalNotice,
    GiveNonRenewalNotice,
    HandOverContract,
    StartContract,
)
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.contracts.queries import fetch_contract
from gongzhi.graphql.contracts.types import ContractPayload, contract_from_row
from gongzhi.graphql.permissions import Action


async def contract_reply(context: Context, done: Done, _: Command) -> ContractPayload:
    row = await fetch_contract(context, done.id)
    successor = await fetch_contract(context, done.part_id) if done.part_id else None
    return ContractPayload(
        contract=contract_from_row(row) if row else None,
        successor=contract_from_row(successor) if successor else None,
        position=str(done.position),
    )


# A contract's target is its community (district, serving company) and its company.
ContractMutations = mutations(
    "ContractMutations",
    mutation(AwardContract, Action.MANAGE_CONTRACT, reply=contract_reply),
    mutation(StartContract, Action.MANAGE_CONTRACT, reply=contract_reply, target="contract_id"),
    mutation(
        GiveDismissalNotice,
        Action.GIVE_DISMISSAL_NOTICE,
        reply=contract_reply,
        target="contract_id",
    ),
    mutation(
        GiveNonRenewalNotice,
        Action.GIVE_NON_RENEWAL_NOTICE,
        reply=contract_reply,
        target="contract_id",
    ),
    mutation(HandOverContract, Action.MANAGE_CONTRACT, reply=contract_reply, target="contract_id"),
)
