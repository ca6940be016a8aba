"""Reading 抄表: a community's meter book, its meters and a round's readings.

Staff of the serving company, the district's regulators and the community's committee read
all of it (``READ_METERS``); a resident reads the book (prices, rounds) and the meters and
readings of own units only, kept to them in SQL.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import NotFound as NoSuchAggregate
from gongzhi.domain.errors import DomainError
from gongzhi.domain.meter import MeterBook as MeterBookAggregate
from gongzhi.domain.meter import MeterKind, SharingMethod, book_id, month_of
from gongzhi.graphql.auth import Role
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import Refused, invalid
from gongzhi.graphql.history.queries import community_target
from gongzhi.graphql.meters.types import (
    CommonMeterUse,
    Meter,
    MeterBook,
    MeterBookLookup,
    MeterConnection,
    MeterPrice,
    MeterPriceTier,
    MeterReading,
    MeterReadingConnection,
    MeterReadingsLookup,
    MeterSharing,
    MeterSharingLookup,
    MetersLookup,
    ReadingCorrection,
    ReadingRound,
)
from gongzhi.graphql.pagination import Key, keyset_page
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import Action
from gongzhi.graphql.reading import CommunityArg, FilterId, lookup, require
from gongzhi.graphql.rows import from_row

# Each meter with its latest reading (上次读数), the one the next round counts from.
METER_SELECT = """
SELECT m.*, latest.reading AS last_reading, latest.period AS last_read_in
FROM meters m LEFT JOIN LATERAL (
    SELECT r.reading, r.period FROM meter_readings r
    WHERE r.meter_id = m.id ORDER BY r.period DESC LIMIT 1) latest ON true"""
READING_SELECT = """
SELECT r.*, m.number AS meter_number, m.kind, m.unit_id
FROM meter_readings r JOIN meters m ON m.id = r.meter_id"""


async def _readable(context: Context, community_id: UUID) -> None:
    require(context.principal, Action.READ_METERS, await community_target(context, community_id))


def _own_units(context: Context, params: Params, column: str) -> list[str]:
    """A resident's rows: those of own units."""
    if context.principal.role is not Role.RESIDENT:
        return []
    return [f"{column} = ANY({params(list(context.principal.unit_ids))}::uuid[])"]


async def fetch_book(context: Context, community_id: UUID) -> MeterBook:
    book = book_id(community_id)
    pool = context.pool
    method = await pool.fetchval("SELECT sharing_method FROM meter_books WHERE id = $1", book)
    prices = await pool.fetch(
        "SELECT kind, tiers FROM meter_prices WHERE book_id = $1 ORDER BY kind", book
    )
    rounds = await pool.fetch(
        """SELECT o.period, o.billed_in,
                  (SELECT count(*) FROM meter_readings r
                   WHERE r.book_id = o.book_id AND r.period = o.period)::int AS readings,
                  (SELECT count(*) FROM meter_readings r
                   WHERE r.book_id = o.book_id AND r.period = o.period AND r.flag <> '')::int
                   AS flagged
           FROM meter_rounds o WHERE o.book_id = $1 ORDER BY o.period DESC LIMIT 120""",
        book,
    )
    return MeterBook(
        id=strawberry.ID(str(book)),
        community_id=strawberry.ID(str(community_id)),
        sharing_method=SharingMethod(method or SharingMethod.AREA.value),
        prices=[
            MeterPrice(
                kind=MeterKind(row["kind"]),
                tiers=[
                    MeterPriceTier(up_to=_up_to(t["up_to"]), price=Decimal(t["price"]))
                    for t in _json(row["tiers"])
                ],
            )
            for row in prices
        ],
        rounds=[
            ReadingRound(
                period=row["period"],
                status="BILLED" if row["billed_in"] else "OPEN",
                billed_in=row["billed_in"],
                readings=row["readings"],
                flagged=row["flagged"],
            )
            for row in rounds
        ],
    )


def _round_sharing(book: MeterBookAggregate, month: str) -> tuple[str, list[dict[str, Any]]]:
    """The book's sharing method and each common meter's 公摊 of ``month``, as plain values
    (read under the cached book's lock: ``peek``)."""
    uses = [
        {
            "meter_id": use.meter.id,
            "meter_number": use.meter.number,
            "kind": MeterKind(use.meter.kind),
            "served": frozenset(use.own),
            "served_units": len(use.own),
            "consumption": use.consumption,
            "units_consumption": use.consumption - use.shared,
            "shared_consumption": use.shared,
            "shared_fen": book.shared_fen(use),
        }
        for use in book.common_use(month)
    ]
    return book.sharing, uses


async def fetch_sharing(context: Context, community_id: UUID, month: str) -> MeterSharing:
    """公摊 of a round from the meter book itself: which units a common meter serves is the
    book's, not a view's. A resident sees the common meters serving an own unit."""
    app = context.app

    def read() -> tuple[str, list[dict[str, Any]]]:
        try:
            return app.peek(
                MeterBookAggregate,
                book_id(community_id),
                "communityId",
                lambda book: _round_sharing(book, month),
            )
        except NoSuchAggregate:  # no meter yet
            return SharingMethod.AREA.value, []

    method, uses = await context.in_thread(read)
    if context.principal.role is Role.RESIDENT:
        own = set(context.principal.unit_ids)
        uses = [u for u in uses if own & u["served"]]
    return MeterSharing(
        period=month,
        sharing_method=SharingMethod(method),
        common_meters=[from_row(CommonMeterUse, u) for u in uses],
    )


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _up_to(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _meter(row: Any) -> Meter:
    return from_row(Meter, dict(row), kind=MeterKind(row["kind"]))


@strawberry.type
class MeterQueries:
    @strawberry.field(description="A community's meter book: prices, sharing method, rounds")
    @lookup
    async def meter_book(
        self, info: Info[Context, None], community_id: CommunityArg
    ) -> MeterBookLookup:
        community = UUID(community_id)
        await _readable(info.context, community)
        return await fetch_book(info.context, community)

    @strawberry.field(description="A community's meters by number (a resident: own units')")
    @lookup
    async def meters(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        unit_id: FilterId | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> MetersLookup:
        context, community = info.context, UUID(community_id)
        await _readable(context, community)
        params = Params([book_id(community)])
        conditions = ["m.book_id = $1", *_own_units(context, params, "m.unit_id")]
        if unit_id is not None:
            conditions.append(f"m.unit_id = {params(_uuid('unitId', unit_id))}")
        rows, page = await keyset_page(
            context.pool,
            METER_SELECT,
            conditions,
            params,
            (Key("m.number", "number", "text"), Key("m.id", "id", "uuid")),
            first,
            after,
        )
        return MeterConnection(meters=[_meter(r) for r in rows], page_info=page)

    @strawberry.field(
        description="A round's readings by meter number; `flaggedOnly` lists those flagged "
        "for review (a resident: own units')"
    )
    @lookup
    async def meter_readings(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        period: str,
        flagged_only: bool = False,
        first: int = 50,
        after: str | None = None,
    ) -> MeterReadingsLookup:
        context, community = info.context, UUID(community_id)
        month = _month(period)
        await _readable(context, community)
        params = Params([book_id(community), month])
        conditions = ["r.book_id = $1", "r.period = $2", *_own_units(context, params, "m.unit_id")]
        if flagged_only:
            conditions.append("r.flag <> ''")
        rows, page = await keyset_page(
            context.pool,
            READING_SELECT,
            conditions,
            params,
            (Key("m.number", "meter_number", "text"), Key("r.meter_id", "meter_id", "uuid")),
            first,
            after,
        )
        corrections = await context.pool.fetch(
            """SELECT * FROM meter_reading_corrections
               WHERE meter_id = ANY($1::uuid[]) AND period = $2 ORDER BY version""",
            [r["meter_id"] for r in rows],
            month,
        )
        by_meter: dict[UUID, list[ReadingCorrection]] = {}
        for c in corrections:
            by_meter.setdefault(c["meter_id"], []).append(from_row(ReadingCorrection, dict(c)))
        readings = [
            from_row(
                MeterReading,
                dict(r),
                kind=MeterKind(r["kind"]),
                corrections=by_meter.get(r["meter_id"], []),
            )
            for r in rows
        ]
        return MeterReadingConnection(readings=readings, page_info=page)

    @strawberry.field(
        description="A round's 公摊 per common meter: its consumption, its units' own and the "
        "rest shared, with what the billing charges for it (a resident: the common meters "
        "serving own units)"
    )
    @lookup
    async def meter_sharing(
        self, info: Info[Context, None], community_id: CommunityArg, period: str
    ) -> MeterSharingLookup:
        context, community = info.context, UUID(community_id)
        month = _month(period)
        await _readable(context, community)
        return await fetch_sharing(context, community, month)


def _month(period: str) -> str:
    try:
        return month_of("period", period)
    except DomainError as error:
        raise Refused(invalid(error.field, error.message)) from None


def _uuid(field: str, value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise Refused(invalid(field, "is not an id")) from None
