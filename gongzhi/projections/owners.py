"""Read model of 业主/住户: persons, their roles, unit ownership and residence."""

from __future__ import annotations

from functools import singledispatch

from sqlalchemy import Boolean, Column, Date, DateTime, Integer, String, Table, Text, Uuid

from gongzhi.domain.community import Community
from gongzhi.domain.holding import UnitHolding
from gongzhi.domain.person import ERASED_NAME, Person
from gongzhi.projections.communities import (
    CORRECT_AREA,
    RETIRE_UNIT,
    touch_community,
    units,
)
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    CREATE,
    Op,
    insert_statement,
    update_statement,
    upsert_statement,
)

persons = Table(
    "persons",
    metadata,
    Column("id", Uuid, primary_key=True),
    # Name, phone and ID number sealed (infra/personal_data.py), as the events hold them.
    Column("name", Text, nullable=False, index=True),
    Column("phone", Text, nullable=False),
    Column("id_number", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    # Who registered the person (the actor of the event): until the person is linked to a
    # community, only they may refer to the person (graphql/references.py).
    Column("registered_by", Text, nullable=False, server_default=""),
    # 个人信息已删除: the sealed values are dropped from the view (the key is gone anyway).
    Column("erased", Boolean, nullable=False, server_default="false"),
)

person_roles = Table(
    "person_roles",
    metadata,
    Column("person_id", Uuid, primary_key=True),
    Column("role", String(30), primary_key=True),
    Column("community_id", Uuid, primary_key=True, index=True),
    Column("active", Boolean, nullable=False),
    Column("since", DateTime(timezone=True), nullable=False),
)

unit_residents = Table(
    "unit_residents",
    metadata,
    Column("unit_id", Uuid, primary_key=True),
    Column("person_id", Uuid, primary_key=True, index=True),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("since", Date, nullable=False),
    Column("active", Boolean, nullable=False),
)

INSERT_PERSON = insert_statement("insert person", CREATE, persons)
CHANGE_PHONE = update_statement(
    "change phone", CHANGE, persons, key=("id", "b_id"), assign={"phone": "phone", "version": "v"}
)
ERASE_PERSON = update_statement(
    "erase person",
    CHANGE,
    persons,
    key=("id", "b_id"),
    assign={"version": "v"},
    constants={"name": ERASED_NAME, "phone": "", "id_number": "", "erased": True},
    after=(CHANGE_PHONE,),
)
UPSERT_ROLE = upsert_statement(
    "upsert role", ADD, person_roles, key=("person_id", "role", "community_id")
)
# The unit's own changes first, as ever (no column in common with them).
SET_OWNERS = update_statement(
    "set unit owners",
    CHANGE,
    units,
    key=("id", "b_id"),
    assign={"owners": "owners", "developer_held": "developer_held"},
    after=(
        CORRECT_AREA,
        RETIRE_UNIT,
    ),
)
UPSERT_RESIDENT = upsert_statement(
    "upsert resident", ADD, unit_residents, key=("unit_id", "person_id"), after=(UPSERT_ROLE,)
)


@singledispatch
def owner_ops(event: object) -> list[Op]:
    return []


@owner_ops.register
def _(event: Person.Registered) -> list[Op]:
    row = {
        "id": event.originator_id,
        "name": event.name,
        "phone": event.phone,
        "id_number": event.id_number,
        "version": event.originator_version,
        "registered_at": event.timestamp,
        "registered_by": event.__dict__.get("meta", {}).get("actor", ""),
        "erased": False,
    }
    return [Op(INSERT_PERSON, row)]


@owner_ops.register
def _(event: Person.PhoneChanged) -> list[Op]:
    params = {"b_id": event.originator_id, "phone": event.phone, "v": event.originator_version}
    return [Op(CHANGE_PHONE, params)]


@owner_ops.register
def _(event: Person.Erased) -> list[Op]:
    return [Op(ERASE_PERSON, {"b_id": event.originator_id, "v": event.originator_version})]


@owner_ops.register(Person.RoleGranted)
@owner_ops.register(Person.RoleRevoked)
def _(event: Person.RoleGranted | Person.RoleRevoked) -> list[Op]:
    row = {
        "person_id": event.originator_id,
        "role": event.role,
        "community_id": event.community_id,
        "active": isinstance(event, Person.RoleGranted),
        "since": event.timestamp,
    }
    return [Op(UPSERT_ROLE, row)]


@owner_ops.register
def _(event: Community.UnitOwnershipRecorded) -> list[Op]:
    params = {"b_id": event.unit_id, "owners": event.owners, "developer_held": False}
    return [Op(SET_OWNERS, params), touch_community(event)]


@owner_ops.register
def _(event: Community.UnitHeldByDeveloper) -> list[Op]:
    params = {"b_id": event.unit_id, "owners": [], "developer_held": True}
    return [Op(SET_OWNERS, params), touch_community(event)]


@owner_ops.register(Community.ResidentMovedIn)
@owner_ops.register(Community.ResidentMovedOut)
def _(event: Community.ResidentMovedIn | Community.ResidentMovedOut) -> list[Op]:
    row = {
        "unit_id": event.unit_id,
        "person_id": event.person_id,
        "community_id": event.originator_id,
        "since": event.on,
        "active": isinstance(event, Community.ResidentMovedIn),
    }
    return [Op(UPSERT_RESIDENT, row), touch_community(event)]


# A unit's holding (issue 13) writes the same rows as the community's events before the
# split: a view rebuilt from a log holding both reads as one written by either. The
# community's row is not touched: its version and time are the community aggregate's (the
# version a client names as expectedVersion), which a holding's change leaves as it is.


@owner_ops.register
def _(event: UnitHolding.Opened) -> list[Op]:
    """Its owners: the roster's for a unit imported since the split, else those the
    community's events recorded (already in the row; its residents are in theirs)."""
    params = {
        "b_id": event.unit_id,
        "owners": event.owners,
        "developer_held": event.developer_held,
    }
    return [Op(SET_OWNERS, params)]


@owner_ops.register
def _(event: UnitHolding.UnitOwnershipRecorded) -> list[Op]:
    params = {"b_id": event.unit_id, "owners": event.owners, "developer_held": False}
    return [Op(SET_OWNERS, params)]


@owner_ops.register
def _(event: UnitHolding.UnitHeldByDeveloper) -> list[Op]:
    params = {"b_id": event.unit_id, "owners": [], "developer_held": True}
    return [Op(SET_OWNERS, params)]


@owner_ops.register(UnitHolding.ResidentMovedIn)
@owner_ops.register(UnitHolding.ResidentMovedOut)
def _(event: UnitHolding.ResidentMovedIn | UnitHolding.ResidentMovedOut) -> list[Op]:
    row = {
        "unit_id": event.unit_id,
        "person_id": event.person_id,
        "community_id": event.community_id,
        "since": event.on,
        "active": isinstance(event, UnitHolding.ResidentMovedIn),
    }
    return [Op(UPSERT_RESIDENT, row)]
