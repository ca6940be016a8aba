"""The persons list (100 a page) over the in-process API, as the platform admin (phones shown
unmasked: with sealing, every page opens 300 values and appends 100 rows to the access log)
and as a committee member (masked).

Run it against the code before sealing (``PYTHONPATH`` at a checkout of it) for the "before"
figures.

    python -m bench.bench_persons_query [--requests 200]
"""

from __future__ import annotations

import argparse
import threading
import time

from starlette.testclient import TestClient

from bench.dataset import open_platform
from bench.support import temporary_database
from gongzhi.demo import load_demo
from gongzhi.graphql.app import create_app
from gongzhi.graphql.auth import Principal, Role, issue_token

QUERY = """query($c: ID!) { persons(communityId: $c, first: 100) { ... on PersonConnection {
    persons { id name phone idNumber } } } }"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    with temporary_database("bench_pq") as pg:
        platform = open_platform(pg.url())
        try:
            summary = load_demo(platform.app, communities=1)
            community = summary.communities[0]
            stop = threading.Event()
            projector = threading.Thread(
                target=platform.projection_runner().run, args=(stop,), daemon=True
            )
            projector.start()
            platform.projection_runner().catch_up()
            readers = {
                "admin": Principal(subject="admin", role=Role.PLATFORM_ADMIN),
                "committee": Principal(
                    subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=community
                ),
            }
            with TestClient(create_app(platform.settings, platform.app)) as client:
                for label, principal in readers.items():
                    headers = {
                        "Authorization": "Bearer "
                        + issue_token(platform.settings.jwt_secret, principal)
                    }
                    body = {"query": QUERY, "variables": {"c": str(community)}}
                    shown = client.post("/graphql", json=body, headers=headers).json()
                    count = len(shown["data"]["persons"]["persons"])
                    started = time.perf_counter()
                    for _ in range(args.requests):
                        client.post("/graphql", json=body, headers=headers)
                    took = (time.perf_counter() - started) / args.requests * 1000
                    print(f"persons page of {count} as {label}: {took:.1f} ms a request")
            stop.set()
            projector.join()
        finally:
            platform.close()


if __name__ == "__main__":
    main()
