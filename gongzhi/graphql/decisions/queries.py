"""Reading owners' decisions with their tallies."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.graphql.context import Context, query_id
from gongzhi.graphql.decisions.types import (
    DecisionConnection,
    DecisionLookup,
    DecisionsResult,
    decision_from_row,
)
from gongzhi.graphql.errors import NotFound, Refused, invalid
from gongzhi.graphql.pagination import PageInfo, cursor_id, decode_cursor, encode_cursor, page_size
from gongzhi.graphql.permissions import community_scope

DECISION_SELECT = """
SELECT d.*, (SELECT count(*) FROM ballots b WHERE b.decision_id = d.id)::int AS ballots_cast
FROM decisions d JOIN communities c ON c.id = d.community_id
"""


async def fetch_decision(context: Context, decision_id: UUID) -> Any:
    params: list[object] = [decision_id]
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


@strawberry.type
class DecisionQueries:
    @strawberry.field(description="One owners' decision you may see")
    async def decision(self, info: Info[Context, None], id: strawberry.ID) -> DecisionLookup:
        try:
            decision_id = query_id(id, "id")
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        row = await fetch_decision(info.context, decision_id)
        if row is None:
            return NotFound(field="id", message=f"no decision with id {id} that you may see")
        shares = await shares_of(info.context, [decision_id])
        return decision_from_row(row, shares[decision_id])

    @strawberry.field(description="A community's decisions, newest first (max 100 a page)")
    async def decisions(
        self,
        info: Info[Context, None],
        community_id: strawberry.ID,
        first: int = 20,
        after: str | None = None,
    ) -> DecisionsResult:
        try:
            community = query_id(community_id, "communityId")
            limit = page_size(first)
            key = decode_cursor(after, 2)
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        params: list[object] = [community]
        conditions = ["d.community_id = $1", community_scope(info.context.principal, "c", params)]
        visible = await info.context.pool.fetchval(
            f"SELECT 1 FROM communities c WHERE c.id = $1 AND {conditions[1]}", *params
        )
        if not visible:
            return NotFound(field="communityId", message="no such community that you may see")
        if key is not None:
            after_id = cursor_id(key[1])
            try:
                after_time = datetime.fromisoformat(key[0])
            except ValueError:
                after_id = None
            if after_id is None:
                return invalid("after", "is not a cursor this API issued")
            params.extend([after_time, after_id])
            conditions.append(
                f"(d.opens_at, d.id) < (${len(params) - 1}::timestamptz, ${len(params)}::uuid)"
            )
        params.append(limit + 1)
        rows = await info.context.pool.fetch(
            f"{DECISION_SELECT} WHERE {' AND '.join(conditions)} "
            f"ORDER BY d.opens_at DESC, d.id DESC LIMIT ${len(params)}",
            *params,
        )
        page = rows[:limit]
        shares = await shares_of(info.context, [row["id"] for row in page])
        last = page[-1] if page else None
        return DecisionConnection(
            decisions=[decision_from_row(row, shares[row["id"]]) for row in page],
            page_info=PageInfo(
                has_next_page=len(rows) > limit,
                end_cursor=encode_cursor(last["opens_at"].isoformat(), last["id"])
                if last
                else None,
            ),
        )
