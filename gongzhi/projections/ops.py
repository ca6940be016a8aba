"""Row operations that projection handlers return, and how a batch of them is executed.

Handlers are pure: (event) → [Op]. The runner executes a batch's ops grouped by
statement, so thousands of rows cost a handful of round trips. Groups run in an order
computed from what each statement declares: the *stage* it belongs to (a new aggregate's
row, then its parts' rows, then updates, then versions, then jobs, then history) and,
inside a stage, the statements it must run ``after`` (an update after the update of the
same row that the domain makes first). The order is a topological sort of those
declarations, and a cycle among them is an error; within a group the events' order is
kept. A test projects the same log in batches of 1 and of 1,000 and compares the views.

Most statements also carry a *bulk form* that runs a whole group as ONE statement over
arrays (``INSERT … SELECT FROM unnest(…)``, ``UPDATE … FROM unnest(…)``) on the
transaction's psycopg connection. A group of 2,000 rows through ``executemany`` is 2,000
executions on the server and a dict-and-type-processing pass per row in SQLAlchemy; as
arrays it is one execution and one parameter per column. That is most of what makes the
projection fast. Statements without a bulk form (hand-written SQL) still run through
SQLAlchemy's ``executemany``.
"""

from __future__ import annotations

import heapq
import itertools
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable
from sqlalchemy.types import JSON, Float, Numeric, TypeEngine

_DIALECT = postgresql.dialect()


class BulkForm(Protocol):
    """Runs a group of row parameters as one statement on a psycopg cursor."""

    def execute(self, cursor: Any, rows: Sequence[Mapping[str, Any]]) -> None: ...


_declared = itertools.count()


@dataclass(frozen=True, eq=False)
class Stage:
    """A named step of every batch: its statements run after all statements of the stages
    it comes ``after``. Rows carry no foreign keys, so what the stages order is rows and
    their writers: a row exists before a statement updates it, and the last word on a
    column is the one the domain said last."""

    name: str
    after: tuple[Stage, ...] = ()


# A new aggregate's own row: every other statement about the aggregate refers to it.
CREATE = Stage("create")
# Rows of an aggregate's parts and records (buildings, ledger lines, ballots), which name
# their parent's row and may be inserted in the same batch as it.
ADD = Stage("add", after=(CREATE,))
# Updates of existing rows: a row inserted in the same batch must be there to be updated.
CHANGE = Stage("change", after=(ADD,))
# An aggregate's version (and what is stamped with it), after every change of its parts,
# so that the row ends at the version of the last event in the batch.
TOUCH = Stage("touch", after=(CHANGE,))
# Jobs for the workers, written to the outbox from the rows the batch has just written.
QUEUE = Stage("queue", after=(TOUCH,))
# The history row of every event, after the views it describes.
RECORD = Stage("record", after=(QUEUE,))


@dataclass(frozen=True, eq=False)
class Statement:
    """A parameterised statement a view runs once per event, batched per transaction.

    It runs in its ``stage``, after the statements named in ``after`` (when they are in
    the same batch). ``bulk``, when given, must have the same effect on a group of rows as
    running ``sql`` once per row in order; ``insert_statement``/``update_statement`` build
    both together.
    """

    name: str
    stage: Stage
    sql: Executable
    bulk: BulkForm | None = None
    after: tuple[Statement, ...] = ()
    declared: int = field(default_factory=lambda: next(_declared), compare=False, repr=False)


class OrderCycle(Exception):
    """Raised when statements' stages and ``after`` declarations require each to run
    before the other."""


# A statement, or the start or the end of a stage.
Node = Statement | tuple[str, Stage]


def run_order(statements: Sequence[Statement]) -> list[Statement]:
    """The statements, and those they must follow, in an order that honours every stage
    and ``after`` declaration. Statements free to go either way keep the order given (a
    batch gives them in the order of their first rows), as they always ran."""
    return list(_run_order(tuple(statements)))


@lru_cache(maxsize=1024)
def _run_order(statements: tuple[Statement, ...]) -> tuple[Statement, ...]:
    involved, stages = _involved(statements)
    given = {statement: number for number, statement in enumerate(statements)}
    # A stage is two nodes, its start and its end; its statements run between them.
    edges: dict[Node, list[Node]] = {}
    indegree: dict[Node, int] = {}
    priority: dict[Node, tuple[int, int]] = {}

    def edge(a: Node, b: Node) -> None:
        edges.setdefault(a, []).append(b)
        indegree[b] = indegree.get(b, 0) + 1

    for number, stage in enumerate(sorted(stages, key=lambda s: s.name)):
        start, end = ("start", stage), ("end", stage)
        priority[start], priority[end] = (-1, number), (sys.maxsize, number)
        edge(start, end)
        for earlier_stage in stage.after:
            edge(("end", earlier_stage), start)
    for statement in involved:
        # Statements only followed, not given, have no rows: any place between their
        # neighbours will do.
        priority[statement] = (given.get(statement, len(given)), statement.declared)
        edge(("start", statement.stage), statement)
        edge(statement, ("end", statement.stage))
        for earlier in statement.after:
            edge(earlier, statement)
    return _topological(priority, edges, indegree)


def _involved(statements: tuple[Statement, ...]) -> tuple[set[Statement], set[Stage]]:
    """The statements and every statement they follow, directly or through others not in
    the batch; and every stage these belong to or follow."""
    todo, involved = list(statements), set(statements)
    while todo:
        for earlier in todo.pop().after:
            if earlier not in involved:
                involved.add(earlier)
                todo.append(earlier)
    stages: set[Stage] = set()
    todo_stages = [s.stage for s in involved]
    while todo_stages:
        stage = todo_stages.pop()
        if stage not in stages:
            stages.add(stage)
            todo_stages.extend(stage.after)
    return involved, stages


def _topological(
    priority: dict[Node, tuple[int, int]],
    edges: dict[Node, list[Node]],
    indegree: dict[Node, int],
) -> tuple[Statement, ...]:
    """Kahn's algorithm, taking the ready node of lowest priority first (a stage's start
    before anything, its end after everything else that is ready)."""
    ready = [(priority[node], id(node), node) for node in priority if not indegree.get(node)]
    heapq.heapify(ready)
    ordered: list[Statement] = []
    emitted = 0
    while ready:
        _, _, node = heapq.heappop(ready)
        emitted += 1
        if isinstance(node, Statement):
            ordered.append(node)
        for later in edges.get(node, ()):
            indegree[later] -= 1
            if not indegree[later]:
                heapq.heappush(ready, (priority[later], id(later), later))
    if emitted < len(priority):
        stuck = sorted(
            node.name if isinstance(node, Statement) else f"{node[0]} of {node[1].name}"
            for node in priority
            if indegree.get(node)
        )
        msg = f"projection statements wait for each other in a cycle: {', '.join(stuck)}"
        raise OrderCycle(msg)
    return tuple(ordered)


@dataclass(frozen=True)
class Op:
    statement: Statement
    params: dict[str, Any]


def execute_ops(conn: Connection, ops: Iterable[Op]) -> None:
    groups: dict[Statement, list[dict[str, Any]]] = {}
    for op in ops:
        rows = groups.get(op.statement)
        if rows is None:
            rows = groups[op.statement] = []
        rows.append(op.params)
    cursor = None
    for statement in run_order(list(groups)):
        if statement not in groups:
            continue  # a statement the batch's statements follow, with no rows of its own
        if statement.bulk is None:
            conn.execute(statement.sql, groups[statement])
            continue
        if cursor is None:
            # The psycopg connection under SQLAlchemy's: same transaction, no per-row layer.
            driver = conn.connection.driver_connection
            assert driver is not None
            cursor = driver.cursor()
        statement.bulk.execute(cursor, groups[statement])
    if cursor is not None:
        cursor.close()


def _array_type(column_type: TypeEngine[Any]) -> str:
    """The SQL array type a column's values travel in: the column's type without its
    modifiers, so that storing a value checks length and scale as a plain insert does (an
    explicit cast to ``varchar(40)`` would silently cut a longer value)."""
    return re.sub(r"\([^)]*\)", "", column_type.compile(dialect=_DIALECT)) + "[]"


def _converter(column_type: TypeEngine[Any]) -> Callable[[list[Any]], list[Any]] | None:
    """How a column's Python values become array elements psycopg can dump as one type."""
    if isinstance(column_type, (JSON, JSONB)):
        # The same text SQLAlchemy's JSON bind processor would send.
        return lambda values: [json.dumps(value) for value in values]
    if isinstance(column_type, Numeric) and not isinstance(column_type, Float):
        # psycopg refuses lists mixing int and Decimal (a handler may pass a literal 0).
        return lambda values: [
            value if value is None or type(value) is Decimal else Decimal(value) for value in values
        ]
    return None


def _columns(rows: Sequence[Mapping[str, Any]], keys: tuple[str, ...]) -> list[list[Any]]:
    """Rows (dicts) → one list per key, in ``keys`` order."""
    if len(keys) == 1:
        key = keys[0]
        return [[row[key] for row in rows]]
    getter = itemgetter(*keys)
    return [list(column) for column in zip(*map(getter, rows), strict=True)]


@dataclass(eq=False)
class InsertRows:
    """``INSERT INTO t (cols) SELECT FROM unnest(arrays) [ON CONFLICT DO NOTHING]``.

    The columns are the keys of the group's first row (every row of a group comes from
    the same handler, so they share their keys). Rows go in the group's order, so a
    duplicate key fails (or, with ``on_conflict_do_nothing``, keeps the first) exactly as
    one insert per row would.
    """

    table: Table
    on_conflict_do_nothing: bool = False
    _sql: dict[tuple[str, ...], tuple[str, list[Any]]] = field(
        default_factory=dict, init=False, repr=False
    )

    def _prepare(self, keys: tuple[str, ...]) -> tuple[str, list[Any]]:
        prepared = self._sql.get(keys)
        if prepared is None:
            types = [self.table.c[key].type for key in keys]
            columns = ", ".join(f'"{key}"' for key in keys)
            arrays = ", ".join(f"%b::{_array_type(t)}" for t in types)
            sql = f'INSERT INTO "{self.table.name}" ({columns}) SELECT * FROM unnest({arrays})'
            if self.on_conflict_do_nothing:
                sql += " ON CONFLICT DO NOTHING"
            prepared = self._sql[keys] = (sql, [_converter(t) for t in types])
        return prepared

    def execute(self, cursor: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        keys = tuple(rows[0])
        sql, converters = self._prepare(keys)
        columns = _columns(rows, keys)
        params = [
            convert(values) if convert is not None else values
            for convert, values in zip(converters, columns, strict=True)
        ]
        cursor.execute(sql, params)


@dataclass(eq=False)
class UpdateRows:
    """``UPDATE t SET … FROM unnest(arrays) WHERE t.key = v.key`` for a whole group.

    ``UPDATE … FROM`` changes a row at most once, so rows for the same key are first folded
    into one, in order: ``assign`` columns take the last value, ``add`` columns the sum of
    the increments. That is exactly what running the statement once per row would leave.
    ``constants`` are set to fixed values.
    """

    table: Table
    key_column: str
    key_param: str
    assign: Mapping[str, str] = field(default_factory=dict)
    add: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        c = self.table.c
        params = [(self.key_param, c[self.key_column].type)]
        params += [(param, c[column].type) for column, param in self.assign.items()]
        params += [(param, c[column].type) for column, param in self.add.items()]
        self._keys = tuple(param for param, _ in params)
        self._converters = [_converter(column_type) for _, column_type in params]
        self._added = tuple(self.add.values())
        sets = [f'"{column}" = v."{param}"' for column, param in self.assign.items()]
        sets += [f'"{column}" = t."{column}" + v."{param}"' for column, param in self.add.items()]
        sets += [f'"{column}" = %s' for column in self.constants]
        arrays = ", ".join(f"%b::{_array_type(column_type)}" for _, column_type in params)
        names = ", ".join(f'"{param}"' for param in self._keys)
        self._sql = (
            f'UPDATE "{self.table.name}" AS t SET {", ".join(sets)} '
            f"FROM unnest({arrays}) AS v({names}) "
            f'WHERE t."{self.key_column}" = v."{self.key_param}"'
        )

    def execute(self, cursor: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        folded: dict[Any, dict[str, Any]] = {}
        key_param, added = self.key_param, self._added
        for row in rows:
            previous = folded.get(row[key_param])
            if previous is None:
                folded[row[key_param]] = dict(row)
                continue
            sums = [previous[param] + row[param] for param in added]
            previous.update(row)
            for param, total in zip(added, sums, strict=True):
                previous[param] = total
        columns = _columns(list(folded.values()), self._keys)
        params = [
            convert(values) if convert is not None else values
            for convert, values in zip(self._converters, columns, strict=True)
        ]
        # The constants' placeholders are in the SET clause, before the arrays'.
        cursor.execute(self._sql, [*self.constants.values(), *params])


def insert_statement(
    name: str,
    stage: Stage,
    table: Table,
    *,
    on_conflict_do_nothing: bool = False,
    after: tuple[Statement, ...] = (),
) -> Statement:
    """An insert of one row per op, with its bulk form."""
    sql = pg_insert(table).on_conflict_do_nothing() if on_conflict_do_nothing else insert(table)
    return Statement(name, stage, sql, InsertRows(table, on_conflict_do_nothing), after)


def update_statement(
    name: str,
    stage: Stage,
    table: Table,
    *,
    key: tuple[str, str],
    assign: Mapping[str, str] | None = None,
    add: Mapping[str, str] | None = None,
    constants: Mapping[str, Any] | None = None,
    after: tuple[Statement, ...] = (),
) -> Statement:
    """An update of the row whose ``key[0]`` column equals the ``key[1]`` parameter.

    ``assign`` maps columns to the parameters they are set to, ``add`` columns to the
    parameters they are incremented by, ``constants`` columns to fixed values.
    """
    assign, add, constants = dict(assign or {}), dict(add or {}), dict(constants or {})
    key_column, key_param = key
    c = table.c
    values: dict[str, Any] = {column: bindparam(param) for column, param in assign.items()}
    for column, param in add.items():
        values[column] = c[column] + bindparam(param, type_=c[column].type)
    values.update(constants)
    sql = update(table).where(c[key_column] == bindparam(key_param)).values(**values)
    bulk = UpdateRows(table, key_column, key_param, assign, add, constants)
    return Statement(name, stage, sql, bulk, after)


def plain(value: Any) -> Any:
    """Event data as JSON-ready values: ids, money and dates as strings."""
    kind = type(value)
    # Most event fields are exactly one of these: answered without the isinstance chain.
    if kind is str or kind is int or kind is bool or value is None or kind is float:
        return value
    if kind is UUID:
        return str(value)
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def to_json(value: Any) -> str:
    return json.dumps(plain(value), ensure_ascii=False)


@dataclass(eq=False)
class UpsertRows:
    """``INSERT … SELECT FROM unnest(arrays) ON CONFLICT (key) DO UPDATE`` for a group.

    One statement cannot touch a row twice, so rows for the same key are folded first,
    the last one winning: what running the upsert once per row, in order, would leave.
    """

    table: Table
    key: tuple[str, ...]
    _inserts: InsertRows = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._inserts = InsertRows(self.table)

    def execute(self, cursor: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        folded = {tuple(row[k] for k in self.key): row for row in rows}
        keys = tuple(rows[0])
        sql, converters = self._inserts._prepare(keys)
        updates = ", ".join(f'"{k}" = EXCLUDED."{k}"' for k in keys if k not in self.key)
        conflict = ", ".join(f'"{k}"' for k in self.key)
        sql = f"{sql} ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        columns = _columns(list(folded.values()), keys)
        params = [
            convert(values) if convert is not None else values
            for convert, values in zip(converters, columns, strict=True)
        ]
        cursor.execute(sql, params)


def upsert_statement(
    name: str,
    stage: Stage,
    table: Table,
    *,
    key: tuple[str, ...],
    after: tuple[Statement, ...] = (),
) -> Statement:
    """Insert a row, or replace the non-key columns of the row with the same ``key``."""
    sql = pg_insert(table)
    sql = sql.on_conflict_do_update(
        index_elements=list(key),
        set_={c.name: sql.excluded[c.name] for c in table.columns if c.name not in key},
    )
    return Statement(name, stage, sql, UpsertRows(table, key), after)


# --- Statements that take an event's fields by name -----------------------------------------

# Fields every event has; a row takes the first two through ``id_column`` and ``version_column``.
_EVENT_ENVELOPE = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic"}
)
_KEY_PARAM = "k_id"


def event_fields(event_class: type) -> tuple[str, ...]:
    """The fields an event class declares beyond the envelope every event has."""
    return tuple(f.name for f in fields(event_class) if f.name not in _EVENT_ENVELOPE)


@dataclass(frozen=True, eq=False)
class EventStatement(Statement):
    """A statement whose parameters come from one kind of event, by name: every column of
    the table named like a field of the event takes that field's value (a JSON column its
    ``plain`` form), the id column the event's originator id and the version column its
    version. Adding a column named like an event field is then the whole projection of
    the field. ``taken`` pairs each such column with the event attribute it takes (a
    column of another name says which, ``renamed``); ``computed`` parameters are given by
    the handler (``op(event, name=…)``); ``fixed`` ones are the same for every row."""

    event: type = object
    taken: tuple[tuple[str, str], ...] = ()
    json_columns: frozenset[str] = frozenset()
    computed: tuple[str, ...] = ()
    fixed: tuple[tuple[str, Any], ...] = ()
    id_param: str = "id"
    id_attribute: str = "originator_id"
    version_param: str | None = None

    def op(self, event: Any, **computed: Any) -> Op:
        if computed.keys() != set(self.computed):
            msg = f"{self.name}: give exactly {sorted(self.computed)}, not {sorted(computed)}"
            raise TypeError(msg)
        params: dict[str, Any] = {self.id_param: getattr(event, self.id_attribute)}
        if self.version_param is not None:
            params[self.version_param] = event.originator_version
        json_columns = self.json_columns
        for column, attribute in self.taken:
            value = getattr(event, attribute)
            params[column] = plain(value) if column in json_columns else value
        params.update(self.fixed)
        params.update(computed)
        return Op(self, params)


def _taken(
    table: Table,
    event_class: type,
    version: str | None,
    named: Iterable[str],
    renamed: Mapping[str, str],
    ignore: Iterable[str],
) -> tuple[tuple[tuple[str, str], ...], frozenset[str]]:
    """The columns of ``table`` named like fields of ``event_class`` (but those ``named``
    for other values, and the fields ``ignore``d) and the ``renamed`` ones, each with the
    attribute it takes; and which of them hold JSON. A field renamed to a column still fills
    the column of its own name too, unless ignored. A misspelt column or attribute fails
    here, at import."""
    reserved = {*named, *renamed, *([version] if version else [])}
    unknown = sorted(reserved - set(table.c.keys()))
    declared = set(event_fields(event_class))
    unknown += sorted(
        a for a in (*renamed.values(), *ignore) if a not in declared | _EVENT_ENVELOPE
    )
    if unknown:
        msg = f"{table.name} or {event_class.__qualname__} has no {unknown}"
        raise KeyError(msg)
    by_name = declared - reserved - set(ignore)
    taken = [(c.name, c.name) for c in table.columns if c.name in by_name]
    taken += list(renamed.items())
    json_columns = frozenset(c for c, _ in taken if isinstance(table.c[c].type, (JSON, JSONB)))
    return tuple(taken), json_columns


def _version(table: Table, version_column: str | None) -> str | None:
    return version_column if version_column is not None and version_column in table.c else None


def event_insert(
    name: str,
    stage: Stage,
    table: Table,
    event_class: type,
    *,
    id_column: str = "id",
    id_from: str = "originator_id",
    version_column: str | None = "version",
    renamed: Mapping[str, str] | None = None,
    ignore: tuple[str, ...] = (),
    constants: Mapping[str, Any] | None = None,
    computed: tuple[str, ...] = (),
    on_conflict_do_nothing: bool = False,
    after: tuple[Statement, ...] = (),
) -> EventStatement:
    """An insert of one row per event: ``id_column`` ← the originator id (or the event
    attribute ``id_from`` names: a part's id), ``version_column`` (when the table has it)
    ← the event's version, every column named like a field of the event ← that field (but
    the fields it ``ignore``s), ``renamed`` columns ← the event attribute each names
    (``timestamp`` too), ``constants`` as given, ``computed`` from the handler. Other
    columns take their server default (or NULL)."""
    constants = dict(constants or {})
    version = _version(table, version_column)
    taken, json_columns = _taken(
        table,
        event_class,
        version,
        {id_column, *constants, *computed},
        dict(renamed or {}),
        (*ignore, id_from),
    )
    plain_statement = insert_statement(
        name, stage, table, on_conflict_do_nothing=on_conflict_do_nothing, after=after
    )
    return EventStatement(
        *_parts(plain_statement),
        event=event_class,
        taken=taken,
        json_columns=json_columns,
        computed=computed,
        fixed=tuple(constants.items()),
        id_param=id_column,
        id_attribute=id_from,
        version_param=version,
    )


def event_update(
    name: str,
    stage: Stage,
    table: Table,
    event_class: type,
    *,
    key_column: str = "id",
    key_from: str = "originator_id",
    version_column: str | None = "version",
    renamed: Mapping[str, str] | None = None,
    ignore: tuple[str, ...] = (),
    constants: Mapping[str, Any] | None = None,
    computed: tuple[str, ...] = (),
    add: Mapping[str, str] | None = None,
    after: tuple[Statement, ...] = (),
) -> EventStatement:
    """An update of the row whose ``key_column`` is the event's originator id (or the event
    attribute ``key_from`` names: a part's id): every column named like a field of the
    event is set to that field (but the fields it ``ignore``s: a field that means something
    else than the column of its name), ``renamed`` columns to the event attribute each
    names, ``version_column`` (when the table has it; None when another statement stamps
    the version) to the event's version, ``constants`` to fixed values, ``computed`` columns
    to what the handler gives, and each ``add`` column incremented by the handler's
    parameter it names."""
    constants, add = dict(constants or {}), dict(add or {})
    version = _version(table, version_column)
    taken, json_columns = _taken(
        table,
        event_class,
        version,
        {key_column, *constants, *computed, *add},
        dict(renamed or {}),
        (*ignore, key_from),
    )
    assign = {column: column for column in (*(c for c, _ in taken), *computed)}
    if version is not None:
        assign[version] = version
    plain_statement = update_statement(
        name,
        stage,
        table,
        key=(key_column, _KEY_PARAM),
        assign=assign,
        add=add,
        constants=constants,
        after=after,
    )
    return EventStatement(
        *_parts(plain_statement),
        event=event_class,
        taken=taken,
        json_columns=json_columns,
        computed=(*computed, *add.values()),
        id_param=_KEY_PARAM,
        id_attribute=key_from,
        version_param=version,
    )


def _parts(
    statement: Statement,
) -> tuple[str, Stage, Executable, BulkForm | None, tuple[Statement, ...]]:
    return statement.name, statement.stage, statement.sql, statement.bulk, statement.after


def project_events(
    dispatch: Any,
    *statements: EventStatement,
    also: Callable[[Any], list[Op]] | None = None,
) -> None:
    """Register each statement on a view's ``singledispatch`` function as the whole
    projection of its event: its one op (nothing computed), then ``also``'s ops for the
    event (the aggregate's version stamp)."""
    for statement in statements:
        if statement.computed:
            msg = f"{statement.name} needs {list(statement.computed)} from a handler"
            raise TypeError(msg)

        def ops(event: Any, statement: EventStatement = statement) -> list[Op]:
            return [statement.op(event), *(also(event) if also is not None else ())]

        dispatch.register(statement.event, ops)
