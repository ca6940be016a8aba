"""Every log record masked as it is made: no log line holds a personal value.

A phone or 身份证号 reaches a log line in ways no caller controls: a database error quoting
the value it refused (``invalid input syntax …: "139…"``), an exception's text in a traceback.
So the rule is applied where every record is made, for every logger of the process, the
libraries' included: the message and the traceback's text are masked once, at creation, and
every handler (files, the console, a test's caplog) formats the masked text.

The mask itself is the domain's (``mask_personal_text``), given by the wiring: infra imports
nothing of the layers above it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

_TRACEBACKS = logging.Formatter()


def install_log_masking(mask: Callable[[str], str]) -> None:
    """Make every later log record with ``mask`` applied to its message and traceback;
    installing twice changes nothing."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_personal_data", False):
        return

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's to report when it is emitted
            return record
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = mask(_TRACEBACKS.formatException(record.exc_info))
        return record

    masked_record.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked_record)
