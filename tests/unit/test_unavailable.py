"""A database out of reach is a typed "unavailable, try again", not "Unexpected error."."""

from __future__ import annotations

import asyncpg
import psycopg
import pytest

from gongzhi.graphql.errors import Unavailable, problem_from


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        psycopg.OperationalError("server closed the connection unexpectedly"),
        TimeoutError(),
        OSError("Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432), ..."),
    ],
)
def test_a_lost_database_is_unavailable(error: Exception) -> None:
    problem = problem_from(error)
    assert isinstance(problem, Unavailable)
    assert "try again" in problem.message


def test_a_fault_of_ours_stays_unexpected() -> None:
    assert problem_from(KeyError("x")) is None
    assert problem_from(FileNotFoundError(2, "No such file")) is None
