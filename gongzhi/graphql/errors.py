"""Expected failures as GraphQL union members: the client branches on their type."""

from __future__ import annotations

import socket

import asyncpg
import psycopg
import sqlalchemy.exc
import strawberry
from eventsourcing.persistence import InterfaceError as EsInterfaceError
from eventsourcing.persistence import OperationalError as EsOperationalError

from gongzhi.application.base import Conflict as ConflictRaised
from gongzhi.application.base import NotFound as NotFoundRaised
from gongzhi.domain.errors import DomainError
from gongzhi.infra.eventstore import WriteTimedOut


@strawberry.type(description="The input is wrong: `field` names it, `message` says why.")
class ValidationError:
    field: str = strawberry.field(description="Dotted path of the argument, e.g. input.area")
    path: list[str]
    message: str


@strawberry.type(description="The thing named does not exist, or is outside what you may see.")
class NotFound:
    field: str
    message: str


@strawberry.type(description="Someone else changed the same thing first, or it already exists.")
class Conflict:
    message: str


@strawberry.type(description="Your role or scope does not allow this.")
class Forbidden:
    message: str


@strawberry.type(
    description="The platform cannot do this just now (its database is out of reach, or its "
    "views are catching up with a change recorded a moment ago): nothing was recorded; "
    "send the same request again in a moment."
)
class Unavailable:
    message: str


@strawberry.type(
    description="The change is recorded (at `position` in the event log), but the views have "
    "not caught up with it yet: do not send it again; read it back in a moment."
)
class Recorded:
    id: strawberry.ID = strawberry.field(description="Id of the thing the change is about")
    part_id: strawberry.ID | None = strawberry.field(
        description="Id of the part the change created, if it created one"
    )
    position: str = strawberry.field(description="Event-log position of the change")
    message: str


Problem = ValidationError | NotFound | Conflict | Forbidden | Unavailable

# The database is out of reach: the connection was refused, dropped or timed out. Such a
# failure before the command was recorded means the client may simply send it again.
_UNREACHABLE: tuple[type[BaseException], ...] = (
    ConnectionError,
    socket.gaierror,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    # How asyncpg reports a pooled connection its server dropped mid-operation ("cannot
    # switch to state …; another operation is in progress"): seen by the fault suite when
    # PostgreSQL restarted under load, answered 500 until then.
    asyncpg.InternalClientError,
    psycopg.OperationalError,
    EsOperationalError,
    EsInterfaceError,
    sqlalchemy.exc.OperationalError,
)


class Refused(Exception):
    """Raised inside a resolver to answer with a typed error instead of data."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(getattr(problem, "message", ""))
        self.problem = problem


def invalid(field: str, message: str) -> ValidationError:
    return ValidationError(field=field, path=field.split("."), message=message)


def forbidden(action_text: str) -> Forbidden:
    return Forbidden(message=f"your role and scope do not allow you to {action_text}")


def problem_from(error: Exception, prefix: str = "input") -> Problem | None:
    """The typed error for an expected exception; ``None`` for an unexpected one."""
    if isinstance(error, Refused):
        return error.problem
    if isinstance(error, DomainError):
        field = f"{prefix}.{error.field}" if error.field and prefix else error.field or prefix
        return invalid(field, error.message)
    if isinstance(error, NotFoundRaised):
        field = f"{prefix}.{error.field}" if prefix else error.field
        return NotFound(field=field, message=error.message)
    if isinstance(error, ConflictRaised):
        return Conflict(message=error.message)
    if isinstance(error, WriteTimedOut):
        # Another writer held the event store past the write timeout; this change recorded
        # nothing and may simply be sent again.
        return Conflict(message="the platform was busy recording other changes; try again")
    if unreachable(error):
        return Unavailable(message=UNAVAILABLE_MESSAGE)
    return None


UNAVAILABLE_MESSAGE = "the platform cannot reach its database; try again shortly"


def unreachable(error: BaseException) -> bool:
    """Whether ``error`` says the database is out of reach (rather than a fault of ours)."""
    # A bare OSError is how asyncio reports a connection that failed on every address; its
    # subclasses (a missing file, a permission) are faults of another kind.
    return isinstance(error, _UNREACHABLE) or type(error) is OSError
