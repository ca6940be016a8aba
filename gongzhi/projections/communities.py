"""Read model of 小区 communities: the estate hierarchy and the management-mode timeline."""

from __future__ import annotations

from decimal import Decimal
from functools import singledispatch
from typing import Any

from sqlalchemy import (
    DDL,
    Boolean,
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
    event,
)
from sqlalchemy.dialects.postgresql import JSONB

from gongzhi.domain.community import Community
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

communities = Table(
    "communities",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("district", Text, nullable=False),
    Column("street", Text, nullable=False),
    Column("address", Text, nullable=False, server_default=""),
    Column("year_built", Integer),
    Column("renovation_completed_on", Date),
    Column("renovation_items", JSONB, nullable=False, server_default="[]"),
    Column("registered_on", Date, nullable=False),
    Column("unit_count", Integer, nullable=False, server_default="0"),
    Column("total_area", Numeric(14, 2), nullable=False, server_default="0"),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("communities_district_name", "district", "name", "id"),
    Index("communities_name", "name", "id"),
)

buildings = Table(
    "buildings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("number", String(40), nullable=False),
    Column("floors", Integer, nullable=False),
    Column("has_elevator", Boolean, nullable=False),
    Column("position", Integer, nullable=False),
)

entrances = Table(
    "entrances",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("building_id", Uuid, nullable=False, index=True),
    Column("number", String(40), nullable=False),
    Column("position", Integer, nullable=False),
)

units = Table(
    "units",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("entrance_id", Uuid, nullable=False, index=True),
    Column("number", String(40), nullable=False),
    Column("floor", Integer, nullable=False),
    Column("area", Numeric(12, 2), nullable=False),
    Column("area_source", String(20), nullable=False),
    Column("retired", Boolean, nullable=False, server_default="false"),
    # 业主: [{"person_id", "share"}], replaced on every ownership change.
    Column("owners", JSONB, nullable=False, server_default="[]"),
    Column("developer_held", Boolean, nullable=False, server_default="false"),
    Index("units_community_number", "community_id", "number", "id"),
    # Containment of one owner (``owners @> '[{"person_id": …}]'``): a person's units, for
    # the person's communities and a resident's token. jsonb_path_ops indexes the path to each
    # value, so the lookup reads the person's entries only (the default operator class also
    # indexes the key "person_id", which every owned unit has).
    Index(
        "units_owner_paths",
        "owners",
        postgresql_using="gin",
        postgresql_ops={"owners": "jsonb_path_ops"},
    ),
)

community_modes = Table(
    "community_modes",
    metadata,
    Column("community_id", Uuid, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("mode", String(30), nullable=False),
    Column("company_id", Uuid, index=True),
    Column("effective_from", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# 管理模式 periods and the company serving a community on a day, defined once for every query.
# A period runs from its effective day until the community's next change; of two changes on
# one day the later (by seq) is in force and the earlier lasts no day. The company serving
# the community on a day is the company of the period in force then: NULL before the first
# change and under any mode but professional management (whose periods carry no company).
# ``Community.serving_company`` is the same rule in Python; a test holds the two together.
# ``management_on`` is a set-returning SQL function so that PostgreSQL inlines it into a
# LATERAL join; the functions are replaced on every start (migrate runs create_all), so an
# existing database picks up a changed definition.
MANAGEMENT_PERIODS = DDL("""
CREATE OR REPLACE VIEW management_periods AS
SELECT m.community_id, m.seq, m.mode, m.company_id, m.effective_from,
       lead(m.effective_from) OVER (
           PARTITION BY m.community_id ORDER BY m.effective_from, m.seq
       ) AS until
FROM community_modes m;

CREATE OR REPLACE FUNCTION management_on(community_id uuid, on_date date)
RETURNS SETOF management_periods LANGUAGE sql STABLE AS $body$
    SELECT p.* FROM management_periods p
    WHERE p.community_id = management_on.community_id
      AND p.effective_from <= on_date AND (p.until IS NULL OR p.until > on_date)
$body$;

CREATE OR REPLACE FUNCTION serving_company(community_id uuid, on_date date)
RETURNS uuid LANGUAGE sql STABLE AS $body$
    SELECT company_id FROM management_on(serving_company.community_id, on_date)
$body$;
""")
event.listen(metadata, "after_create", MANAGEMENT_PERIODS)

# Parents before children (by stage and by `after`), inserts before updates of the same rows.
INSERT_COMMUNITY = insert_statement(
    "insert community", CREATE, communities, on_conflict_do_nothing=True
)
INSERT_BUILDING = insert_statement("insert building", ADD, buildings)
INSERT_ENTRANCE = insert_statement("insert entrance", ADD, entrances, after=(INSERT_BUILDING,))
INSERT_UNIT = insert_statement("insert unit", ADD, units, after=(INSERT_ENTRANCE,))
INSERT_MODE = insert_statement("insert mode", ADD, community_modes)
# Imported units arrive with their owners; a group's rows must share their columns.
INSERT_IMPORTED_UNIT = insert_statement(
    "insert imported unit", ADD, units, after=(INSERT_ENTRANCE,)
)
RENAME_COMMUNITY = update_statement(
    "rename community", CHANGE, communities, key=("id", "b_id"), assign={"name": "name"}
)
CORRECT_AREA = update_statement(
    "correct unit area",
    CHANGE,
    units,
    key=("id", "b_id"),
    assign={"area": "area", "area_source": "area_source"},
)
RETIRE_UNIT = update_statement(
    "retire unit", CHANGE, units, key=("id", "b_id"), constants={"retired": True}
)
TOUCH_COMMUNITY = update_statement(
    "touch community",
    TOUCH,
    communities,
    key=("id", "b_id"),
    add={"unit_count": "units", "total_area": "area"},
    assign={"version": "version", "updated_at": "at"},
)


@singledispatch
def community_ops(event: object) -> list[Op]:
    """Rows for one event; events of other aggregates give none."""
    return []


def touch_community(event: Community.Event, units: int = 0, area: Any = 0) -> Op:
    return Op(
        TOUCH_COMMUNITY,
        {
            "b_id": event.originator_id,
            "units": units,
            "area": area,
            "version": event.originator_version,
            "at": event.timestamp,
        },
    )


@community_ops.register
def _(event: Community.Registered) -> list[Op]:
    return [
        Op(
            INSERT_COMMUNITY,
            {
                "id": event.originator_id,
                "name": event.name,
                "district": event.district,
                "street": event.street,
                "address": event.address,
                "year_built": event.year_built,
                "renovation_completed_on": event.renovation_completed_on,
                "renovation_items": plain(event.renovation_items),
                "registered_on": event.registered_on,
                "unit_count": 0,
                "total_area": 0,
                "version": event.originator_version,
                "created_at": event.timestamp,
                "updated_at": event.timestamp,
            },
        )
    ]


@community_ops.register
def _(event: Community.Renamed) -> list[Op]:
    return [
        Op(RENAME_COMMUNITY, {"b_id": event.originator_id, "name": event.name}),
        touch_community(event),
    ]


@community_ops.register
def _(event: Community.BuildingAdded) -> list[Op]:
    row = {
        "id": event.building_id,
        "community_id": event.originator_id,
        "number": event.number,
        "floors": event.floors,
        "has_elevator": event.has_elevator,
        "position": event.originator_version,
    }
    return [Op(INSERT_BUILDING, row), touch_community(event)]


@community_ops.register
def _(event: Community.EntranceAdded) -> list[Op]:
    row = {
        "id": event.entrance_id,
        "community_id": event.originator_id,
        "building_id": event.building_id,
        "number": event.number,
        "position": event.originator_version,
    }
    return [Op(INSERT_ENTRANCE, row), touch_community(event)]


@community_ops.register
def _(event: Community.UnitAdded) -> list[Op]:
    row = {
        "id": event.unit_id,
        "community_id": event.originator_id,
        "entrance_id": event.entrance_id,
        "number": event.number,
        "floor": event.floor,
        "area": event.area,
        "area_source": event.area_source,
        "retired": False,
    }
    return [Op(INSERT_UNIT, row), touch_community(event, units=1, area=event.area)]


@community_ops.register
def _(event: Community.UnitAreaCorrected) -> list[Op]:
    params = {"b_id": event.unit_id, "area": event.area, "area_source": event.area_source}
    return [Op(CORRECT_AREA, params), touch_community(event, area=event.area - event.previous_area)]


@community_ops.register
def _(event: Community.UnitRetired) -> list[Op]:
    # The retired unit's area leaves the total; the unit row keeps it for the record.
    return [
        Op(RETIRE_UNIT, {"b_id": event.unit_id}),
        touch_community(event, units=-1, area=-event.area),
    ]


@community_ops.register
def _(event: Community.ManagementModeChanged) -> list[Op]:
    row = {
        "community_id": event.originator_id,
        "seq": event.originator_version,
        "mode": event.mode,
        "company_id": event.company_id,
        "effective_from": event.effective_from,
        "recorded_at": event.timestamp,
    }
    return [Op(INSERT_MODE, row), touch_community(event)]


@community_ops.register
def _(event: Community.UnitsImported) -> list[Op]:
    ops = []
    if event.new_building is not None:
        building = {
            "id": event.building_id,
            "community_id": event.originator_id,
            "number": event.new_building["number"],
            "floors": event.new_building["floors"],
            "has_elevator": event.new_building["has_elevator"],
            "position": event.originator_version,
        }
        ops.append(Op(INSERT_BUILDING, building))
    for entrance in event.entrances:
        row = {
            "id": entrance["entrance_id"],
            "community_id": event.originator_id,
            "building_id": event.building_id,
            "number": entrance["number"],
            "position": event.originator_version,
        }
        ops.append(Op(INSERT_ENTRANCE, row))
    area = Decimal(0)
    for unit in event.units:
        area += Decimal(unit["area"])
        row = {
            "id": unit["unit_id"],
            "community_id": event.originator_id,
            "entrance_id": unit["entrance_id"],
            "number": unit["number"],
            "floor": unit["floor"],
            "area": Decimal(unit["area"]),
            "area_source": unit["area_source"],
            "retired": False,
            "owners": unit["owners"],
            "developer_held": unit["developer_held"],
        }
        ops.append(Op(INSERT_IMPORTED_UNIT, row))
    ops.append(touch_community(event, units=len(event.units), area=area))
    return ops
