"""Reading owners' decisions with their tallies."""

from __future__ import annotations

from fractions import Fraction
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.domain.decision import Channel
from gongzhi.domain.holding import voter_key
from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.context import Context
from gongzhi.graphql.decisions.types import (
    DecisionConnection,
    DecisionLookup,
    DecisionPublicity,
    DecisionPublicityLookup,
    DecisionsResult,
    MyBallot,
    MyBallotLookup,
    PublicBallot,
    decision_from_row,
)
from gongzhi.graphql.pagination import Key, keyset_page
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import Action, Target, community_scope
from gongzhi.graphql.reading import (
    CommunityArg,
    DecisionArg,
    UnitInCommunityArg,
    found,
    lookup,
    require,
)

DECISION_SELECT = """
SELECT d.*, (SELECT count(*) FROM ballots b WHERE b.decision_id = d.id)::int AS ballots_cast
FROM decisions d JOIN communities c ON c.id = d.community_id
"""

NEWEST_FIRST = (Key("d.opens_at", "opens_at", "timestamptz"), Key("d.id", "id", "uuid"))


async def fetch_decision(context: Context, decision_id: UUID) -> Any:
    params = Params([decision_id])
    scope = community_scope(context.principal, "c", params)
    return await context.pool.fetchrow(f"{DECISION_SELECT} WHERE d.id = $1 AND {scope}", *params)


async def shares_of(context: Context, decision_ids: list[UUID]) -> dict[UUID, list[Any]]:
    rows = await context.pool.fetch(
        "SELECT * FROM elevator_shares WHERE decision_id = ANY($1::uuid[]) ORDER BY floor, unit_id",
        decision_ids,
    )
    grouped: dict[UUID, list[Any]] = {i: [] for i in decision_ids}
    for row in rows:
        grouped[row["decision_id"]].append(row)
    return grouped


# 公示: each ballot by the rooms and area of the units its voter key stood for at the close.
# No voter key, no person, no caster, no proxy: nothing that names anyone.
PUBLIC_BALLOTS = """
SELECT b.choice, sum((e->>'area')::numeric) AS area,
       array_agg(bl.number || '-' || en.number || '-' || u.number
                 ORDER BY bl.position, en.position, u.floor, u.number) AS rooms
FROM decisions d
JOIN ballots b ON b.decision_id = d.id
JOIN jsonb_array_elements(d.electorate) e ON e->>'voter' = b.voter
JOIN units u ON u.id = (e->>'unit_id')::uuid
JOIN entrances en ON en.id = u.entrance_id
JOIN buildings bl ON bl.id = en.building_id
WHERE d.id = $1
GROUP BY b.voter, b.choice
ORDER BY min(bl.position), min(en.position), min(u.floor), min(u.number)
"""


def sees_ballots(principal: Principal) -> bool:
    """投票保密: who voted what is never shown to the company serving the community (a vote
    may be about dismissing it). The owners, their committee, the regulator and the
    platform see the published ballots."""
    return principal.role is not Role.COMPANY_STAFF


@strawberry.type
class DecisionQueries:
    @strawberry.field(description="表决公示 a decision's ballots by room and area, never by name")
    @lookup
    async def decision_publicity(
        self, info: Info[Context, None], decision_id: DecisionArg
    ) -> DecisionPublicityLookup:
        row = found(await fetch_decision(info.context, UUID(decision_id)), "decision")
        shown = row["closed"] and sees_ballots(info.context.principal)
        rows = await info.context.pool.fetch(PUBLIC_BALLOTS, row["id"]) if shown else []
        return DecisionPublicity(
            decision_id=strawberry.ID(str(row["id"])),
            title=row["title"],
            closed=row["closed"],
            passed=row["passed"],
            ballots_cast=row["ballots_cast"],
            ballots_shown=shown,
            ballots=[
                PublicBallot(rooms=list(r["rooms"]), area=r["area"], choice=r["choice"])
                for r in rows
            ],
        )

    @strawberry.field(
        description="我的选票 the ballot counting for one of your units in a decision (a "
        "resident: own units only; 投票保密, nobody else's)"
    )
    @lookup
    async def my_ballot(
        self, info: Info[Context, None], decision_id: DecisionArg, unit_id: UnitInCommunityArg
    ) -> MyBallotLookup:
        context, unit = info.context, UUID(unit_id)
        decision = found(await fetch_decision(context, UUID(decision_id)), "decision", "decisionId")
        require(context.principal, Action.READ_OWN_BALLOT, Target(unit_id=unit))
        row = await context.pool.fetchrow(
            "SELECT owners, developer_held FROM units WHERE id = $1 AND community_id = $2",
            unit,
            decision["community_id"],
        )
        found(row, "unit in the decision's community", "unitId")
        owners = [(UUID(o["person_id"]), Fraction(1)) for o in row["owners"]]
        ballot = await context.pool.fetchrow(
            "SELECT choice, channel, cast_at FROM ballots WHERE decision_id = $1 AND voter = $2",
            decision["id"],
            voter_key(unit, owners, row["developer_held"]),
        )
        return MyBallot(
            decision_id=strawberry.ID(str(decision["id"])),
            unit_id=strawberry.ID(str(unit)),
            cast=ballot is not None,
            choice=ballot["choice"] if ballot else None,
            channel=Channel(ballot["channel"]) if ballot else None,
            cast_at=ballot["cast_at"] if ballot else None,
        )

    @strawberry.field(description="One owners' decision you may see")
    @lookup
    async def decision(self, info: Info[Context, None], id: DecisionArg) -> DecisionLookup:
        decision_id = UUID(id)
        row = found(await fetch_decision(info.context, decision_id), "decision")
        shares = await shares_of(info.context, [decision_id])
        return decision_from_row(row, shares[decision_id])

    @strawberry.field(description="A community's decisions, newest first (max 100 a page)")
    @lookup
    async def decisions(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        first: int = 20,
        after: str | None = None,
    ) -> DecisionsResult:
        params = Params([UUID(community_id)])
        conditions = ["d.community_id = $1", community_scope(info.context.principal, "c", params)]
        rows, page_info = await keyset_page(
            info.context.pool,
            DECISION_SELECT,
            conditions,
            params,
            NEWEST_FIRST,
            first,
            after,
            descending=True,
        )
        shares = await shares_of(info.context, [row["id"] for row in rows])
        return DecisionConnection(
            decisions=[decision_from_row(row, shares[row["id"]]) for row in rows],
            page_info=page_info,
        )
