"""Read model of 业主委员会 / 物业管理委员会 terms, their candidates, and district coverage.

One row per term in ``committees`` (members as JSON, in office order), one row per
candidate in ``committee_candidates``. Status, expiry warning and coverage are computed at
read time from the dates, against the day asked about, so they never go stale.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

from gongzhi.domain.committee import Committee
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    CREATE,
    TOUCH,
    Op,
    event_insert,
    event_update,
    project_events,
    update_statement,
)

committees = Table(
    "committees",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("term_number", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("group_members", JSONB, nullable=False, server_default="[]"),
    Column("formed_on", Date, nullable=False),
    Column("predecessor_id", Uuid),
    Column("successor_id", Uuid),
    Column("re_election_started_on", Date),
    Column("decision_id", Uuid),
    Column("took_office_on", Date),
    Column("term_ends_on", Date),
    Column("households", Integer),
    Column("members", JSONB, nullable=False, server_default="[]"),
    Column("filed_on", Date),
    Column("filing_number", Text),
    Column("days_to_filing", Integer),
    Column("filed_late", Boolean),
    Column("ended_on", Date),
    Column("dissolved_on", Date),
    Column("dissolution_cause", Text),
    Column("rules", JSONB, nullable=False, server_default="{}"),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("committees_community_term", "community_id", "term_number"),
)

committee_candidates = Table(
    "committee_candidates",
    metadata,
    Column("committee_id", Uuid, primary_key=True),
    Column("person_id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("nominated_on", Date, nullable=False),
    Column("position", Integer, nullable=False),
)

# Each statement takes its event's fields by name (``event_insert``/``event_update``); the
# version is stamped by TOUCH_COMMITTEE after every change of the batch.
INSERT_COMMITTEE = event_insert(
    "insert committee",
    CREATE,
    committees,
    Committee.Formed,
    renamed={"created_at": "timestamp", "updated_at": "timestamp"},
)
INSERT_CANDIDATE = event_insert(
    "insert committee candidate",
    ADD,
    committee_candidates,
    Committee.CandidateNominated,
    id_column="committee_id",
    renamed={"position": "originator_version"},
)


def _update(event_class: type, name: str, **renamed: str) -> Any:
    return event_update(name, CHANGE, committees, event_class, version_column=None, renamed=renamed)


ELECT = _update(Committee.Elected, "committee elected", took_office_on="elected_on")
APPOINT = _update(Committee.Appointed, "committee appointed", took_office_on="appointed_on")
FILE = _update(
    Committee.Filed,
    "committee filed",
    days_to_filing="days_after_election",
    filed_late="late",
)
# The decision of a change of members is not the election's (``decision_id`` stays).
CHANGE_MEMBERS = event_update(
    "committee members changed",
    CHANGE,
    committees,
    Committee.MembersChanged,
    version_column=None,
    ignore=("decision_id",),
)
START_RE_ELECTION = _update(
    Committee.ReElectionStarted, "committee re-election", re_election_started_on="on"
)
END_TERM = _update(Committee.TermEnded, "committee term ended")
DISSOLVE = _update(Committee.Dissolved, "committee dissolved", dissolution_cause="cause")
TOUCH_COMMITTEE = update_statement(
    "touch committee",
    TOUCH,
    committees,
    key=("id", "b_id"),
    assign={"version": "version", "updated_at": "at"},
)


@singledispatch
def committee_ops(event: object) -> list[Op]:
    """Rows for one event; events of other aggregates give none."""
    return []


def _touch(event: Committee.Event) -> list[Op]:
    touch = {
        "b_id": event.originator_id,
        "version": event.originator_version,
        "at": event.timestamp,
    }
    return [Op(TOUCH_COMMITTEE, touch)]


project_events(committee_ops, INSERT_COMMITTEE)
project_events(
    committee_ops,
    INSERT_CANDIDATE,
    ELECT,
    APPOINT,
    FILE,
    CHANGE_MEMBERS,
    START_RE_ELECTION,
    END_TERM,
    DISSOLVE,
    also=_touch,
)


# --- Reads (asyncpg, $n parameters) ----------------------------------------------------------

# A term is in office on $n from the day it took office to its last day, before it ended or
# was dissolved (gongzhi.domain.committee.office_status says the same in Python).
IN_OFFICE = """(k.took_office_on <= {day} AND k.term_ends_on >= {day}
    AND (k.ended_on IS NULL OR k.ended_on > {day})
    AND (k.dissolved_on IS NULL OR k.dissolved_on > {day}))"""

COMMITTEE_SELECT = """
SELECT k.*, c.name AS community_name, c.district,
  coalesce((
    SELECT json_agg(json_build_object('person_id', cc.person_id::text, 'name', cc.name,
      'nominated_on', cc.nominated_on) ORDER BY cc.position)
    FROM committee_candidates cc WHERE cc.committee_id = k.id), '[]'::json) AS candidates
FROM committees k JOIN communities c ON c.id = k.community_id
"""

# 业委会（物管会）覆盖率: communities of district $1 registered by $2 with a committee of
# either kind in office on $2, the percentage exact to the hundredth (numeric, not float),
# and the uncovered communities by name.
COMMITTEE_COVERAGE = f"""
WITH covered AS (
    SELECT DISTINCT k.community_id FROM committees k WHERE {IN_OFFICE.format(day="$2")}
), district AS (
    SELECT c.id, c.name, (v.community_id IS NOT NULL) AS covered
    FROM communities c LEFT JOIN covered v ON v.community_id = c.id
    WHERE c.district = $1 AND c.registered_on <= $2
)
SELECT count(*)::int AS total,
  (count(*) FILTER (WHERE covered))::int AS covered,
  CASE WHEN count(*) = 0 THEN NULL
       ELSE round((count(*) FILTER (WHERE covered))::numeric * 100 / count(*), 2) END
    AS percentage,
  coalesce(json_agg(json_build_object('id', id::text, 'name', name) ORDER BY name, id)
    FILTER (WHERE NOT covered), '[]'::json) AS uncovered
FROM district
"""
