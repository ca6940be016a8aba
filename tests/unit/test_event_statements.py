"""Projection statements that take an event's fields by name (``event_insert``/``event_update``):
a column named like a field of the event is filled from it, and nothing else is needed."""

from __future__ import annotations

import uuid
from datetime import date
from functools import singledispatch
from typing import Any

import pytest
from eventsourcing.domain import Aggregate
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB

from gongzhi.projections.ops import (
    CHANGE,
    CREATE,
    Op,
    event_insert,
    event_update,
    project_events,
)


class Parcel(Aggregate):
    class Sent(Aggregate.Created):
        sender: str
        labels: list[dict[str, Any]]
        sent_on: date

    class Delivered(Aggregate.Event):
        delivered_on: date
        note: str = ""

    def __init__(self, sender: str, labels: list[dict[str, Any]], sent_on: date) -> None:
        self.sender = sender

    def deliver(self, on: date, note: str = "") -> None:
        self.trigger_event(self.Delivered, delivered_on=on, note=note)


def parcels(*extra: Column[Any]) -> Table:
    return Table(
        "parcels",
        MetaData(),
        Column("id", Uuid, primary_key=True),
        Column("sender", Text),
        Column("labels", JSONB),
        Column("sent_on", Date),
        Column("delivered_on", Date),
        Column("status", String(10)),
        Column("version", Integer),
        *extra,
    )


def test_an_insert_takes_the_columns_named_like_the_events_fields() -> None:
    # Given an insert of the Sent event into a table with a JSON column and a status
    insert = event_insert("insert", CREATE, parcels(), Parcel.Sent, constants={"status": "SENT"})
    parcel = Parcel(sender="张三", labels=[{"id": uuid.UUID(int=1)}], sent_on=date(2026, 1, 2))
    # When the event becomes an op
    (sent,) = parcel.collect_events()
    op = insert.op(sent)
    # Then the row holds the id, the version, every field by name (JSON in its plain form)
    # and the constant; a column with no field (delivered_on) is left to its default
    assert op.params == {
        "id": parcel.id,
        "version": 1,
        "sender": "张三",
        "labels": [{"id": str(uuid.UUID(int=1))}],
        "sent_on": date(2026, 1, 2),
        "status": "SENT",
    }


def test_a_column_added_with_the_name_of_an_event_field_is_the_whole_projection() -> None:
    parcel = Parcel(sender="张三", labels=[], sent_on=date(2026, 1, 2))
    parcel.deliver(date(2026, 1, 3), note="放门卫")
    delivered = parcel.collect_events()[-1]
    # Given the update without, then with, a column named like the event's ``note``
    before = event_update("deliver", CHANGE, parcels(), Parcel.Delivered)
    after = event_update("deliver", CHANGE, parcels(Column("note", Text)), Parcel.Delivered)
    # Then the new column is assigned and given from the event, with no other change
    assert before.op(delivered).params == {
        "k_id": parcel.id,
        "version": 2,
        "delivered_on": date(2026, 1, 3),
    }
    assert after.op(delivered).params == {**before.op(delivered).params, "note": "放门卫"}
    assert '"note" = v."note"' in after.bulk._sql  # type: ignore[union-attr]


def test_computed_values_are_declared_and_given_exactly() -> None:
    parcel = Parcel(sender="张三", labels=[], sent_on=date(2026, 1, 2))
    parcel.deliver(date(2026, 1, 3))
    delivered = parcel.collect_events()[-1]
    table = parcels(Column("deliveries", Integer))
    count = event_update("count", CHANGE, table, Parcel.Delivered, add={"deliveries": "n"})
    assert count.op(delivered, n=1).params["n"] == 1
    with pytest.raises(TypeError, match="give exactly"):
        count.op(delivered)
    # and a statement that needs a computed value cannot be registered as a whole projection
    with pytest.raises(TypeError, match="needs"):
        project_events(singledispatch(lambda event: []), count)


def test_a_misspelt_column_fails_where_the_statement_is_declared() -> None:
    with pytest.raises(KeyError, match="stauts"):
        event_update("deliver", CHANGE, parcels(), Parcel.Delivered, constants={"stauts": "X"})


def test_project_events_registers_one_op_per_event() -> None:
    @singledispatch
    def ops(event: Any) -> list[Op]:
        return []

    deliver = event_update("deliver", CHANGE, parcels(), Parcel.Delivered)
    project_events(ops, deliver)
    parcel = Parcel(sender="张三", labels=[], sent_on=date(2026, 1, 2))
    parcel.deliver(date(2026, 1, 3))
    sent, delivered = parcel.collect_events()
    assert ops(sent) == []
    assert [op.statement for op in ops(delivered)] == [deliver]


def test_a_renamed_field_fills_its_column_and_an_ignored_one_none() -> None:
    # Given a table whose ``note`` column means something else than the event's ``note``
    table = parcels(Column("note", Text), Column("delivery_note", Text))
    parcel = Parcel(sender="张三", labels=[], sent_on=date(2026, 1, 2))
    parcel.deliver(date(2026, 1, 3), note="放门卫")
    delivered = parcel.collect_events()[-1]
    # When the statement sends the field to another column and ignores its own name
    moved = event_update(
        "deliver",
        CHANGE,
        table,
        Parcel.Delivered,
        renamed={"delivery_note": "note"},
        ignore=("note",),
    )
    # Then the column of the field's name is left alone
    assert moved.op(delivered).params == {
        "k_id": parcel.id,
        "version": 2,
        "delivered_on": date(2026, 1, 3),
        "delivery_note": "放门卫",
    }
    # while a field renamed to a second column, not ignored, fills both
    both = event_update(
        "deliver", CHANGE, table, Parcel.Delivered, renamed={"delivery_note": "note"}
    )
    assert both.op(delivered).params["note"] == both.op(delivered).params["delivery_note"]
    # and an event attribute that does not exist fails at the declaration
    with pytest.raises(KeyError, match="notes"):
        event_update("deliver", CHANGE, table, Parcel.Delivered, renamed={"note": "notes"})


def test_project_events_adds_what_every_event_of_the_aggregate_also_writes() -> None:
    @singledispatch
    def ops(event: Any) -> list[Op]:
        return []

    deliver = event_update("deliver", CHANGE, parcels(), Parcel.Delivered, version_column=None)
    stamp = event_update("stamp", CHANGE, parcels(), Parcel.Delivered, ignore=("delivered_on",))
    project_events(ops, deliver, also=lambda event: [stamp.op(event)])
    parcel = Parcel(sender="张三", labels=[], sent_on=date(2026, 1, 2))
    parcel.deliver(date(2026, 1, 3))
    delivered = parcel.collect_events()[-1]
    assert [(op.statement, op.params) for op in ops(delivered)] == [
        (deliver, {"k_id": parcel.id, "delivered_on": date(2026, 1, 3)}),
        (stamp, {"k_id": parcel.id, "version": 2}),
    ]
