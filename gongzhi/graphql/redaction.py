"""No personal value in a GraphQL error message or a log line.

graphql-core echoes the value it refused ("String cannot represent a non string value:
13912345678", "… found: {'name': '张三', 'phone': …}."), and strawberry logs every error at
ERROR with the request's source line. A client that sends a phone as a number must not find
it echoed back, nor in our logs. Every error passes ``Schema.process_errors`` before it is
answered or logged (HTTP and websocket alike), so the message is redacted there, in place:
the whole refused value is replaced, whatever it holds, and any phone- or ID-shaped string
left (in a field name, in a message of ours) is masked as the audit trail masks it.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

import strawberry
from graphql import GraphQLError

from gongzhi.domain.values import mask_personal_text

HIDDEN = "(value not shown)"

# graphql-core 3.3 puts the refused value at the end of its messages, after one of these
# markers (scalars, enums, input objects; a variable's or an argument's message wraps one of
# them behind its path). The value may contain anything, so everything after the marker goes.
_ENUM_VALUE = "[A-Z][A-Z0-9_]*"
_VALUE_TAILS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A value shaped like the schema's own enum values (FLOOD) is vocabulary, not personal
    # data: it stays, with the suggestions; anything else ('张三', a phone) goes.
    (
        re.compile(
            r"Value '(?!" + _ENUM_VALUE + r"' does not exist in '\w+' enum\.)"
            r".*' does not exist in '(\w+)' enum\..*\Z",
            re.S,
        ),
        rf"Value {HIDDEN} does not exist in '\1' enum.",
    ),
    (re.compile(r", but encountered error .*\Z", re.S), f", found: {HIDDEN}."),
    (re.compile(r"(cannot represent [^:]*value): .*\Z", re.S), rf"\1: {HIDDEN}"),
    (re.compile(r"(, found|[.?] Found): .*\Z", re.S), rf"\1: {HIDDEN}."),
)

log = logging.getLogger("strawberry.execution")


def redact_message(message: str) -> str:
    """The message with the value it echoes replaced and any personal data masked."""
    for pattern, replacement in _VALUE_TAILS:
        message = pattern.sub(replacement, message, count=1)
    return mask_personal_text(message)


def should_mask(error: GraphQLError) -> bool:
    """Mask unexpected failures; syntax, validation and coercion errors are the client's."""
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


def _where(error: GraphQLError) -> str:
    places = [f"{place.line}:{place.column}" for place in error.locations or ()]
    path = ".".join(str(step) for step in error.path or ())
    return " ".join(part for part in (f"at {', '.join(places)}" if places else "", path) if part)


def log_error(error: GraphQLError) -> None:
    """Log a redacted error: never ``str(error)``, which quotes the request's source line
    (literals included). A client's error is information; an unexpected one is an ERROR,
    with its traceback masked like the message."""
    if not should_mask(error):
        log.info("GraphQL request refused %s: %s", _where(error), error.message)
        return
    original = error.original_error
    assert original is not None
    trace = "".join(traceback.format_exception(original))
    log.error(
        "GraphQL execution failed %s: %s\n%s",
        _where(error),
        redact_message(str(original)),
        mask_personal_text(trace),
    )


class RedactingSchema(strawberry.Schema):
    """strawberry's schema, redacting each error before it is answered or logged."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        for error in errors:
            error.message = redact_message(error.message)
            log_error(error)
