"""What the benchmarks share: a throw-away database on the local server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from gongzhi.infra.database import drop_database
from gongzhi.infra.settings import PgParams

# The server the benchmarks create their databases on (any database on it will do).
SERVER_URL = os.environ.get(
    "GONGZHI_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def temporary_database(prefix: str) -> Iterator[PgParams]:
    """A new, uniquely named database (created on first use), dropped afterwards whatever
    happens, so runs never see each other's data and never leave any behind."""
    pg = PgParams.from_url(SERVER_URL).with_db(f"{prefix}_{uuid.uuid4().hex[:10]}")
    try:
        yield pg
    finally:
        drop_database(pg)
