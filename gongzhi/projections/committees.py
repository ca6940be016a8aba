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
    insert_statement,
    plain,
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

INSERT_COMMITTEE = insert_statement("insert committee", CREATE, committees)
INSERT_CANDIDATE = insert_statement("insert committee candidate", ADD, committee_candidates)


def _update(name: str, *columns: str) -> Any:
    return update_statement(
        name, CHANGE, committees, key=("id", "b_id"), assign={c: c for c in columns}
    )


ELECT = _update(
    "committee elected", "decision_id", "took_office_on", "term_ends_on", "members", "households"
)
APPOINT = _update("committee appointed", "took_office_on", "term_ends_on", "members", "households")
FILE = _update("committee filed", "filed_on", "filing_number", "days_to_filing", "filed_late")
CHANGE_MEMBERS = _update("committee members changed", "members", "households")
START_RE_ELECTION = _update("committee re-election", "successor_id", "re_election_started_on")
END_TERM = _update("committee term ended", "ended_on", "successor_id")
DISSOLVE = _update("committee dissolved", "dissolved_on", "dissolution_cause")
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


def _set(statement: Any, event: Committee.Event, **values: Any) -> list[Op]:
    touch = {
        "b_id": event.originator_id,
        "version": event.originator_version,
        "at": event.timestamp,
    }
    return [Op(statement, {"b_id": event.originator_id, **values}), Op(TOUCH_COMMITTEE, touch)]


@committee_ops.register
def _(event: Committee.Formed) -> list[Op]:
    row = {
        "id": event.originator_id,
        "community_id": event.community_id,
        "term_number": event.term_number,
        "kind": event.kind,
        "group_members": plain(event.group_members),
        "formed_on": event.formed_on,
        "predecessor_id": event.predecessor_id,
        "members": [],
        "rules": plain(event.rules),
        "version": event.originator_version,
        "created_at": event.timestamp,
        "updated_at": event.timestamp,
    }
    return [Op(INSERT_COMMITTEE, row)]


@committee_ops.register
def _(event: Committee.CandidateNominated) -> list[Op]:
    row = {
        "committee_id": event.originator_id,
        "person_id": event.person_id,
        "name": event.name,
        "nominated_on": event.nominated_on,
        "position": event.originator_version,
    }
    touch = {
        "b_id": event.originator_id,
        "version": event.originator_version,
        "at": event.timestamp,
    }
    return [Op(INSERT_CANDIDATE, row), Op(TOUCH_COMMITTEE, touch)]


@committee_ops.register
def _(event: Committee.Elected) -> list[Op]:
    return _set(
        ELECT,
        event,
        decision_id=event.decision_id,
        took_office_on=event.elected_on,
        term_ends_on=event.term_ends_on,
        members=plain(event.members),
        households=event.households,
    )


@committee_ops.register
def _(event: Committee.Appointed) -> list[Op]:
    return _set(
        APPOINT,
        event,
        took_office_on=event.appointed_on,
        term_ends_on=event.term_ends_on,
        members=plain(event.members),
        households=event.households,
    )


@committee_ops.register
def _(event: Committee.Filed) -> list[Op]:
    return _set(
        FILE,
        event,
        filed_on=event.filed_on,
        filing_number=event.filing_number,
        days_to_filing=event.days_after_election,
        filed_late=event.late,
    )


@committee_ops.register
def _(event: Committee.MembersChanged) -> list[Op]:
    return _set(CHANGE_MEMBERS, event, members=plain(event.members), households=event.households)


@committee_ops.register
def _(event: Committee.ReElectionStarted) -> list[Op]:
    return _set(
        START_RE_ELECTION, event, successor_id=event.successor_id, re_election_started_on=event.on
    )


@committee_ops.register
def _(event: Committee.TermEnded) -> list[Op]:
    return _set(END_TERM, event, ended_on=event.ended_on, successor_id=event.successor_id)


@committee_ops.register
def _(event: Committee.Dissolved) -> list[Op]:
    return _set(DISSOLVE, event, dissolved_on=event.dissolved_on, dissolution_cause=event.cause)


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
