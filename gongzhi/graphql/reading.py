"""What every query resolver shares, so that one holds only its SQL and its mapping:

- ``@lookup``: a refusal raised anywhere inside becomes the union member it carries, and a
  text argument longer than ``MAX_QUERY_TEXT`` is refused naming it;
- ``require_visible_community``: the community a query is about, or NotFound;
- with ``Params`` (gongzhi/graphql/params.py) for asyncpg's ``$n`` and ``keyset_page``
  (gongzhi/graphql/pagination.py) for one page after a cursor.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from strawberry.utils.str_converters import to_camel_case

from gongzhi.graphql.errors import NotFound, Refused, invalid
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import community_scope

P = ParamSpec("P")
T = TypeVar("T")

# Names, districts, periods, filters: nothing a query is asked by is longer.
MAX_QUERY_TEXT = 200


def lookup(resolver: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Answer a refusal with its typed problem instead of raising it."""

    @functools.wraps(resolver)
    async def answer(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            for name, value in kwargs.items():
                if name != "info":
                    _check_text(value, to_camel_case(name))
            return await resolver(*args, **kwargs)
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]

    return answer


def _check_text(value: object, path: str) -> None:
    """Refuse a text longer than MAX_QUERY_TEXT anywhere in an argument (filters included)."""
    if isinstance(value, str):
        if len(value) > MAX_QUERY_TEXT:
            message = f"is too long: at most {MAX_QUERY_TEXT} characters"
            raise Refused(invalid(path, message))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{path}.{index}")
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            _check_text(getattr(value, field.name), f"{path}.{to_camel_case(field.name)}")


async def require_visible_community(
    context: Any, community_id: UUID, field: str = "communityId"
) -> None:
    """Refuse (NotFound) a community that does not exist or lies outside the caller's scope."""
    params = Params([community_id])
    scope = community_scope(context.principal, "c", params)
    if not await context.pool.fetchval(
        f"SELECT 1 FROM communities c WHERE c.id = $1 AND {scope}", *params
    ):
        raise Refused(NotFound(field=field, message="no such community that you may see"))
