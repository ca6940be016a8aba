"""Logging: plain text by default, one JSON object a line with ``GONGZHI_LOG_FORMAT=json``.

A JSON line carries the id of the HTTP request it was logged in (``request_id``, set by the
API for each request: ``gongzhi.graphql.request_id``), so one request's lines can be found
among many processes' in a log store. Messages are the code's own: personal values are never
put in them (CONTRIBUTING), and nothing here adds request bodies or headers.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

# The current request's id; "" outside a request (the projector, workers, start-up).
REQUEST_ID: ContextVar[str] = ContextVar("gongzhi_request_id", default="")

FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, log_format: str) -> None:
    """Configure the root logger once per process (``gongzhi`` CLI start)."""
    if log_format not in FORMATS:
        msg = f"GONGZHI_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}"
        raise ValueError(msg)
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
