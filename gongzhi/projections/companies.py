"""Read model of 物业服务企业 property companies."""

from __future__ import annotations

from functools import singledispatch

from sqlalchemy import Column, DateTime, Integer, String, Table, Text, Uuid

from gongzhi.domain.company import PropertyCompany
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import CHANGE, CREATE, Op, event_insert, event_update, project_events

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

# Each statement takes its event's fields by name (``event_insert``/``event_update``).
INSERT_COMPANY = event_insert(
    "insert company",
    CREATE,
    companies,
    PropertyCompany.Registered,
    renamed={"registered_at": "timestamp", "updated_at": "timestamp"},
    on_conflict_do_nothing=True,
)
RENAME_COMPANY = event_update(
    "rename company",
    CHANGE,
    companies,
    PropertyCompany.Renamed,
    renamed={"updated_at": "timestamp"},
)


@singledispatch
def company_ops(event: object) -> list[Op]:
    return []


project_events(company_ops, INSERT_COMPANY, RENAME_COMPANY)
