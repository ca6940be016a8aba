"""An unexpected failure is logged at ERROR with its traceback, personal values masked."""

from __future__ import annotations

import logging

import pytest
from graphql import GraphQLError

from gongzhi.graphql.redaction import log_error, redact_message


def test_an_unexpected_error_is_logged_with_its_traceback_and_no_phone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a failure whose exception text holds a phone and an ID number
    try:
        raise ValueError("duplicate key (phone)=(13912345678) for 11010519491231002X")
    except ValueError as failure:
        error = GraphQLError("duplicate key", original_error=failure)

    # When it is logged
    with caplog.at_level(logging.DEBUG):
        log_error(error)

    # Then the ERROR record holds the traceback, with the values masked
    (record,) = caplog.records
    text = logging.Formatter().format(record)
    assert record.levelno == logging.ERROR
    assert "Traceback" in text and "ValueError" in text
    assert "139****5678" in text
    assert "13912345678" not in text and "11010519491231002X" not in text


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (
            "Expected value of type 'Fen', but encountered error 'bad 13912345678'; found: 1.5.",
            "Expected value of type 'Fen', found: (value not shown).",
        ),
        (
            "Value '张三' does not exist in 'CommunityRole' enum. Did you mean 'OWNER'?",
            "Value (value not shown) does not exist in 'CommunityRole' enum.",
        ),
        (
            "no community with this id that you may see",
            "no community with this id that you may see",
        ),
    ],
)
def test_messages_lose_the_value_and_keep_the_rest(message: str, shown: str) -> None:
    assert redact_message(message) == shown
