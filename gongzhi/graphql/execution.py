"""A compiling executor: plain sub-trees of a query run as one precomputed plan.

graphql-core executes every field of every object through the same generic steps (resolve
info, resolver call, awaitable checks, value completion, paths). A page of 100 communities
is about 1,100 such fields, and those steps cost several times the SQL. Most of those fields
are *plain*: a strawberry field without a resolver, arguments or extensions, read off the
object, whose type is a scalar, an enum, or a concrete object (or a list of them) whose own
fields are plain too.

For such a selection the executor builds a plan once per request (per type and collected
field set, so 100 nodes share one plan) — a list of (response key, attribute, completer) —
and runs it in a tight loop. Anything the plan does not expect (a null in a non-null field, a
value a scalar refuses, a value of the wrong type) abandons the plan for that object and
re-executes it the generic way, which reports the error exactly as graphql-core would; plain
fields only read attributes, so running them twice has no effect. Fields with resolvers,
arguments, abstract types, ``@defer`` or middleware always take the generic path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLString,
)
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

Completer = Callable[[Any], Any]
Plan = Callable[[Any], dict[str, Any]]


class Unplanned(Exception):
    """Raised inside a plan when a value needs the generic path (to report it properly)."""


class CompilingExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, with plain selections run as compiled plans."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (type name, id of the collected field set) → plan, or None when not plannable.
        # The field set is kept alive beside its plan so that its id stays unique.
        self._plans: dict[tuple[str, int], tuple[Plan | None, object]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        plan = self._plan(parent_type, grouped_field_set)
        if plan is not None:
            try:
                return plan(source_value)
            except Exception:  # the generic path below reports it properly
                pass
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        key = (parent_type.name, id(grouped_field_set))
        cached = self._plans.get(key)
        if cached is None:
            # Strawberry always passes a manager; it matters only when it holds middleware.
            middleware = self.middleware_manager and self.middleware_manager.middlewares
            plan = None if middleware else _compile(self, parent_type, grouped_field_set)
            cached = self._plans[key] = (plan, grouped_field_set)
        return cached[0]


def _compile(
    context: CompilingExecutionContext, parent_type: GraphQLObjectType, grouped_field_set: Any
) -> Plan | None:
    steps: list[tuple[str, Callable[[Any, str], Any], str, Completer]] = []
    for response_name, field_details_list in grouped_field_set.items():
        node = field_details_list[0].node
        name = node.name.value
        if name == "__typename":
            steps.append((response_name, _constant, parent_type.name, _identity))
            continue
        field_def = context.schema.get_field(parent_type, name)
        if field_def is None or field_def.args or node.arguments:
            return None
        if not getattr(field_def.resolve, "_is_default", False):
            return None
        field = field_def.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if field is None or field.base_resolver or field.extensions:
            return None
        complete = _completer(context, field_def.type, field_details_list)
        if complete is None:
            return None
        steps.append((response_name, field.default_resolver, field.python_name, complete))

    def run(source: Any) -> dict[str, Any]:
        return {key: complete(read(source, attr)) for key, read, attr, complete in steps}

    return run


def _completer(
    context: CompilingExecutionContext, type_: GraphQLOutputType, field_details_list: Any
) -> Completer | None:
    """How to complete a value of ``type_``, or None when the generic path must do it."""
    nullable = not isinstance(type_, GraphQLNonNull)
    inner = type_ if nullable else type_.of_type  # type: ignore[union-attr]
    if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
        # The commonest case, fused into one function: null check, coercion, result check.
        coerce = inner.coerce_output_value
        # Strings, IDs and booleans that already have their output type are their own output.
        own = _OWN_OUTPUT.get(id(inner), _NoSuchType)

        def leaf(value: Any) -> Any:
            if type(value) is own:
                return value
            if value is None:
                if nullable:
                    return None
                raise Unplanned
            coerced = coerce(value)
            if coerced is None or coerced is Undefined:
                raise Unplanned
            return coerced

        return leaf
    complete = _composite(context, inner, field_details_list)
    if complete is None:
        return None

    def composite(value: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise Unplanned
        return complete(value)

    return composite


def _composite(
    context: CompilingExecutionContext, type_: GraphQLOutputType, field_details_list: Any
) -> Completer | None:
    """Lists and concrete objects (not null); None for abstract types and ``@defer``."""
    if isinstance(type_, GraphQLList):
        item = _completer(context, type_.of_type, field_details_list)
        if item is None:
            return None

        def each(value: Any) -> list[Any]:
            if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
                raise Unplanned
            return [item(element) for element in value]

        return each
    if isinstance(type_, GraphQLObjectType) and type_.is_type_of is None:
        grouped, defer_usages, _ = context.collect_subfields(type_, field_details_list)
        return None if defer_usages else context._plan(type_, grouped)
    return None


class _NoSuchType:
    """The type no value has: scalars without a shortcut always take the coercion."""


_OWN_OUTPUT: dict[int, type] = {
    id(GraphQLString): str,
    id(GraphQLID): str,
    id(GraphQLBoolean): bool,
}


def _constant(_source: Any, value: str) -> str:
    return value


def _identity(value: Any) -> Any:
    return value
