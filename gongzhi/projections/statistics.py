"""District statistics: communities per 管理模式 and unmanaged communities (无物业小区).

Live figures come from the community views; a worker keeps dated snapshots so a
regulator can see, and publish, how a district changed over time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import singledispatch

from sqlalchemy import Column, Date, DateTime, Integer, Table, Text, func, text, tuple_
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import TextClause

from gongzhi.domain.community import Community
from gongzhi.domain.values import ManagementMode
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import QUEUE, Op, Statement

district_snapshots = Table(
    "district_snapshots",
    metadata,
    Column("district", Text, primary_key=True),
    Column("as_of", Date, primary_key=True),
    Column("total", Integer, nullable=False),
    Column("unmanaged", Integer, nullable=False),
    Column("by_mode", JSONB, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("actor_name", Text, primary_key=True),
    Column("args", JSONB, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

# Jobs the relay sent, kept until a worker records their effect (or fails them for good):
# a job the broker loses is sent again by the relay's sweep. Written by the relay and the
# workers, never by the projector, and so not a view (a rebuild keeps it).
outbox_sent = Table(
    "outbox_sent",
    metadata,
    Column("actor_name", Text, primary_key=True),
    Column("args", JSONB, primary_key=True),
    Column("message_id", Text, nullable=False, unique=True),
    Column("sent_at", DateTime(timezone=True), nullable=False, index=True),
)

# One row per (district, mode) as of a date; a community with no recorded mode counts as NONE.
DISTRICT_MODE_COUNTS = """
SELECT c.district, coalesce(m.mode, 'NONE') AS mode, count(*)::int AS communities
FROM communities c
LEFT JOIN LATERAL management_on(c.id, $2) m ON TRUE
WHERE c.district = ANY($1::text[]) AND c.registered_on <= $2
GROUP BY c.district, coalesce(m.mode, 'NONE')
"""

DISTRICTS = "SELECT DISTINCT district FROM communities ORDER BY district"

# The projector writes these in the same transaction as the event that makes a
# district's figures change, then relays them to the broker after the commit.
QUEUE_DISTRICT_REFRESH = Statement(
    "queue district refresh",
    QUEUE,
    text(
        "INSERT INTO outbox (actor_name, args) "
        "SELECT 'refresh_district_snapshot', jsonb_build_array(district) "
        "FROM communities WHERE id = :community_id "
        # A newer timestamp makes a relay that read the older row leave this one for later.
        "ON CONFLICT (actor_name, args) DO UPDATE SET created_at = clock_timestamp()"
    ),
)


@singledispatch
def statistics_ops(event: object) -> list[Op]:
    return []


@statistics_ops.register(Community.Registered)
@statistics_ops.register(Community.ManagementModeChanged)
def _(event: Community.Event) -> list[Op]:
    return [Op(QUEUE_DISTRICT_REFRESH, {"community_id": event.originator_id})]


# --- Dated snapshots (区级统计快照), written by the worker ---------------------------------

MODES: tuple[str, ...] = tuple(mode.value for mode in ManagementMode)


def _named_params(sql: str, names: tuple[str, ...]) -> TextClause:
    """The asyncpg-style query (``$1``, ``$2::type``) for a SQLAlchemy connection.

    One SQL text serves both drivers; ``$n::type`` becomes ``CAST(:name AS type)`` because
    SQLAlchemy would read ``:name::type`` as a bind parameter glued to a cast.
    """

    def named(match: re.Match[str]) -> str:
        name = names[int(match.group(1)) - 1]
        cast = match.group(2)
        return f"CAST(:{name} AS {cast})" if cast else f":{name}"

    return text(re.sub(r"\$(\d+)(?:::([\w\[\]]+))?", named, sql))


_DISTRICT_MODE_COUNTS = _named_params(DISTRICT_MODE_COUNTS, ("districts", "as_of"))


@dataclass(frozen=True)
class DistrictFigures:
    """一个区 on one day: communities, unmanaged ones (无物业小区), and communities per 管理模式."""

    district: str
    as_of: date
    total: int
    unmanaged: int
    by_mode: dict[str, int]


def district_figures(conn: Connection, district: str, as_of: date) -> DistrictFigures:
    """The district's figures as of ``as_of`` from the community views; every mode listed."""
    by_mode = dict.fromkeys(MODES, 0)
    for row in conn.execute(_DISTRICT_MODE_COUNTS, {"districts": [district], "as_of": as_of}):
        by_mode[row.mode] = by_mode.get(row.mode, 0) + row.communities
    return DistrictFigures(
        district=district,
        as_of=as_of,
        total=sum(by_mode.values()),
        unmanaged=by_mode[ManagementMode.NONE.value],
        by_mode=by_mode,
    )


def save_district_snapshot(conn: Connection, figures: DistrictFigures) -> bool:
    """Upsert the (district, as_of) snapshot; return whether the row changed.

    Keyed on the business key, so a job run twice leaves one row; unchanged figures keep
    the row as it was (``computed_at`` says when these figures were first seen).
    """
    row = pg_insert(district_snapshots).values(
        district=figures.district,
        as_of=figures.as_of,
        total=figures.total,
        unmanaged=figures.unmanaged,
        by_mode=figures.by_mode,
        computed_at=func.now(),
    )
    current, new = district_snapshots.c, row.excluded
    result = conn.execute(
        row.on_conflict_do_update(
            index_elements=[current.district, current.as_of],
            set_={
                "total": new.total,
                "unmanaged": new.unmanaged,
                "by_mode": new.by_mode,
                "computed_at": new.computed_at,
            },
            where=tuple_(current.total, current.unmanaged, current.by_mode).is_distinct_from(
                tuple_(new.total, new.unmanaged, new.by_mode)
            ),
        )
    )
    return bool(result.rowcount)


def districts(conn: Connection) -> list[str]:
    """Every district that has a registered community."""
    return list(conn.execute(text(DISTRICTS)).scalars())
