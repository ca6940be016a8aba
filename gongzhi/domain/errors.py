"""The one base class of every domain error, so callers can catch them together."""

from __future__ import annotations


class DomainError(Exception):
    """Raised when a command breaks a rule of the domain.

    ``field`` names the command argument at fault (``""`` when the whole
    command is wrong), ``message`` says in plain words what is wrong.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class InvalidValue(DomainError):
    """Raised when an argument is malformed or out of range."""


class UnknownPart(DomainError):
    """Raised when a command names a part (building, entrance, unit) the aggregate does not have."""


class RuleViolated(DomainError):
    """Raised when a well-formed command is not allowed in the aggregate's current state."""
