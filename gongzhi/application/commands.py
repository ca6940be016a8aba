"""Commands declared once, and the registry that finds the code that runs each one.

A command is a frozen dataclass subclassing ``Command``; its docstring (Chinese term and
English) is the GraphQL description of the mutation, and its fields, typed with
``gongzhi.application.fields``, are the input. A service method handles it::

    @dataclass(frozen=True)
    class MoveIn(Command):
        \"\"\"住户 moves in\"\"\"
        community_id: CommunityId
        ...

    class OwnerService(GongzhiBase):
        @handles(MoveIn)
        def move_in(self, meta: Meta, command: MoveIn) -> Done: ...

``app.execute(meta, command)`` runs it; ``handler_of(MoveIn)`` names the method, so the code
behind any mutation is one look-up from its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

C = TypeVar("C", bound="Command")
Handler = Callable[[Any, Any, Any], Any]

_HANDLERS: dict[type[Command], Handler] = {}


@dataclass(frozen=True)
class Command:
    """Base of every command. Why it is made (the reason) travels beside it in ``Meta``: the
    API adds a ``reason`` field to every command's input."""

    # The GraphQL input type's name when it is not ``<Command>Input`` (kept for clients of
    # an input shared by two commands, e.g. moveIn and moveOut take ``ResidenceInput``).
    input_name: ClassVar[str | None] = None


def handles(command: type[C]) -> Callable[[Callable[[Any, Any, C], Any]], Any]:
    """Register a service method as the one handler of ``command``."""

    def register(method: Callable[[Any, Any, C], Any]) -> Callable[[Any, Any, C], Any]:
        if command in _HANDLERS:
            msg = f"{command.__name__} already has a handler: {_HANDLERS[command].__qualname__}"
            raise TypeError(msg)
        _HANDLERS[command] = method
        return method

    return register


def handler_of(command: type[Command]) -> Handler:
    try:
        return _HANDLERS[command]
    except KeyError:
        msg = f"no handler is registered for {command.__name__}"
        raise LookupError(msg) from None


def handled_commands() -> list[type[Command]]:
    return list(_HANDLERS)
