"""A GraphQL list of 100 communities over HTTP vs a plain Starlette route (same JSON, asyncpg).

Both servers run as their own uvicorn process (one each) on the same database; one client
process drives each in turn with the same concurrency. Target: GraphQL ≥ 50 % of the anchor.

    .venv/bin/python -m bench.bench_graphql --requests 2000 --concurrency 8
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from bench.dataset import generate, open_platform
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.database import drop_database
from gongzhi.infra.settings import PgParams

QUERY = """{ communities(first: 100) { ... on CommunityConnection {
  edges { cursor node { id name district street unitCount totalArea
    management { mode companyName } } }
  pageInfo { hasNextPage endCursor } } } }"""
SECRET = "bench-signing-key-" + "0" * 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(args: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    process = subprocess.Popen([sys.executable, *args], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(30)


async def drive(send: object, requests: int, concurrency: int) -> float:
    """Requests per second for ``requests`` calls from ``concurrency`` concurrent clients."""
    queue = iter(range(requests))

    async def client() -> None:
        for _ in queue:
            await send()  # type: ignore[operator]

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return requests / (time.perf_counter() - started)


async def measure(
    base_graphql: str, base_plain: str, requests: int, concurrency: int
) -> tuple[float, float]:
    token = issue_token(SECRET, Principal(subject="bench", role=Role.PLATFORM_ADMIN))
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:

        async def graphql() -> None:
            response = await http.post(
                f"{base_graphql}/graphql", json={"query": QUERY}, headers=headers
            )
            body = response.json()
            assert len(body["data"]["communities"]["edges"]) == 100, body

        async def plain() -> None:
            response = await http.get(f"{base_plain}/plain")
            assert len(response.json()["data"]["communities"]["edges"]) == 100

        # Same answer from both, field for field.
        g = (
            await http.post(f"{base_graphql}/graphql", json={"query": QUERY}, headers=headers)
        ).json()
        p = (await http.get(f"{base_plain}/plain")).json()
        assert g == p, "the anchor must return the same JSON"
        for send in (graphql, plain):  # warm both
            await drive(send, 200, concurrency)
        # Alternate to spread drift in machine load over both sides.
        graphql_rates, plain_rates = [], []
        for _ in range(3):
            graphql_rates.append(await drive(graphql, requests // 3, concurrency))
            plain_rates.append(await drive(plain, requests // 3, concurrency))
    return sorted(graphql_rates)[1], sorted(plain_rates)[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--server-url",
        default=os.environ.get(
            "GONGZHI_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--communities", type=int, default=300)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)

    pg = PgParams.from_url(args.server_url).with_db(f"gongzhi_bench_gql_{uuid.uuid4().hex[:8]}")
    platform = open_platform(pg.url())
    try:
        generate(platform.app, communities=args.communities)
        platform.projection_runner().catch_up()
        env = dict(
            os.environ,
            GONGZHI_DATABASE_URL=pg.url(),
            GONGZHI_BROKER_URL="redis://unused",
            GONGZHI_JWT_SECRET=SECRET,
            GONGZHI_ENV="production",
            GONGZHI_LOG_LEVEL="WARNING",
        )
        gql_port, plain_port = free_port(), free_port()
        with (
            server(["-m", "gongzhi.cli", "serve", "--port", str(gql_port)], env, gql_port) as g,
            server(
                [
                    "-m",
                    "uvicorn",
                    "bench.plain_server:app",
                    "--port",
                    str(plain_port),
                    "--log-level",
                    "warning",
                ],
                env,
                plain_port,
            ) as p,
        ):
            graphql_rps, plain_rps = asyncio.run(measure(g, p, args.requests, args.concurrency))
        print(f"GraphQL list of 100 communities: {graphql_rps:,.0f} req/s")
        print(f"plain Starlette + asyncpg (anchor): {plain_rps:,.0f} req/s")
        print(f"ratio GraphQL / anchor: {graphql_rps / plain_rps:.0%} (target ≥ 50%)")
    finally:
        platform.close()
        drop_database(pg)


if __name__ == "__main__":
    main()
