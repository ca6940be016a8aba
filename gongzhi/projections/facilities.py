"""Read model of 设施与巡检: facilities, their dated statuses, schedules, inspections, defects,
and the SQL that answers "what is due or overdue on D" and a community's facility figures.

Nothing here depends on the day the projection runs: statuses are kept as dated rows and
due dates as the events fixed them, so every query takes its date as a parameter.
"""

from __future__ import annotations

from datetime import datetime
from functools import singledispatch
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from gongzhi.domain.facility import Facility
from gongzhi.domain.facility_rules import REQUIRED_FIRE_SAFETY, FacilityStatus, add_years
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    CREATE,
    TOUCH,
    Op,
    event_insert,
    event_update,
    insert_statement,
    project_events,
    update_statement,
)

facilities = Table(
    "facilities",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("type", String(40), nullable=False),
    Column("category", String(40), nullable=False),
    Column("name", Text, nullable=False),
    Column("building_id", Uuid),
    Column("entrance_id", Uuid),
    Column("place", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("area_m2", Numeric(12, 2)),
    Column("installed_on", Date, nullable=False),
    Column("expected_life_years", Integer),
    Column("end_of_life_on", Date),
    Column("status", String(20), nullable=False),  # the latest recorded, whatever its date
    Column("status_since", Date, nullable=False),
    Column("retired_on", Date),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("facilities_community", "community_id", "type", "id"),
)

facility_statuses = Table(
    "facility_statuses",
    metadata,
    Column("facility_id", Uuid, primary_key=True),
    Column("seq", Integer, primary_key=True),  # the event's version: later wins on one day
    Column("status", String(20), nullable=False),
    Column("effective_on", Date, nullable=False),
)

facility_schedules = Table(
    "facility_schedules",
    metadata,
    Column("facility_id", Uuid, primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("first_due_on", Date, nullable=False),
    Column("rule_set", Text, nullable=False),
    Column("rule_set_version", Integer, nullable=False),
)

facility_inspections = Table(
    "facility_inspections",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("facility_id", Uuid, nullable=False),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("inspected_on", Date, nullable=False),
    Column("inspector", Text, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("note", Text, nullable=False),
    Column("photo_refs", JSONB, nullable=False),
    Column("next_due_on", Date),
    Column("rule_set", Text, nullable=False),
    Column("rule_set_version", Integer, nullable=False),
    Column("defect_count", Integer, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("facility_inspections_latest", "facility_id", "kind", "inspected_on", "seq"),
)

facility_defects = Table(
    "facility_defects",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("facility_id", Uuid, nullable=False, index=True),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("inspection_id", Uuid, nullable=False),
    Column("description", Text, nullable=False),
    Column("severity", String(20), nullable=False),
    Column("found_on", Date, nullable=False),
    Column("work_order_id", Uuid),
    Column("resolved_on", Date),
    Column("resolution_note", Text),
    Index(
        "facility_defects_unlinked",
        "inspection_id",
        postgresql_where=text("work_order_id IS NULL AND resolved_on IS NULL"),
    ),
)

FACILITY_TABLES = (
    facilities,
    facility_statuses,
    facility_schedules,
    facility_inspections,
    facility_defects,
)

# The statements of one event take its fields by name (``event_insert``/``event_update``);
# the version is stamped by TOUCH_FACILITY after every change of the batch.
INSERT_FACILITY = event_insert(
    "insert facility",
    CREATE,
    facilities,
    Facility.Registered,
    renamed={
        "type": "facility_type",
        "status_since": "installed_on",
        "created_at": "timestamp",
        "updated_at": "timestamp",
    },
    constants={"status": FacilityStatus.IN_SERVICE.value},
    computed=("end_of_life_on",),
    on_conflict_do_nothing=True,
)
_STATUS = {"seq": "originator_version"}
INSERT_FIRST_STATUS = event_insert(
    "insert facility's first status",
    ADD,
    facility_statuses,
    Facility.Registered,
    id_column="facility_id",
    renamed={**_STATUS, "effective_on": "installed_on"},
    constants={"status": FacilityStatus.IN_SERVICE.value},
    on_conflict_do_nothing=True,
)
INSERT_STATUS = event_insert(
    "insert facility status",
    ADD,
    facility_statuses,
    Facility.StatusChanged,
    id_column="facility_id",
    renamed={**_STATUS, "effective_on": "on"},
    on_conflict_do_nothing=True,
)
INSERT_SCHEDULE = insert_statement(
    "insert facility schedule", ADD, facility_schedules, on_conflict_do_nothing=True
)
INSERT_INSPECTION = event_insert(
    "insert facility inspection",
    ADD,
    facility_inspections,
    Facility.InspectionRecorded,
    id_from="inspection_id",
    renamed={
        "facility_id": "originator_id",
        "seq": "originator_version",
        "recorded_at": "timestamp",
    },
    computed=("defect_count",),
    on_conflict_do_nothing=True,
)
# A defect is found by an inspection, recorded in the same batch or before.
INSERT_DEFECT = insert_statement(
    "insert facility defect",
    ADD,
    facility_defects,
    on_conflict_do_nothing=True,
    after=(INSERT_INSPECTION,),
)
CHANGE_STATUS = event_update(
    "change facility status",
    CHANGE,
    facilities,
    Facility.StatusChanged,
    version_column=None,
    renamed={"status_since": "on"},
    computed=("retired_on",),
)
LINK_WORK_ORDER = event_update(
    "link defect work order",
    CHANGE,
    facility_defects,
    Facility.DefectWorkOrderLinked,
    key_from="defect_id",
)
RESOLVE_DEFECT = event_update(
    "resolve facility defect",
    CHANGE,
    facility_defects,
    Facility.DefectResolved,
    key_from="defect_id",
    renamed={"resolution_note": "note"},
)
TOUCH_FACILITY = update_statement(
    "touch facility",
    TOUCH,
    facilities,
    key=("id", "b_id"),
    assign={"version": "version", "updated_at": "at"},
)


@singledispatch
def facility_ops(event: object) -> list[Op]:
    """Rows for one event; events of other aggregates give none."""
    return []


def _touch(event: Facility.Event) -> Op:
    return Op(
        TOUCH_FACILITY,
        {"b_id": event.originator_id, "version": event.originator_version, "at": event.timestamp},
    )


@facility_ops.register
def _(event: Facility.Registered) -> list[Op]:
    life = event.expected_life_years
    end_of_life = None if life is None else add_years(event.installed_on, life)
    schedules = [
        Op(
            INSERT_SCHEDULE,
            {
                "facility_id": event.originator_id,
                "kind": item["kind"],
                "first_due_on": item["due_on"],
                "rule_set": item["rule_set"],
                "rule_set_version": item["version"],
            },
        )
        for item in event.schedule
    ]
    return [
        INSERT_FACILITY.op(event, end_of_life_on=end_of_life),
        INSERT_FIRST_STATUS.op(event),
        *schedules,
    ]


@facility_ops.register
def _(event: Facility.StatusChanged) -> list[Op]:
    retired = event.on if event.status == FacilityStatus.RETIRED.value else None
    return [INSERT_STATUS.op(event), CHANGE_STATUS.op(event, retired_on=retired), _touch(event)]


@facility_ops.register
def _(event: Facility.InspectionRecorded) -> list[Op]:
    community = event.community_id  # copied so per-community counts need no join
    defects = [
        Op(
            INSERT_DEFECT,
            {
                "id": d["defect_id"],
                "facility_id": event.originator_id,
                "community_id": community,
                "inspection_id": event.inspection_id,
                "description": d["description"],
                "severity": d["severity"],
                "found_on": event.inspected_on,
                "work_order_id": None,
                "resolved_on": None,
                "resolution_note": None,
            },
        )
        for d in event.defects
    ]
    inspection = INSERT_INSPECTION.op(event, defect_count=len(event.defects))
    return [inspection, *defects, _touch(event)]


project_events(facility_ops, LINK_WORK_ORDER, RESOLVE_DEFECT, also=lambda event: [_touch(event)])


# Open defects without their work order, recorded more than a minute before ``:now``: the
# inspection's own request opens the orders at once; these are the ones a crash left behind.
UNLINKED_DEFECTS = text("""
SELECT DISTINCT d.facility_id FROM facility_defects d
JOIN facility_inspections i ON i.id = d.inspection_id
WHERE d.work_order_id IS NULL AND d.resolved_on IS NULL
  AND i.recorded_at < CAST(:now AS timestamptz) - interval '1 minute'
ORDER BY d.facility_id""")


def facilities_with_unlinked_defects(conn: Connection, now: datetime) -> list[UUID]:
    return list(conn.execute(UNLINKED_DEFECTS, {"now": now}).scalars())


# --- Queries on a date D ---------------------------------------------------------------------


def status_on(alias: str, day: str) -> str:
    """SQL for the status of facility ``alias`` on ``day``: the latest dated change by then."""
    return (
        f"(SELECT s.status FROM facility_statuses s WHERE s.facility_id = {alias}.id "
        f"AND s.effective_on <= {day} ORDER BY s.effective_on DESC, s.seq DESC LIMIT 1)"
    )


def due_items(condition: str, day: str) -> str:
    """One row per scheduled inspection of the facilities ``f`` matching ``condition`` that
    are in service or faulty on ``day``: its due date is the one set by the latest inspection
    of that kind on or before ``day`` (spot checks set none), else the one set at
    registration. Overdue when ``due_on < day``, by ``day - due_on`` days."""
    return f"""
SELECT f.id AS facility_id, f.community_id, f.type, f.name, sch.kind,
       coalesce(li.next_due_on, sch.first_due_on) AS due_on,
       li.inspected_on AS last_inspected_on
FROM facilities f
JOIN facility_schedules sch ON sch.facility_id = f.id
LEFT JOIN LATERAL (
    SELECT i.inspected_on, i.next_due_on FROM facility_inspections i
    WHERE i.facility_id = f.id AND i.kind = sch.kind AND i.next_due_on IS NOT NULL
      AND i.inspected_on <= {day}
    ORDER BY i.inspected_on DESC, i.seq DESC LIMIT 1
) li ON TRUE
WHERE {condition} AND f.installed_on <= {day}
  AND {status_on("f", day)} IN ('IN_SERVICE', 'FAULTY')
"""


def age_months(alias: str, day: str) -> str:
    """Whole months from installation to ``day``, as ``facility_rules.completed_months``."""
    age = f"age({day}, {alias}.installed_on)"
    return f"(extract(year FROM {age}) * 12 + extract(month FROM {age}))::int"


# $1 community, $2 the date, $3 the required fire-safety groups (jsonb array of type arrays).
# Records count once each, whatever their quantity: a row of 40 extinguishers is one site.
FACILITY_FIGURES = f"""
WITH present AS (
    SELECT f.*, {status_on("f", "$2::date")} AS status_now, {age_months("f", "$2::date")} AS age
    FROM facilities f WHERE f.community_id = $1 AND f.installed_on <= $2::date
),
live AS (SELECT * FROM present WHERE status_now IN ('IN_SERVICE', 'FAULTY')),
due AS ({due_items("f.community_id = $1", "$2::date")}),
fire_groups AS (SELECT value AS types FROM jsonb_array_elements($3::jsonb)),
figures AS (
  SELECT
    (SELECT count(*) FROM fire_groups)::int AS required_fire_groups,
    (SELECT count(*) FROM fire_groups g WHERE EXISTS (
        SELECT 1 FROM present p WHERE p.status_now = 'IN_SERVICE' AND g.types ? p.type
    ))::int AS covered_fire_groups,
    (SELECT count(*) FROM due WHERE due_on < $2::date)::int AS overdue_inspections,
    (SELECT count(*) FROM facility_defects d JOIN present p ON p.id = d.facility_id
      WHERE p.status_now <> 'RETIRED' AND d.found_on <= $2::date
        AND (d.resolved_on IS NULL OR d.resolved_on > $2::date))::int AS open_defects,
    (SELECT count(*) FROM live)::int AS facilities_in_use,
    (SELECT round(avg(age), 2) FROM live) AS mean_age_months,
    (SELECT round(avg(age / (expected_life_years * 12.0)), 4) FROM live
      WHERE expected_life_years IS NOT NULL) AS mean_life_used,
    (SELECT count(*) FROM live WHERE end_of_life_on <= $2::date)::int AS past_expected_life,
    EXISTS (SELECT 1 FROM due WHERE type = 'ELEVATOR' AND kind = 'STATUTORY'
            AND due_on < $2::date) AS elevator_inspection_overdue,
    EXISTS (SELECT 1 FROM due WHERE type = 'ELEVATOR' AND kind = 'MAINTENANCE'
            AND due_on < $2::date) AS elevator_maintenance_overdue,
    (SELECT coalesce(sum(area_m2), 0) FROM live WHERE category = 'PUBLIC_SERVICE')
      AS service_space_m2,
    (SELECT count(*) FROM units u WHERE u.community_id = $1 AND NOT u.retired)::int
      AS households
)
SELECT figures.*,
  CASE WHEN required_fire_groups = 0 THEN NULL
       ELSE round(covered_fire_groups::numeric / required_fire_groups, 4) END
    AS fire_safety_coverage,
  CASE WHEN households = 0 THEN NULL
       ELSE round(service_space_m2 * 100 / households, 2) END AS service_space_per_100_households
FROM figures
"""


async def fetch_facility_figures(conn: Any, community_id: Any, day: Any) -> Any:
    """The facility figures of one community on ``day`` (a row; see ``FACILITY_FIGURES``)."""
    groups = [list(group) for group in REQUIRED_FIRE_SAFETY]  # the pool encodes jsonb
    return await conn.fetchrow(FACILITY_FIGURES, community_id, day, groups)
