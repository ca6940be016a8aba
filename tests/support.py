"""Finding servers for the tests: configured URLs, else local ones, else embedded ones."""

from __future__ import annotations

import logging
import os
import socket
import threading
from pathlib import Path

from gongzhi.infra.embedded import EmbeddedServers

ROOT = Path(__file__).resolve().parent.parent


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def server_urls() -> tuple[str, str, EmbeddedServers | None]:
    """(database server URL, broker URL, embedded servers to keep alive or None)."""
    database = os.environ.get("GONGZHI_TEST_DATABASE_URL") or os.environ.get("GONGZHI_DATABASE_URL")
    broker = os.environ.get("GONGZHI_TEST_BROKER_URL") or os.environ.get("GONGZHI_BROKER_URL")
    # GONGZHI_TEST_EMBEDDED=1 shows what a machine with only Python gets.
    probe_local = os.environ.get("GONGZHI_TEST_EMBEDDED") != "1"
    if database is None and probe_local and _listening("127.0.0.1", 5432):
        database = "postgresql://postgres@127.0.0.1:5432/postgres"
    if broker is None and probe_local and _listening("127.0.0.1", 6379):
        broker = "redis://127.0.0.1:6379/0"
    embedded = None
    if database is None or broker is None:
        embedded = EmbeddedServers(ROOT / ".gongzhi" / "test-servers")
        if database is None:
            database = embedded.postgres_url()
        if broker is None:
            broker = embedded.redis_url()
    return database, broker, embedded


RABBITMQ_LOCAL = "amqp://guest:guest@127.0.0.1:5672/%2F"


def rabbitmq_url() -> str | None:
    """The RabbitMQ the broker tests use: GONGZHI_TEST_RABBITMQ_URL, else a local server on
    the default port (guest/guest), else None. Tests name their queues apart (a namespace
    prefix per test), so one server serves them all."""
    configured = os.environ.get("GONGZHI_TEST_RABBITMQ_URL")
    if configured:
        return configured
    if os.environ.get("GONGZHI_TEST_EMBEDDED") != "1" and _listening("127.0.0.1", 5672):
        return RABBITMQ_LOCAL
    return None


class LogSignal(logging.Handler):
    """An event set when ``logger`` logs a line containing ``text``: a test waits on what a
    process says it is doing, not on time. Use as a context manager (it attaches itself,
    lowering the logger's level to ``level`` meanwhile)."""

    def __init__(self, logger: str, text: str, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.logger = logging.getLogger(logger)
        self.text = text
        self.seen = threading.Event()
        self._level = self.logger.level

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.seen.set()

    def __enter__(self) -> LogSignal:
        self.logger.addHandler(self)
        if self.logger.getEffectiveLevel() > self.level:
            self.logger.setLevel(self.level)
        return self

    def __exit__(self, *_: object) -> None:
        self.logger.removeHandler(self)
        self.logger.setLevel(self._level)
