"""Expected failures as GraphQL union members: the client branches on their type."""

from __future__ import annotations

import strawberry

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


Problem = ValidationError | NotFound | Conflict | Forbidden


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
    return None
