"""Running an export: the query it mirrors, executed through the schema as the caller, one
page of ``PAGE`` rows at a time, each page turned into cells and handed on before the next
is read. At no time does the process hold more than one page, whatever the list's length.
"""

from __future__ import annotations

import enum
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from graphql import GraphQLEnumType, GraphQLObjectType, get_named_type

from gongzhi.domain.labels import LABELS
from gongzhi.graphql.context import Context
from gongzhi.graphql.enums import GRAPHQL_ENUMS
from gongzhi.graphql.errors import Forbidden, NotFound, Refused, ValidationError, invalid
from gongzhi.graphql.exports.catalogue import ARGUMENT_TYPES, Cell, Export
from gongzhi.graphql.pagination import MAX_PAGE

# The largest page the queries give: the fewest round trips at the same bounded memory.
PAGE = MAX_PAGE
YES, NO = "是", "否"
PROBLEMS = {
    "ValidationError": "field path message",
    "NotFound": "field message",
    "Forbidden": "message",
}


@dataclass(frozen=True)
class Opened:
    """An export whose first page was read: the caller may read it (else Refused)."""

    export: Export
    variables: dict[str, Any]
    first: list[list[object]]
    after: str | None  # where the next page starts; None when the first was the last
    total: int  # rows in all, from the query's own count (pageInfo.totalCount)
    schema: Any  # the schema as served, whose extensions (the replica's reads) apply


def document(export: Export, union_members: set[str]) -> str:
    """The query of one page: the export's rows, the page's cursor and count, and each
    problem the query may answer instead (only those its union holds are valid)."""
    names = [name for name in ARGUMENT_TYPES if f"${name}" in export.call]
    declared = [f"${name}: {ARGUMENT_TYPES[name]}" for name in names]
    if export.paged:
        declared += ["$first: Int!", "$after: String", "$counted: Boolean!"]
    rows = _nest(export.rows, export.selection())
    # Counted once, with the first page: a count costs as much as reading the whole list.
    page = "pageInfo { hasNextPage endCursor totalCount @include(if: $counted) }"
    page = page if export.paged else ""
    problems = " ".join(
        f"... on {kind} {{ {fields} }}"
        for kind, fields in PROBLEMS.items()
        if kind in union_members
    )
    return (
        f"query Export({', '.join(declared)}) {{ answer: {export.field}({export.call}) {{ "
        f"__typename ... on {export.on} {{ {rows} {page} }} {problems} }} }}"
    )


def _nest(path: str, inner: str) -> str:
    for part in reversed(path.split(".")):
        inner = f"{part} {{ {inner} }}"
    return inner


def arguments(export: Export, given: Mapping[str, Any]) -> dict[str, Any]:
    """The variables of the export's query from what the caller gave: every argument the
    export needs, none it does not take (a refusal names the argument)."""
    takes = {name for name in ARGUMENT_TYPES if f"${name}" in export.call}
    for name, value in given.items():
        if value is not None and name not in takes:
            raise Refused(invalid(name, f"is not an argument of the {export.kind.value} export"))
    for name in export.arguments:
        if given.get(name) is None:
            raise Refused(invalid(name, f"is required by the {export.kind.value} export"))
    return {name: given.get(name) for name in takes}


async def open_export(
    context: Context, export: Export, given: Mapping[str, Any], schema: Any = None
) -> Opened:
    """Read the first page as the caller: raises Refused with the query's own problem.
    ``schema`` is the one the API serves (default: the bare schema, for the command line)."""
    if schema is None:
        from gongzhi.graphql.schema import schema  # the schema holds the export link's query
    variables = arguments(export, given)
    rows, after, total = await _page(schema, context, export, variables, None)
    total = len(rows) if total is None else total
    return Opened(export, variables, rows, after, total, schema)


async def batches(context: Context, opened: Opened) -> AsyncIterator[list[list[object]]]:
    """The export's rows page by page, the first (already read) included."""
    yield opened.first
    after = opened.after
    while after is not None:
        rows, after, _ = await _page(opened.schema, context, opened.export, opened.variables, after)
        yield rows


async def _page(
    schema: Any, context: Context, export: Export, variables: dict[str, Any], after: str | None
) -> tuple[list[list[object]], str | None, int | None]:
    query = document(export, answer_types(schema, export.field))
    paging = {"first": PAGE, "after": after, "counted": after is None} if export.paged else {}
    result = await schema.execute(query, {**variables, **paging}, context_value=context)
    if result.errors:
        raise RuntimeError(f"the {export.field} query failed: {result.errors[0].message}")
    assert result.data is not None
    answer = result.data["answer"]
    _refuse_if_problem(export, answer)
    names = column_names(schema, export)
    rows = [
        [
            _cell(column.cell, _named(_at(item, column.path), named))
            for column, named in zip(export.columns, names, strict=True)
        ]
        for item in _items(answer, export.rows)
    ]
    if not export.paged:
        return rows, None, None
    page = answer["pageInfo"]
    return rows, page["endCursor"] if page["hasNextPage"] else None, page.get("totalCount")


DOMAIN_ENUMS: dict[str, type[enum.Enum]] = {name: kind for kind, name, _ in GRAPHQL_ENUMS}


def column_names(schema: Any, export: Export) -> list[Mapping[str, str] | None]:
    """For each column, the names its values are written by: an enum's values' Chinese
    names, or the column's own ``labels``; None for a column written as it is."""
    return [
        enum_labels(column_type(schema, export, column.path))
        if column.labels is None
        else column.labels
        for column in export.columns
    ]


def column_type(schema: Any, export: Export, path: str) -> Any:
    """The GraphQL type (named, unwrapped) of a column's field in one row of the answer."""
    found: Any = schema._schema.type_map[export.on]
    for part in [*export.rows.split("."), *path.split(".")]:
        assert isinstance(found, GraphQLObjectType), (export.kind, path)
        found = get_named_type(found.fields[part].type)
    return found


def enum_labels(graphql_type: Any) -> Mapping[str, str] | None:
    """The Chinese names of an enum's values by their GraphQL names; None when the type is
    no enum, without the values that have no name (``test_labels.py`` fails on those)."""
    if not isinstance(graphql_type, GraphQLEnumType):
        return None
    kind = DOMAIN_ENUMS.get(graphql_type.name)
    if kind is None:
        return {}
    names = LABELS.get(kind, {})
    return {member.name: names[member.value] for member in kind if member.value in names}


def _named(value: Any, names: Mapping[str, str] | None) -> Any:
    return names.get(value, value) if names and isinstance(value, str) else value


def answer_types(schema: Any, field: str) -> set[str]:
    answer = schema._schema.query_type.fields[field].type
    while hasattr(answer, "of_type"):
        answer = answer.of_type
    return {member.name for member in getattr(answer, "types", [answer])}


def _refuse_if_problem(export: Export, answer: dict[str, Any]) -> None:
    kind = answer["__typename"]
    if kind not in PROBLEMS:
        return
    field = dict(export.renamed).get(answer.get("field", ""), answer.get("field", ""))
    if kind == "ValidationError":
        path = [dict(export.renamed).get(part, part) for part in answer["path"]]
        raise Refused(ValidationError(field=field, path=path, message=answer["message"]))
    if kind == "NotFound":
        raise Refused(NotFound(field=field, message=answer["message"]))
    raise Refused(Forbidden(message=answer["message"]))


def _items(answer: dict[str, Any], path: str) -> list[dict[str, Any]]:
    """The rows at a dotted path, through lists (``edges.node``) and absent parts (a decision
    not yet tallied has no ``result``: no rows)."""
    items: list[Any] = [answer]
    for part in path.split("."):
        found: list[Any] = []
        for item in items:
            value = item[part]
            found.extend(value if isinstance(value, list) else [value])
        items = [item for item in found if item is not None]
    return items


def _at(item: dict[str, Any], path: str) -> Any:
    value: Any = item
    for part in path.split("."):
        value = None if value is None else value[part]
    return value


def _cell(cell: Cell, value: Any) -> object:
    if value is None:
        return None
    if cell is Cell.YUAN:  # whole fen, an Int or a Decimal the API sends as a string
        return Decimal(str(value)).scaleb(-2)
    if cell is Cell.NUMBER:
        return Decimal(str(value))
    if cell is Cell.YES_NO:
        return YES if value else NO
    if cell is Cell.JSON:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(value)
