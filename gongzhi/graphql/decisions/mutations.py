"""Owners' decisions: propose, vote, close with the tally, recount, share elevator costs."""

from __future__ import annotations

from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.application.decisions import (
    BallotCast,
    CastBallot,
    CloseDecision,
    ProposeDecision,
    RecountDecision,
    ShareElevatorCost,
)
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.decisions.queries import fetch_decision, shares_of
from gongzhi.graphql.decisions.types import DecisionPayload, decision_from_row
from gongzhi.graphql.permissions import Action, Target
from gongzhi.graphql.references import Found


async def decision_reply(context: Context, done: Done, _: Command) -> DecisionPayload:
    row = await fetch_decision(context, done.id)
    shares = await shares_of(context, [done.id])
    return DecisionPayload(
        decision=decision_from_row(row, shares[done.id]) if row else None,
        position=str(done.position),
    )


async def ballot_reply(context: Context, done: Done, command: CastBallot) -> DecisionPayload:
    payload = await decision_reply(context, done, command)
    payload.replaced_earlier = isinstance(done, BallotCast) and done.replaced_earlier
    return payload


def _ballot_target(_: Context, command: CastBallot, found: dict[str, Found]) -> Target:
    """The decision's community, and the unit: a resident casts only for own units; a
    committee member enters paper ballots for any unit of the community."""
    decision = found["input.decisionId"].target()
    return Target(
        district=decision.district,
        community_id=decision.community_id,
        serving_company_id=decision.serving_company_id,
        unit_id=command.unit_id,
    )


DecisionMutations = mutations(
    "DecisionMutations",
    mutation(ProposeDecision, Action.PROPOSE_DECISION, reply=decision_reply),
    mutation(CastBallot, Action.CAST_BALLOT, reply=ballot_reply, target=_ballot_target),
    mutation(CloseDecision, Action.CONDUCT_DECISION, reply=decision_reply, target="decision_id"),
    mutation(RecountDecision, Action.CONDUCT_DECISION, reply=decision_reply, target="decision_id"),
    mutation(
        ShareElevatorCost, Action.CONDUCT_DECISION, reply=decision_reply, target="decision_id"
    ),
)
