"""Query parameters for asyncpg, numbered as they are added."""

from __future__ import annotations


class Params(list[object]):
    """Query parameters: ``params(value)`` adds one and returns its ``$n``."""

    def __call__(self, value: object, cast: str = "") -> str:
        self.append(value)
        return f"${len(self)}::{cast}" if cast else f"${len(self)}"
