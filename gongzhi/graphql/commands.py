"""Mutations from command declarations: the input type, the result union and the resolver.

A feature's ``mutations.py`` is a table of ``mutation(...)`` registrations; everything a
mutation does before its command runs happens here, the same way for all of them:

1. the input is converted into the command, and every bound its field types declare is checked
   (text length, number range and places, list size): a ``ValidationError`` naming the field;
2. every id is parsed and found as one of the kinds its field declares, and must lie in the
   caller's scope: a ``NotFound`` naming the field otherwise (a thing outside your scope is
   not confirmed to exist);
3. an id that belongs to a community must belong to the community the command is about;
4. the caller's role and scope must allow the action on the command's target (``Forbidden``);
5. the command runs in the thread pool, the views catch up with it (read-your-writes), and the
   registration's ``reply`` builds the payload.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import logging
import types
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar, Union, get_args, get_origin
from uuid import UUID

import strawberry
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.application.fields import Doc, Items, Kind, Money, Range, Reason, Ref, Text
from gongzhi.graphql import (
    enums,  # noqa: F401 (registers the enums the inputs use)
    metrics,
)
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    Recorded,
    Refused,
    Unavailable,
    ValidationError,
    forbidden,
    invalid,
    problem_from,
)
from gongzhi.graphql.money import Fen
from gongzhi.graphql.permissions import Action, Target, allowed
from gongzhi.graphql.rate_limit import RateLimited
from gongzhi.graphql.references import FREE_KINDS, Found, Scope, find, scope_of

C = TypeVar("C", bound=Command)
P = TypeVar("P")

Reply = Callable[[Context, Done, C], Awaitable[P]]
# Where the access check looks: the field whose referenced thing the command is about, or a
# function of the command and its found references (for commands about nothing yet stored).
TargetRule = str | Callable[[Context, C, dict[str, Found]], Target | Awaitable[Target]]

log = logging.getLogger(__name__)

_PLAIN = (str, int, bool, Decimal, date, datetime)


# ---------------------------------------------------------------------------------------------
# Field types: what a command field's annotation says


@dataclass(frozen=True)
class FieldType:
    """A command field's annotation taken apart."""

    base: Any
    optional: bool
    marks: tuple[Any, ...]
    item: FieldType | None = None  # for lists

    def mark(self, kind: type[Any]) -> Any:
        return next((m for m in self.marks if isinstance(m, kind)), None)


def field_type(annotation: Any) -> FieldType:
    optional = False
    marks: tuple[Any, ...] = ()
    if get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        marks = tuple(extra)
    if get_origin(annotation) in (Union, __import__("types").UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        optional = len(args) < len(get_args(annotation))
        (annotation,) = args
        if get_origin(annotation) is Annotated:
            annotation, *extra = get_args(annotation)
            marks = (*marks, *extra)
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        return FieldType(list, optional, marks, field_type(item))
    return FieldType(annotation, optional, marks)


def _unbounded(owner: type, name: str, kind: FieldType) -> str | None:
    """Why a field's type is not declared well enough, or None."""
    base = kind.base
    if base is UUID and kind.mark(Ref) is None:
        return "an id must declare what it refers to: Annotated[UUID, Ref(Kind.…)]"
    if base is str and kind.mark(Text) is None:
        return "a text must declare its length: Annotated[str, Text(…)] or a type in fields.py"
    if base in (int, Decimal) and kind.mark(Range) is None:
        return "a number must declare its range: Annotated[int, Range(…)]"
    if base is list:
        if kind.mark(Items) is None:
            return "a list must declare its size: Annotated[list[…], Items(…)]"
        assert kind.item is not None
        return _unbounded(owner, name, kind.item)
    return None


# ---------------------------------------------------------------------------------------------
# The GraphQL input types


_INPUTS: dict[str, tuple[type, type]] = {}


def _description(kind: FieldType) -> str | None:
    parts = []
    doc = kind.mark(Doc)
    if doc is not None:
        parts.append(doc.text)
    ref = kind.mark(Ref) or (kind.item.mark(Ref) if kind.item else None)
    if ref is not None:
        article = "an" if ref.noun[0] in "aeio" else "a"
        parts.append(f"id of {article} {ref.noun}")
    for mark in (*kind.marks, *(kind.item.marks if kind.item else ())):
        if isinstance(mark, Text | Range | Items):
            parts.append(mark.describe())
    return "; ".join(parts) or None


def _graphql_annotation(kind: FieldType) -> Any:
    base = kind.base
    if base is list:
        assert kind.item is not None
        annotation: Any = typing.cast(Any, list)[_graphql_annotation(kind.item)]
    elif kind.mark(Ref) is not None:
        annotation = strawberry.ID
    elif kind.mark(Money) is not None:
        annotation = Fen
    elif dataclasses.is_dataclass(base):
        annotation = input_type(typing.cast(type, base))
    elif isinstance(base, type) and issubclass(base, enum.Enum):
        if not hasattr(base, "__strawberry_definition__"):
            msg = f"register {base.__name__} with strawberry.enum in its feature's types.py"
            raise TypeError(msg)
        annotation = base
    elif base in _PLAIN:
        annotation = base
    else:
        msg = f"no GraphQL input type for {base!r}"
        raise TypeError(msg)
    return annotation | None if kind.optional else annotation


@dataclass
class _WithReason:
    reason: Reason


_REASON = dataclasses.fields(_WithReason)[0]


def command_fields(cls: type) -> list[tuple[dataclasses.Field[Any], FieldType]]:
    """The fields of a command's input, ``reason`` last (every command says why), or of a
    value nested in one."""
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = [(f, field_type(hints[f.name])) for f in dataclasses.fields(cls) if f.init]
    if issubclass(cls, Command):
        fields.append((_REASON, field_type(Reason)))
    return fields


def input_type(cls: type) -> type:
    """The strawberry input type of a command or of a value nested in one (made once)."""
    name = getattr(cls, "input_name", None) or f"{cls.__name__}Input"
    fields = command_fields(cls)
    shape = tuple((f.name, k) for f, k in fields)
    if name in _INPUTS:
        made, made_from = _INPUTS[name]
        if made_from is not cls and shape != tuple(
            (f.name, k) for f, k in command_fields(made_from)
        ):
            msg = f"{cls.__name__} and {made_from.__name__} both name the input {name}"
            raise TypeError(msg)
        return made
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for f, kind in fields:
        problem = _unbounded(cls, f.name, kind)
        if problem:
            msg = f"{cls.__name__}.{f.name}: {problem}"
            raise TypeError(msg)
        annotations[f.name] = _graphql_annotation(kind)
        options: dict[str, Any] = {"description": _description(kind)}
        if f.default is not dataclasses.MISSING:
            options["default"] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            options["default_factory"] = f.default_factory
        namespace[f.name] = strawberry.field(**options)
    made = type(name, (), {"__annotations__": annotations, **namespace})
    made = strawberry.input(made, name=name, description=_doc(cls))
    _INPUTS[name] = (made, cls)
    return made


def _doc(cls: type) -> str | None:
    doc = cls.__doc__
    # A dataclass without a docstring gets its signature as one.
    if not doc or doc == Command.__doc__ or doc.startswith(f"{cls.__name__}("):
        return None
    return " ".join(doc.split())


# ---------------------------------------------------------------------------------------------
# From the input to the command, with every bound checked and every id collected


@dataclass
class _Reading:
    refs: list[tuple[str, str, Ref, UUID]] = dataclasses.field(default_factory=list)


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{to_camel_case(name)}"


def to_command(cls: type[C], value: Any) -> tuple[C, str, _Reading]:
    """The command, its reason, and the ids it names."""
    reading = _Reading()
    arguments = _arguments(cls, value, "input", reading)
    reason = arguments.pop("reason")
    return cls(**arguments), reason, reading


def _arguments(cls: type, value: Any, prefix: str, reading: _Reading) -> dict[str, Any]:
    return {
        f.name: _read(kind, getattr(value, f.name), _path(prefix, f.name), f.name, reading)
        for f, kind in command_fields(cls)
    }


def _read(kind: FieldType, raw: Any, path: str, name: str, reading: _Reading) -> Any:
    if raw is None:
        return None
    if kind.base is list:
        items = kind.mark(Items)
        if len(raw) > items.max_items:
            raise Refused(invalid(path, f"may hold at most {items.max_items} entries"))
        assert kind.item is not None
        return [
            _read(kind.item, item, f"{path}.{index}", name, reading)
            for index, item in enumerate(raw)
        ]
    ref = kind.mark(Ref)
    if ref is not None:
        try:
            thing = UUID(str(raw))
        except ValueError:
            raise Refused(invalid(path, "is not a valid id")) from None
        reading.refs.append((path, name, ref, thing))
        return thing
    text = kind.mark(Text)
    if text is not None:
        return _text(text, raw, path, name)
    bounds = kind.mark(Range)
    if bounds is not None:
        return _number(bounds, raw, path)
    if dataclasses.is_dataclass(kind.base):
        nested = typing.cast(type, kind.base)
        return nested(**_arguments(nested, raw, path, reading))
    return raw


def _text(text: Text, raw: str, path: str, name: str) -> str:
    if len(raw) > text.max_length:
        raise Refused(invalid(path, f"is too long: at most {text.max_length} characters"))
    if len(raw.strip()) < text.min_length:
        message = (
            "must say why the change is made"
            if name == "reason"
            else "must not be empty"
            if text.min_length == 1
            else f"must have at least {text.min_length} characters"
        )
        raise Refused(invalid(path, message))
    return raw


def _number(bounds: Range, raw: int | Decimal, path: str) -> int | Decimal:
    if isinstance(raw, Decimal) and not raw.is_finite():
        raise Refused(invalid(path, "is not a number"))
    problem = bounds.problem(raw)
    if problem:
        raise Refused(invalid(path, problem))
    return raw


# ---------------------------------------------------------------------------------------------
# The mutation


def result_union(payload: Any, name: str | None = None) -> Any:
    """``<Thing>Result``: the payload or one of the typed problems (made once per payload).

    A reply that may answer more than its payload (annotated ``Payload | Other``: a step
    after the command that can fail on its own, such as a payment channel) gets a union of
    its own, named ``name``."""
    answers = get_args(payload) if get_origin(payload) in (Union, types.UnionType) else (payload,)
    if name is None or len(answers) == 1:
        name = answers[0].__name__.removesuffix("Payload") + "Result"
    problems = (ValidationError, NotFound, Conflict, Forbidden, RateLimited, Unavailable, Recorded)
    members = (*answers, *(p for p in problems if p not in answers))
    if name in _UNIONS and _UNIONS[name][0] != members:
        msg = f"two different unions would be named {name}"
        raise TypeError(msg)
    if name not in _UNIONS:
        union = Union[(*members,)]  # type: ignore[valid-type]
        _UNIONS[name] = (members, Annotated[union, strawberry.union(name)])
    return _UNIONS[name][1]


_UNIONS: dict[str, tuple[tuple[type, ...], Any]] = {}


@dataclass(frozen=True)
class Registration(Generic[C, P]):
    command: type[C]
    action: Action
    reply: Reply[C, P]
    target: TargetRule[C] | None
    name: str
    # The reply does a step of its own after the command (a payment channel's), which must
    # not wait for the views; it then waits for them itself before it reads them.
    reply_waits: bool = False

    def resolver(self) -> Callable[..., Awaitable[Any]]:
        registration = self
        input_class = input_type(self.command)
        payload = typing.get_type_hints(self.reply)["return"]

        async def resolve(info: Info[Context, None], input: Any) -> Any:
            return await registration.run(info.context, input)

        resolve.__annotations__ = {
            "info": Info,
            "input": input_class,
            "return": result_union(payload, f"{self.command.__name__}Result"),
        }
        resolve.__name__ = self.name
        return resolve

    async def run(self, context: Context, raw: Any) -> P | Problem | Recorded | RateLimited:
        # Before anything else: a client over its budget costs no reading and no look-ups.
        spent = context.services.budget.take(context.principal.subject)
        if spent is not None:
            metrics.refused(spent)
            return spent
        try:
            command, reason, reading = to_command(self.command, raw)
            found, scope = await _find_all(context, reading)
            # After the connection is given back: a target rule may read with a connection of
            # its own, and one request holding two at once lets a burst of requests hold the
            # whole pool while each waits for a second (the API hung at a pool of five).
            target = await self._target(context, command, found)
            if not allowed(context.principal, self.action, target):
                raise Refused(forbidden(self.action.value))
            _check_scope(scope, reading, found, self._target_path())
            _check_belonging(reading, found, target)
            meta = context.meta(reason)
            done = await context.in_thread(lambda: context.app.execute(meta, command))
        except Exception as error:
            problem = problem_from(error)
            if problem is None:
                raise
            metrics.refused(problem)
            return problem
        # The command is recorded: from here on the client must learn that it was, never
        # meet an error that invites it to send the command again (and so meet a duplicate).
        if self.reply_waits:
            return await self._reply(context, done, command)
        services = context.services
        try:
            caught_up = await services.views_include(done.position)
        except Exception:  # the database went away after the commit
            log.warning("read-your-writes wait failed after position %s", done.position)
            caught_up = False
        if not caught_up:
            metrics.read_your_writes_timed_out()
            return recorded(done)
        return await self._reply(context, done, command)

    async def _reply(self, context: Context, done: Done, command: C) -> P | Recorded:
        try:
            return await self.reply(context, done, command)
        except Exception:
            log.exception("the reply to a recorded %s failed", self.name)
            return recorded(done)

    def _target_path(self) -> str | None:
        return f"input.{to_camel_case(self.target)}" if isinstance(self.target, str) else None

    async def _target(self, context: Context, command: C, found: dict[str, Found]) -> Target:
        rule = self.target
        if rule is None:
            return Target()
        if isinstance(rule, str):
            return found[f"input.{to_camel_case(rule)}"].target()
        target = rule(context, command, found)
        return await target if inspect.isawaitable(target) else target


def recorded(done: Done) -> Recorded:
    """The answer to a recorded command whose views are not there yet to build its payload."""
    return Recorded(
        id=strawberry.ID(str(done.id)),
        part_id=strawberry.ID(str(done.part_id)) if done.part_id else None,
        position=str(done.position),
        message="the change is recorded; the views will show it shortly",
    )


async def _find_all(context: Context, reading: _Reading) -> tuple[dict[str, Found], Scope]:
    """Every id of the input found as one of its declared kinds, by its path, and the
    caller's scope.

    An id the views do not hold while they lag behind the event log may name a thing
    recorded a moment ago (a mutation answered ``Recorded``, and the client goes on with
    the id it was given): then the look-up waits, bounded by the read-your-writes timeout,
    for the views to reach the log's head as it stood, and looks again. Views that are at
    the head answer a missing id as not found at once; views that do not get there in time
    answer "try again in a moment" (``Unavailable``: nothing was recorded), never a false
    ``NotFound`` for a thing that is in the log.
    """
    services = context.services
    async with context.pool.acquire() as connection:
        found = await _look_up(connection, reading.refs)
        scope = await scope_of(connection, context.principal)
        head = await services.lagging_head(connection) if len(found) < len(reading.refs) else None
    if head is not None:
        # Without a connection held while waiting: the watch reads with one of its own.
        log.info("an id is not in the views, which lag behind the log at %s: waiting", head)
        caught_up = await services.watch.wait(head, services.read_your_writes_timeout)
        missing = [ref for ref in reading.refs if ref[0] not in found]
        async with context.pool.acquire() as connection:
            found.update(await _look_up(connection, missing))
        if not caught_up and len(found) < len(reading.refs):
            raise Refused(Unavailable(message=CATCHING_UP))
    for path, _name, ref, _id in reading.refs:
        if path not in found:
            raise Refused(NotFound(field=path, message=f"no {ref.noun} with this id"))
    return found, scope


CATCHING_UP = (
    "the views are still catching up with changes recorded a moment ago; "
    "send the same request again in a moment"
)


async def _look_up(connection: Any, refs: list[tuple[str, str, Ref, UUID]]) -> dict[str, Found]:
    """The ids the views hold, by their path (the others are left out)."""
    found: dict[str, Found] = {}
    for path, _name, ref, thing_id in refs:
        thing = await find(connection, ref.kinds, thing_id)
        if thing is not None:
            found[path] = thing
    return found


def _check_scope(
    scope: Scope, reading: _Reading, found: dict[str, Found], target_path: str | None
) -> None:
    """Every id beside the target (whose access ``allowed`` decided) lies in the caller's
    scope; one outside it is answered as not found, confirming nothing about it."""
    for path, _name, ref, _id in reading.refs:
        if path != target_path and not scope.may_refer_to(found[path]):
            raise Refused(
                NotFound(field=path, message=f"no {ref.noun} with this id that you may see")
            )


def _check_belonging(reading: _Reading, found: dict[str, Found], target: Target) -> None:
    """A thing that belongs to one community must belong to the command's community."""
    if target.community_id is None:
        return
    for path, _name, _ref, _id in reading.refs:
        thing = found[path]
        if thing.kind in FREE_KINDS or thing.kind is Kind.COMMUNITY:
            continue
        communities = thing.community_ids
        if len(communities) == 1 and communities[0] != target.community_id:
            raise Refused(invalid(path, f"this {thing.kind.value} is not in that community"))


def mutation(
    command: type[C],
    action: Action,
    *,
    reply: Reply[C, P],
    target: TargetRule[C] | None = "community_id",
    name: str | None = None,
    reply_waits: bool = False,
) -> Registration[C, P]:
    """Register ``command`` as the mutation ``name`` (default: the command's name).
    ``reply_waits``: the reply is called as soon as the command is recorded, and waits for
    the views itself (a reply with a step of its own that the views must not hold back)."""
    return Registration(
        command, action, reply, target, name or _snake(command.__name__), reply_waits
    )


# Every registered mutation by its GraphQL name (the scope-matrix test walks them).
REGISTRATIONS: dict[str, Registration[Any, Any]] = {}


def mutations(type_name: str, *registrations: Registration[Any, Any]) -> type:
    """A strawberry type holding one mutation field per registration."""
    for registration in registrations:
        REGISTRATIONS[to_camel_case(registration.name)] = registration
    namespace = {
        r.name: strawberry.mutation(resolver=r.resolver(), description=_doc(r.command))
        for r in registrations
    }
    return strawberry.type(type(type_name, (), namespace))


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
