"""District statistics: communities per 管理模式 and unmanaged communities (无物业小区).

Live figures come from the community views; a worker keeps dated snapshots so a
regulator can see, and publish, how a district changed over time.
"""

from __future__ import annotations

from functools import singledispatch

from sqlalchemy import Column, Date, DateTime, Integer, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from gongzhi.domain.community import Community
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import Op, Statement

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

# One row per (district, mode) as of a date; a community with no recorded mode counts as NONE.
DISTRICT_MODE_COUNTS = """
WITH current_mode AS (
    SELECT DISTINCT ON (community_id) community_id, mode
    FROM community_modes
    WHERE effective_from <= $2
    ORDER BY community_id, effective_from DESC, seq DESC
)
SELECT c.district, coalesce(m.mode, 'NONE') AS mode, count(*)::int AS communities
FROM communities c
LEFT JOIN current_mode m ON m.community_id = c.id
WHERE c.district = ANY($1::text[]) AND c.registered_on <= $2
GROUP BY c.district, coalesce(m.mode, 'NONE')
"""

DISTRICTS = "SELECT DISTINCT district FROM communities ORDER BY district"

# The projector writes these in the same transaction as the event that makes a
# district's figures change, then relays them to the broker after the commit.
QUEUE_DISTRICT_REFRESH = Statement(
    "queue district refresh",
    70,
    text(
        "INSERT INTO outbox (actor_name, args) "
        "SELECT 'refresh_district_snapshot', jsonb_build_array(district) "
        "FROM communities WHERE id = :community_id "
        "ON CONFLICT DO NOTHING"
    ),
)


@singledispatch
def statistics_ops(event: object) -> list[Op]:
    return []


@statistics_ops.register(Community.Registered)
@statistics_ops.register(Community.ManagementModeChanged)
def _(event: Community.Event) -> list[Op]:
    return [Op(QUEUE_DISTRICT_REFRESH, {"community_id": event.originator_id})]
