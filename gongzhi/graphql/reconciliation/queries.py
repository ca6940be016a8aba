"""对账 queries: one reconciliation, a community's reconciliations (staff, committee)."""

from __future__ import annotations

import datetime
from typing import Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.fields import Kind
from gongzhi.domain.payment import PaymentChannel
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import Refused, forbidden, invalid
from gongzhi.graphql.history.queries import community_target
from gongzhi.graphql.pagination import Key, encode_cursor, keyset_page
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import Action, allowed
from gongzhi.graphql.reading import CommunityArg, InCommunity, lookup
from gongzhi.graphql.reconciliation.types import (
    Reconciliation,
    ReconciliationConnection,
    ReconciliationEdge,
    ReconciliationLookup,
    ReconciliationsResult,
    reconciliation_from_row,
)

SELECT = "SELECT r.* FROM reconciliations r"
LATEST_FIRST = (
    Key("r.day", "day", "date"),
    Key("r.recorded_at", "recorded_at", "timestamptz"),
    Key("r.id", "id", "uuid"),
)


async def _may_read(context: Context, community_id: UUID) -> None:
    target = await community_target(context, community_id)
    if not allowed(context.principal, Action.READ_RECONCILIATIONS, target):
        raise Refused(forbidden(Action.READ_RECONCILIATIONS.value))


async def fetch_reconciliation(context: Context, reconciliation_id: UUID) -> Reconciliation | None:
    row = await context.pool.fetchrow(f"{SELECT} WHERE r.id = $1", reconciliation_id)
    return reconciliation_from_row(row) if row else None


@strawberry.type
class ReconciliationQueries:
    @strawberry.field(description="对账记录 by id, with its items")
    @lookup
    async def reconciliation(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, InCommunity(Kind.RECONCILIATION)],
    ) -> ReconciliationLookup:
        found = await fetch_reconciliation(info.context, UUID(id))
        assert found is not None  # found by @lookup
        await _may_read(info.context, UUID(found.community_id))
        return found

    @strawberry.field(
        description="A community's 对账记录, the latest day first (max 100 a page); "
        "`openOnly`: those with differences not resolved yet"
    )
    @lookup
    async def reconciliations(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        channel: PaymentChannel | None = None,
        since: datetime.date | None = None,
        until: datetime.date | None = None,
        open_only: bool = False,
        first: int = 20,
        after: str | None = None,
    ) -> ReconciliationsResult:
        community = UUID(community_id)
        await _may_read(info.context, community)
        if since is not None and until is not None and since > until:
            raise Refused(invalid("since", "must not be after until"))
        params = Params([community])
        conditions = ["r.community_id = $1"]
        if channel is not None:
            conditions.append(f"r.channel = {params(PaymentChannel(channel).value)}")
        if since is not None:
            conditions.append(f"r.day >= {params(since, 'date')}")
        if until is not None:
            conditions.append(f"r.day <= {params(until, 'date')}")
        if open_only:
            conditions.append("r.open_items > 0")
        rows, page = await keyset_page(
            info.context.pool,
            SELECT,
            conditions,
            params,
            LATEST_FIRST,
            first,
            after,
            descending=True,
        )
        edges = [
            ReconciliationEdge(
                cursor=encode_cursor(r["day"], r["recorded_at"], r["id"]),
                node=reconciliation_from_row(r),
            )
            for r in rows
        ]
        return ReconciliationConnection(edges=edges, page_info=page)
