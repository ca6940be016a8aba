"""Read model of 抄表: a community's meter book (its sharing method), meters, reading rounds,
readings (with their consumption and outlier flag), corrections and meter prices.

Rows carry the book's id (``book_id(community_id)``, derived); ``meter_books`` names the
community."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from gongzhi.domain.meter import MeterBook, installed_meter
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    CREATE,
    Op,
    Statement,
    insert_statement,
    update_statement,
    upsert_statement,
)

READING = Numeric(14, 2)
QUANTITY = Numeric(20, 4)

meter_books = Table(
    "meter_books",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False, unique=True),
    Column("sharing_method", String(20), nullable=False),
)
meters = Table(
    "meters",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("book_id", Uuid, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("number", String(50), nullable=False),
    Column("multiplier", Numeric(12, 2), nullable=False),
    Column("initial_reading", READING, nullable=False),
    Column("installed_in", String(7), nullable=False),
    Column("unit_id", Uuid),  # NULL: a common meter
    Column("served_units", Integer, nullable=False),
    Column("replaces", Uuid),
    Column("replaced_in", String(7)),
    Column("replaced_by", Uuid),
    Index("meters_book", "book_id", "number"),
    Index("meters_unit", "unit_id"),
)
meter_rounds = Table(
    "meter_rounds",
    metadata,
    Column("book_id", Uuid, primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("billed_in", String(20)),  # the billing period whose run billed it; NULL: open
)
meter_readings = Table(
    "meter_readings",
    metadata,
    Column("book_id", Uuid, nullable=False),
    Column("meter_id", Uuid, primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("reading", READING, nullable=False),
    Column("consumption", QUANTITY, nullable=False),
    Column("flag", String(300), nullable=False),  # why it is an outlier, or ""
    Column("source", String(20), nullable=False),  # STAFF, IMPORT, REPLACEMENT
    Column("corrected", Boolean, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("meter_readings_round", "book_id", "period", "meter_id"),
)
meter_reading_corrections = Table(
    "meter_reading_corrections",
    metadata,
    Column("meter_id", Uuid, primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("version", Integer, primary_key=True),  # the book's event
    Column("previous", READING, nullable=False),
    Column("reading", READING, nullable=False),
    Column("corrected_at", DateTime(timezone=True), nullable=False),
    # A billed reading's correction: its billing period, what its units were credited (调账)
    # and what they were charged on 补收单
    Column("billed_in", String(7), nullable=False, server_default=""),
    Column("credit_fen", BigInteger, nullable=False, server_default="0"),
    Column("surcharge_fen", BigInteger, nullable=False, server_default="0"),
)
meter_prices = Table(
    "meter_prices",
    metadata,
    Column("book_id", Uuid, primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("tiers", JSONB, nullable=False),
)

METER_TABLES = (
    meter_books,
    meters,
    meter_rounds,
    meter_readings,
    meter_reading_corrections,
    meter_prices,
)

INSERT_BOOK = insert_statement("insert meter book", CREATE, meter_books)
SET_SHARING = update_statement(
    "set meter sharing", CHANGE, meter_books, key=("id", "b_id"), assign={"sharing_method": "m"}
)
INSERT_METER = insert_statement("insert meter", ADD, meters)
RETIRE_METER = update_statement(
    "replace meter",
    CHANGE,
    meters,
    key=("id", "m_id"),
    assign={"replaced_in": "month", "replaced_by": "new_id"},
)
UPSERT_ROUND = upsert_statement("upsert meter round", ADD, meter_rounds, key=("book_id", "period"))
UPSERT_READING = upsert_statement(
    "upsert meter reading", ADD, meter_readings, key=("meter_id", "period")
)
INSERT_CORRECTION = insert_statement("insert reading correction", ADD, meter_reading_corrections)
# A replacement takes the old meter's place: its book, kind, unit and served units.
INSERT_REPLACEMENT = Statement(
    "insert replacement meter",
    ADD,
    text(
        "INSERT INTO meters (id, book_id, kind, number, multiplier, initial_reading, "
        "installed_in, unit_id, served_units, replaces) "
        "SELECT :id, book_id, kind, :number, :multiplier, :initial_reading, :installed_in, "
        "unit_id, served_units, id FROM meters WHERE id = :old_id"
    ),
    after=(INSERT_METER,),
)
UPDATE_CORRECTED = Statement(
    "correct meter reading",
    CHANGE,
    text(
        "UPDATE meter_readings SET reading = :reading, consumption = :consumption, "
        "flag = :flag, corrected = :corrected WHERE meter_id = :meter_id AND period = :period"
    ),
)
UPSERT_PRICE = upsert_statement("upsert meter price", ADD, meter_prices, key=("book_id", "kind"))


@singledispatch
def meter_ops(event: Any) -> list[Op]:
    return []


def _meter(book: Any, meter_id: Any, **fields: Any) -> dict[str, Any]:
    row = {
        "id": meter_id,
        "book_id": book,
        "replaces": None,
        "replaced_in": None,
        "replaced_by": None,
    }
    row.update(fields)
    return row


def _reading(event: MeterBook.Event, month: str, source: str, row: dict[str, Any]) -> Op:
    return Op(
        UPSERT_READING,
        {
            "book_id": event.originator_id,
            "meter_id": row["meter_id"],
            "period": month,
            "reading": row["reading"],
            "consumption": row["consumption"],
            "flag": row["flag"],
            "source": source,
            "corrected": row.get("corrected", False),
            "recorded_at": event.timestamp,
        },
    )


@meter_ops.register
def _(event: MeterBook.Opened) -> list[Op]:
    row = {"id": event.originator_id, "community_id": event.community_id, "sharing_method": "AREA"}
    return [Op(INSERT_BOOK, row)]


def _installed(event: MeterBook.Event, fields: dict[str, Any]) -> Op:
    meter = installed_meter(fields)
    row = _meter(
        event.originator_id,
        meter.id,
        kind=meter.kind,
        number=meter.number,
        multiplier=meter.multiplier,
        initial_reading=meter.initial,
        installed_in=meter.installed_in,
        unit_id=meter.unit_id,
        served_units=len(meter.serves),
    )
    return Op(INSERT_METER, row)


@meter_ops.register
def _(event: MeterBook.Installed) -> list[Op]:
    return [_installed(event, vars(event))]


@meter_ops.register
def _(event: MeterBook.InstalledFromSheet) -> list[Op]:
    return [_installed(event, row) for row in event.meters]


@meter_ops.register
def _(event: MeterBook.Replaced) -> list[Op]:
    # The new meter is the old one's place: its kind, unit and served units are copied by
    # the statement from the old row.
    return [
        Op(
            RETIRE_METER,
            {"m_id": event.meter_id, "month": event.month, "new_id": event.new_meter_id},
        ),
        Op(
            INSERT_REPLACEMENT,
            {
                "id": event.new_meter_id,
                "old_id": event.meter_id,
                "number": event.number,
                "multiplier": event.multiplier,
                "initial_reading": event.initial,
                "installed_in": event.month,
            },
        ),
        _reading(
            event,
            event.month,
            "REPLACEMENT",
            {
                "meter_id": event.meter_id,
                "reading": event.final_reading,
                "consumption": event.final_consumption,
                "flag": "",
            },
        ),
    ]


@meter_ops.register
def _(event: MeterBook.RoundOpened) -> list[Op]:
    return [
        Op(UPSERT_ROUND, {"book_id": event.originator_id, "period": event.month, "billed_in": None})
    ]


@meter_ops.register
def _(event: MeterBook.ReadingsEntered) -> list[Op]:
    return [_reading(event, event.month, event.source, row) for row in event.rows]


@meter_ops.register
def _(event: MeterBook.ReadingCorrected) -> list[Op]:
    row = {
        "meter_id": event.meter_id,
        "reading": event.reading,
        "consumption": event.consumption,
        "flag": event.flag,
        "corrected": True,
    }
    correction = {
        "meter_id": event.meter_id,
        "period": event.month,
        "version": event.originator_version,
        "previous": event.previous,
        "reading": event.reading,
        "corrected_at": event.timestamp,
        "billed_in": event.billed_in,
        "credit_fen": sum((event.credits or {}).values()),
        "surcharge_fen": sum((event.surcharges or {}).values()),
    }
    return [
        Op(UPDATE_CORRECTED, {**row, "period": event.month}),
        Op(INSERT_CORRECTION, correction),
    ]


@meter_ops.register
def _(event: MeterBook.PriceSet) -> list[Op]:
    row = {"book_id": event.originator_id, "kind": event.kind, "tiers": event.tiers}
    return [Op(UPSERT_PRICE, row)]


@meter_ops.register
def _(event: MeterBook.SharingSet) -> list[Op]:
    return [Op(SET_SHARING, {"b_id": event.originator_id, "m": event.method})]


@meter_ops.register
def _(event: MeterBook.RoundsBilled) -> list[Op]:
    return [
        Op(UPSERT_ROUND, {"book_id": event.originator_id, "period": m, "billed_in": event.period})
        for m in event.months
    ]
