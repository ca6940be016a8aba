"""Read model of the 健康指数 and the inputs the health worker reads.

``health_assessments`` holds the latest revision of each assessment (one per community,
half-year and configuration version); the ranking, its trend against the previous half-year
and the flags are read from it. A district run's request queues the fan-out job through the
outbox, so the job is sent only after the request is committed.

``health_inputs`` gathers one community's ``HealthInputs`` on the worker's connection in one
statement (the district of 10,000 communities is 10,000 of them).
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from functools import singledispatch
from typing import Any
from uuid import UUID

from sqlalchemy import Column, Date, DateTime, Index, Integer, Numeric, String, Table, Text, Uuid
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from gongzhi.domain.facility_rules import REQUIRED_FIRE_SAFETY
from gongzhi.domain.health import HealthAssessment, HealthInputs, HealthRun
from gongzhi.domain.survey import SATISFIED_FROM
from gongzhi.projections.facilities import due_items, status_on
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    QUEUE,
    Op,
    Statement,
    insert_statement,
    update_statement,
)
from gongzhi.projections.work_orders import PERFORMANCE_SQL

health_assessments = Table(
    "health_assessments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("district", Text, nullable=False),
    Column("period", String(10), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("config_name", Text, nullable=False),
    Column("config_version", Integer, nullable=False),
    Column("weights", JSONB, nullable=False),
    Column("health_index", Numeric(4, 1)),  # none when no component had data
    Column("coverage", Integer, nullable=False),
    Column("components", JSONB, nullable=False),
    Column("flags", JSONB, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("health_assessments_ranking", "district", "period", "config_name", "health_index"),
    Index("health_assessments_community", "community_id", "period"),
)

HEALTH_TABLES = (health_assessments,)

INSERT_ASSESSMENT = insert_statement("insert health assessment", ADD, health_assessments)
REVISE_ASSESSMENT = update_statement(
    "revise health assessment",
    CHANGE,
    health_assessments,
    key=("id", "b_id"),
    assign={
        "health_index": "health_index",
        "coverage": "coverage",
        "components": "components",
        "flags": "flags",
        "as_of": "as_of",
        "revision": "revision",
        "version": "version",
        "updated_at": "updated_at",
    },
)
QUEUE_DISTRICT_RUN = Statement(
    "queue district health run",
    QUEUE,
    sql_text(
        "INSERT INTO outbox (actor_name, args) VALUES ('assess_district_health', "
        "jsonb_build_array(CAST(:district AS text), CAST(:period AS text), "
        "CAST(:config AS text))) "
        "ON CONFLICT (actor_name, args) DO UPDATE SET created_at = clock_timestamp()"
    ),
)


def _result_columns(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "health_index": result["index"],
        "coverage": result["coverage"],
        "components": result["components"],
        "flags": result["flags"],
    }


@singledispatch
def health_ops(event: object) -> list[Op]:
    return []


@health_ops.register
def _(event: HealthAssessment.Assessed) -> list[Op]:
    row = {
        "id": event.originator_id,
        "community_id": event.community_id,
        "district": event.district,
        "period": event.period,
        "period_start": event.period_start,
        "period_end": event.period_end,
        "config_name": event.config["name"],
        "config_version": event.config["version"],
        "weights": event.config["weights"],
        **_result_columns(event.result),
        "as_of": event.as_of,
        "revision": 1,
        "version": event.originator_version,
        "updated_at": event.timestamp,
    }
    return [Op(INSERT_ASSESSMENT, row)]


@health_ops.register
def _(event: HealthAssessment.Revised) -> list[Op]:
    params = {
        "b_id": event.originator_id,
        **_result_columns(event.result),
        "as_of": event.as_of,
        "revision": event.revision,
        "version": event.originator_version,
        "updated_at": event.timestamp,
    }
    return [Op(REVISE_ASSESSMENT, params)]


@health_ops.register
def _(event: HealthRun.Requested) -> list[Op]:
    job = {"district": event.district, "period": event.period, "config": event.config}
    return [Op(QUEUE_DISTRICT_RUN, job)]


# --- What the worker reads ------------------------------------------------------------------

_DAY = "CAST(:day AS date)"
# One row of figures for :community on :day, for the half-year [:start, :end] (dates) and
# [:start_at, :end_at) (times). Records count once each, whatever their quantity.
HEALTH_FIGURES = sql_text(f"""
WITH present AS (
    SELECT f.id, f.type, f.end_of_life_on, {status_on("f", _DAY)} AS status_now
    FROM facilities f WHERE f.community_id = :community AND f.installed_on <= {_DAY}
),
live AS (SELECT * FROM present WHERE status_now IN ('IN_SERVICE', 'FAULTY')),
due AS ({due_items("f.community_id = :community", _DAY)}),
fire_groups AS (SELECT value AS types FROM jsonb_array_elements(CAST(:fire_groups AS jsonb))),
defects AS (
    SELECT d.severity FROM facility_defects d JOIN live ON live.id = d.facility_id
    WHERE d.community_id = :community AND d.found_on <= {_DAY}
      AND (d.resolved_on IS NULL OR d.resolved_on > {_DAY})
),
committee AS (
    SELECT bool_or(term_ends_on >= {_DAY}) AS in_office, bool_or(term_ends_on < {_DAY}) AS expired
    FROM committees
    WHERE community_id = :community AND took_office_on <= {_DAY}
      AND (ended_on IS NULL OR ended_on > {_DAY})
      AND (dissolved_on IS NULL OR dissolved_on > {_DAY})
)
SELECT
  (SELECT district FROM communities WHERE id = :community) AS district,
  sla.dispatch_due + sla.response_due AS sla_deadlines,
  sla.dispatched_on_time + sla.responded_on_time AS sla_met,
  (SELECT count(*) FROM complaints WHERE community_id = :community
     AND filed_at >= :start_at AND filed_at < :end_at)::int AS complaints,
  (SELECT count(*) FROM units WHERE community_id = :community AND NOT retired)::int
    AS households,
  (SELECT count(*) FROM live)::int AS facilities_in_use,
  (SELECT count(*) FROM live WHERE status_now = 'FAULTY')::int AS facilities_faulty,
  (SELECT count(*) FROM live WHERE end_of_life_on <= {_DAY})::int AS facilities_past_life,
  (SELECT count(*) FROM fire_groups)::int AS fire_groups_required,
  (SELECT count(*) FROM fire_groups g WHERE EXISTS (
      SELECT 1 FROM present p WHERE p.status_now = 'IN_SERVICE' AND g.types ? p.type
  ))::int AS fire_groups_covered,
  (SELECT count(*) FROM due)::int AS inspections_scheduled,
  (SELECT count(*) FROM due WHERE due_on < {_DAY})::int AS inspections_overdue,
  EXISTS (SELECT 1 FROM due WHERE type = 'ELEVATOR' AND kind = 'STATUTORY'
          AND due_on < {_DAY}) AS elevator_inspection_overdue,
  (SELECT count(*) FROM defects WHERE severity = 'MINOR')::int AS defects_minor,
  (SELECT count(*) FROM defects WHERE severity = 'MAJOR')::int AS defects_major,
  (SELECT count(*) FROM defects WHERE severity = 'CRITICAL')::int AS defects_critical,
  (SELECT coalesce(sum(amount_fen), 0) FROM fee_bills WHERE community_id = :community
     AND period_start BETWEEN :start AND :end)::bigint AS billed_fen,
  (SELECT coalesce(sum(paid_fen), 0) FROM fee_bills WHERE community_id = :community
     AND period_start BETWEEN :start AND :end)::bigint AS collected_fen,
  coalesce((SELECT balance_fen FROM maintenance_funds WHERE community_id = :community), 0)
    ::bigint AS fund_balance_fen,
  coalesce((SELECT first_deposits_fen FROM maintenance_funds WHERE community_id = :community),
    0)::bigint AS fund_first_deposits_fen,
  coalesce((SELECT in_office FROM committee), FALSE) AS committee_in_office,
  coalesce((SELECT expired AND NOT in_office FROM committee), FALSE) AS committee_term_expired,
  EXISTS (SELECT 1 FROM service_contracts WHERE community_id = :community
          AND started_on <= {_DAY}
          AND (handed_over_on IS NULL OR handed_over_on > {_DAY})) AS contract_in_force,
  EXISTS (SELECT 1 FROM party_organisations WHERE community_id = :community
          AND status = 'APPROVED' AND approved_on <= {_DAY}) AS party_organisation,
  (SELECT count(*) FROM survey_responses r JOIN survey_answers a
     ON a.survey_id = r.survey_id AND a.unit_id = r.unit_id
   WHERE r.community_id = :community AND r.submitted_at >= :start_at
     AND r.submitted_at < :end_at AND a.rating IS NOT NULL)::int AS ratings,
  (SELECT count(*) FROM survey_responses r JOIN survey_answers a
     ON a.survey_id = r.survey_id AND a.unit_id = r.unit_id
   WHERE r.community_id = :community AND r.submitted_at >= :start_at
     AND r.submitted_at < :end_at AND a.rating >= {SATISFIED_FROM})::int AS satisfied_ratings
FROM ({
    PERFORMANCE_SQL.format(since=":start_at", until=":end_at", where="w.community_id = :community")
}) sla
""")
_FIRE_GROUPS = json.dumps([list(group) for group in REQUIRED_FIRE_SAFETY])


def health_inputs(
    conn: Connection, community_id: UUID, start: date, end: date, day: date, tz: Any
) -> tuple[str, HealthInputs]:
    """The district and inputs of one community for the half-year [start, end], its states
    on ``day``; ``ValueError`` when the views hold no such community."""
    params = {
        "community": community_id,
        "day": day,
        "start": start,
        "end": end,
        "start_at": datetime.combine(start, time(), tz),
        "end_at": datetime.combine(end + timedelta(days=1), time(), tz),
        "fire_groups": _FIRE_GROUPS,
    }
    figures = dict(conn.execute(HEALTH_FIGURES, params).mappings().one())
    district = figures.pop("district")
    if district is None:
        raise ValueError(f"no community with id {community_id}")
    return district, HealthInputs(**figures)


COMMUNITIES_OF_DISTRICT = sql_text(
    "SELECT id, district FROM communities WHERE (CAST(:district AS text) IS NULL "
    "OR district = :district) AND registered_on <= :end ORDER BY id"
)


def communities_to_assess(
    conn: Connection, district: str | None, end: date
) -> list[tuple[UUID, str]]:
    """Communities registered by the period's end, of a district or all (``None``)."""
    rows = conn.execute(COMMUNITIES_OF_DISTRICT, {"district": district, "end": end})
    return [(row.id, row.district) for row in rows]
