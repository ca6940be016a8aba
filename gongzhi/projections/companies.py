"""Read model of 物业服务企业 property companies."""

from __future__ import annotations

from functools import singledispatch

from sqlalchemy import Column, DateTime, Integer, String, Table, Text, Uuid

from gongzhi.domain.company import PropertyCompany
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import CHANGE, CREATE, Op, insert_statement, update_statement

companies = Table(
    "companies",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False, index=True),
    Column("credit_code", String(18), nullable=False, unique=True),
    Column("version", Integer, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

INSERT_COMPANY = insert_statement("insert company", CREATE, companies, on_conflict_do_nothing=True)
RENAME_COMPANY = update_statement(
    "rename company",
    CHANGE,
    companies,
    key=("id", "b_id"),
    assign={"name": "name", "version": "version", "updated_at": "at"},
)


@singledispatch
def company_ops(event: object) -> list[Op]:
    return []


@company_ops.register
def _(event: PropertyCompany.Registered) -> list[Op]:
    row = {
        "id": event.originator_id,
        "name": event.name,
        "credit_code": event.credit_code,
        "version": event.originator_version,
        "registered_at": event.timestamp,
        "updated_at": event.timestamp,
    }
    return [Op(INSERT_COMPANY, row)]


@company_ops.register
def _(event: PropertyCompany.Renamed) -> list[Op]:
    params = {
        "b_id": event.originator_id,
        "name": event.name,
        "version": event.originator_version,
        "at": event.timestamp,
    }
    return [Op(RENAME_COMPANY, params)]
