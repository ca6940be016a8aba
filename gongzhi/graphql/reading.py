"""What every query resolver shares, so that one holds only its SQL and its mapping:

- ``@lookup``: a refusal raised anywhere inside becomes the union member it carries, and a
  text argument longer than ``MAX_QUERY_TEXT`` is refused naming it;
- with ``Params`` (gongzhi/graphql/params.py) for asyncpg's ``$n`` and ``keyset_page``
  (gongzhi/graphql/pagination.py) for one page after a cursor.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, ParamSpec, TypeVar
from uuid import UUID

import graphql
import strawberry
from strawberry.utils.str_converters import to_camel_case

from gongzhi.application.fields import Kind, Ref
from gongzhi.graphql import metrics
from gongzhi.graphql.auth import Principal
from gongzhi.graphql.errors import NotFound, Refused, forbidden, invalid
from gongzhi.graphql.permissions import Action, Target, allowed
from gongzhi.graphql.references import find, scope_of

P = ParamSpec("P")
T = TypeVar("T")

# Names, districts, periods, filters: nothing a query is asked by is longer.
MAX_QUERY_TEXT = 200


def lookup(resolver: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Answer a refusal with its typed problem instead of raising it; before the resolver
    runs, refuse an over-long text and every id argument declared ``Annotated[strawberry.ID,
    Ref(Kind.X)]`` that is malformed, of no such kind, or outside the caller's scope."""
    declared: dict[str, Ref] | None = None

    @functools.wraps(resolver)
    async def answer(*args: P.args, **kwargs: P.kwargs) -> T:
        nonlocal declared
        if declared is None:  # on first use: the annotations name types defined later
            declared = references_of(resolver)
        try:
            for name, value in kwargs.items():
                if name != "info":
                    _check_text(value, to_camel_case(name))
            if declared:
                info: Any = kwargs["info"]
                await _check_references(info.context, declared, kwargs)
            return await resolver(*args, **kwargs)
        except Refused as refused:
            # The resolver's union holds the problem types (see the module's docstring).
            metrics.refused(refused.problem)
            return typing.cast(T, refused.problem)

    return answer


def require(principal: Principal, action: Action, target: Target) -> None:
    """Refuse (Forbidden, answered by ``@lookup``) unless ``principal`` may do ``action``."""
    if not allowed(principal, action, target):
        raise Refused(forbidden(action.value))


@dataclasses.dataclass(frozen=True)
class Unchecked:
    """An id argument that ``@lookup`` does not check, and why that is safe: declared at the
    argument (``Annotated[strawberry.ID, Unchecked("…")]``), so that an id argument declaring
    neither this nor a kind fails ``undeclared_ids`` (tests/unit/test_declarations.py and the
    scope matrix)."""

    why: str


# An id that filters a list whose result has no NotFound member: rows outside the caller's
# scope are filtered out in SQL (the access matrix expects an empty list there).
FilterId = Annotated[strawberry.ID, Unchecked("a list filter, scoped in SQL")]

M = TypeVar("M")


def _declared(resolver: Callable[..., Any], marker: type[M]) -> dict[str, M]:
    """The resolver's arguments annotated with a ``marker`` instance, and that instance."""
    hints = typing.get_type_hints(resolver, include_extras=True)
    found = {}
    for name, hint in hints.items():
        for part in (hint, *typing.get_args(hint)):
            if typing.get_origin(part) is typing.Annotated:
                value = next((m for m in part.__metadata__ if isinstance(m, marker)), None)
                if value is not None:
                    found[name] = value
    return found


def references_of(resolver: Callable[..., Any]) -> dict[str, Ref]:
    """The resolver's id arguments and the kinds they declare."""
    return _declared(resolver, Ref)


def undeclared_ids(schema: strawberry.Schema) -> list[str]:
    """Every id argument of a query that declares neither its kind (``Ref``) nor why it needs
    none (``Unchecked``), as ``query(argument)``."""
    query_type = schema._schema.query_type
    assert query_type is not None
    undeclared = []
    for field in schema.get_type_by_name("Query").fields:  # type: ignore[union-attr]
        name = to_camel_case(field.python_name)
        resolver = field.base_resolver
        func: Any = resolver.wrapped_func if resolver else None
        declared = (
            {to_camel_case(n) for n in (*references_of(func), *_declared(func, Unchecked))}
            if func
            else set()
        )
        for argument, definition in query_type.fields[name].args.items():
            if graphql.get_named_type(definition.type).name == "ID" and argument not in declared:
                undeclared.append(f"{name}({argument})")
    return undeclared


async def _check_references(context: Any, declared: dict[str, Ref], kwargs: dict[str, Any]) -> None:
    async with context.pool.acquire() as connection:
        scope = None
        for name, ref in declared.items():
            value = kwargs.get(name)
            if value is None:
                continue
            field = to_camel_case(name)
            try:
                thing_id = UUID(str(value))
            except ValueError:
                raise Refused(invalid(field, "is not a valid id")) from None
            thing = await find(connection, ref.kinds, thing_id)
            if thing is not None and not ref.public:
                scope = scope or await scope_of(connection, context.principal)
                if isinstance(ref, InCommunity):
                    visible = any(scope.place_visible(place) for place in thing.places)
                else:
                    visible = scope.may_refer_to(thing)
                thing = thing if visible else None
            if thing is None:
                message = f"no {ref.noun} with this id that you may see"
                raise Refused(NotFound(field=field, message=message))


class InCommunity(Ref):
    """An id that must lie in a community the caller sees; which of its things the caller
    may read there (a resident: the own units' fee statements) the resolver's permission
    decides, and answers Forbidden, as a command does for its target."""


# Query arguments naming a thing of one kind (GraphQL: ID).
CommunityArg = Annotated[strawberry.ID, Ref(Kind.COMMUNITY)]
UnitArg = Annotated[strawberry.ID, Ref(Kind.UNIT)]
PersonArg = Annotated[strawberry.ID, Ref(Kind.PERSON)]
CompanyArg = Annotated[strawberry.ID, Ref(Kind.COMPANY)]
DecisionArg = Annotated[strawberry.ID, Ref(Kind.DECISION)]
CommunityCompanyArg = Annotated[strawberry.ID, Ref(Kind.COMMUNITY_COMPANY)]
# A unit of a community the caller sees, a resident's own or not (see InCommunity).
UnitInCommunityArg = Annotated[strawberry.ID, InCommunity(Kind.UNIT)]
SurveyArg = Annotated[strawberry.ID, Ref(Kind.SURVEY)]
CommitteeArg = Annotated[strawberry.ID, Ref(Kind.COMMITTEE)]
WorkOrderArg = Annotated[strawberry.ID, Ref(Kind.WORK_ORDER)]
FacilityArg = Annotated[strawberry.ID, Ref(Kind.FACILITY)]
ContractArg = Annotated[strawberry.ID, Ref(Kind.CONTRACT)]
# Any company, existence only: a company is read more widely than referred to (committees
# and residents read the published grades of, and a regulator or committee the work order
# figures of, companies they may not name in a command); the resolver's scope decides.
AnyCompanyArg = Annotated[strawberry.ID, Ref(Kind.COMPANY, public=True)]


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


def found(row: T | None, noun: str, field: str = "id") -> T:
    """The row a query asked for by id, or a refusal: none that the caller may see."""
    if row is None:
        raise Refused(NotFound(field=field, message=f"no {noun} with this id that you may see"))
    return row
