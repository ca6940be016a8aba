"""The anchor of the GraphQL benchmark: a plain Starlette route returning the same JSON.

It runs the same SQL as the GraphQL ``communities`` list (scope TRUE, as for an admin) over
an asyncpg pool and serialises the same fields, so the difference is what GraphQL costs.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gongzhi.graphql.communities.queries import COMMUNITY_SELECT
from gongzhi.graphql.pagination import encode_cursor
from gongzhi.infra.settings import PgParams

PAGE = 100
SQL = f"{COMMUNITY_SELECT} WHERE TRUE ORDER BY c.name, c.id LIMIT {PAGE + 1}"


def create_plain_app(database_url: str) -> Starlette:
    pg = PgParams.from_url(database_url)
    state: dict[str, asyncpg.Pool] = {}

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(
            host=pg.host,
            port=pg.port,
            user=pg.user,
            password=pg.password or None,
            database=pg.dbname,
            min_size=1,
            max_size=16,
        )
        assert pool is not None
        state["pool"] = pool
        yield
        await pool.close()

    async def communities(_: Request) -> Response:
        rows = await state["pool"].fetch(SQL)
        edges = [
            {
                "cursor": encode_cursor(row["name"], row["id"]),
                "node": {
                    "id": str(row["id"]),
                    "name": row["name"],
                    "district": row["district"],
                    "street": row["street"],
                    "unitCount": row["unit_count"],
                    "totalArea": str(row["total_area"]),
                    "management": None
                    if row["mode"] is None
                    else {
                        "mode": row["mode"],
                        "companyName": row["company_name"],
                    },
                },
            }
            for row in rows[:PAGE]
        ]
        body = {
            "data": {
                "communities": {
                    "edges": edges,
                    "pageInfo": {
                        "hasNextPage": len(rows) > PAGE,
                        "endCursor": edges[-1]["cursor"] if edges else None,
                    },
                }
            }
        }
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")

    return Starlette(routes=[Route("/plain", communities)], lifespan=lifespan)


app = create_plain_app(os.environ.get("GONGZHI_DATABASE_URL", ""))
