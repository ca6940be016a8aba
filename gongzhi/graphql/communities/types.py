"""GraphQL types of 小区 communities and their estate hierarchy."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from gongzhi.domain.values import AreaSource, ManagementMode, RenovationCategory
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import Conflict, Forbidden, NotFound, ValidationError
from gongzhi.graphql.pagination import PageInfo
from gongzhi.graphql.permissions import unit_visible
from gongzhi.graphql.personal_data import opener
from gongzhi.graphql.rows import from_row


@strawberry.type(description="改造内容 one item of the renovation")
class RenovationItem:
    category: RenovationCategory
    name: str


@strawberry.type(description="业主 an owner of a unit and the owner's share (共有份额)")
class UnitOwner:
    person_id: strawberry.ID
    name: str
    share: str = strawberry.field(description="Exact fraction, e.g. 1/2")


@strawberry.type(description="户 a unit with its registered exclusive area (专有部分面积)")
class Unit:
    id: strawberry.ID
    number: str
    floor: int
    area: Decimal = strawberry.field(description="m², exact to the hundredth")
    area_source: AreaSource
    retired: bool
    owners: list[UnitOwner]
    developer_held: bool = strawberry.field(
        description="建设单位 holds it (unsold or undelivered); it votes with the developer"
    )


@strawberry.type(description="单元 entrance")
class Entrance:
    id: strawberry.ID
    number: str
    units: list[Unit]


@strawberry.type(description="楼栋 building")
class Building:
    id: strawberry.ID
    number: str
    floors: int
    has_elevator: bool
    entrances: list[Entrance]


@strawberry.type(description="A period of one management mode (管理模式)")
class ManagementPeriod:
    mode: ManagementMode
    company_id: strawberry.ID | None
    company_name: str | None
    effective_from: datetime.date


@strawberry.type(description="小区 community")
class Community:
    id: strawberry.ID
    name: str
    district: str = strawberry.field(description="区/县")
    street: str = strawberry.field(description="街道")
    address: str
    year_built: int | None
    renovation_completed_on: datetime.date | None = strawberry.field(description="改造完成日期")
    registered_on: datetime.date
    unit_count: int = strawberry.field(description="Units not retired")
    total_area: Decimal = strawberry.field(description="Σ exclusive area of units not retired, m²")
    version: int = strawberry.field(description="Pass as expectedVersion to detect conflicts")
    management: ManagementPeriod | None = strawberry.field(
        description="The management mode in force today; null when none was ever recorded"
    )
    # The row's renovation items as stored (JSON text or a list), read only when asked for.
    stored_renovation_items: strawberry.Private[Any] = None

    @strawberry.field
    def renovation_items(self) -> list[RenovationItem]:
        items = self.stored_renovation_items or []
        if isinstance(items, str):
            items = json.loads(items)
        return [
            RenovationItem(category=RenovationCategory(i["category"]), name=i["name"])
            for i in items
        ]

    @strawberry.field(description="楼栋 with their 单元 and 户")
    async def buildings(self, info: Info[Context, None]) -> list[Building]:
        loader = info.context.loader("buildings", lambda: DataLoader(_load_buildings(info.context)))
        rows: list[dict[str, Any]] = await loader.load(UUID(str(self.id)))
        principal = info.context.principal
        return [
            Building(
                id=strawberry.ID(b["id"]),
                number=b["number"],
                floors=b["floors"],
                has_elevator=b["has_elevator"],
                entrances=[
                    Entrance(
                        id=strawberry.ID(e["id"]),
                        number=e["number"],
                        units=[
                            Unit(
                                id=strawberry.ID(u["id"]),
                                number=u["number"],
                                floor=u["floor"],
                                area=Decimal(u["area"]),
                                area_source=AreaSource(u["area_source"]),
                                retired=u["retired"],
                                owners=[
                                    UnitOwner(
                                        person_id=strawberry.ID(o["person_id"]),
                                        name=o["name"] or "",
                                        share=o["share"],
                                    )
                                    for o in u["owners"]
                                ],
                                developer_held=u["developer_held"],
                            )
                            for u in e["units"]
                            if unit_visible(principal, UUID(u["id"]))
                        ],
                    )
                    for e in b["entrances"]
                ],
            )
            for b in rows
        ]

    @strawberry.field(description="Every management-mode period, oldest first")
    async def management_history(self, info: Info[Context, None]) -> list[ManagementPeriod]:
        rows = await info.context.pool.fetch(
            """SELECT m.mode, m.company_id, co.name AS company_name, m.effective_from
               FROM community_modes m LEFT JOIN companies co ON co.id = m.company_id
               WHERE m.community_id = $1 ORDER BY m.effective_from, m.seq""",
            UUID(str(self.id)),
        )
        return [management_period(row) for row in rows]

    @strawberry.field(description="The management mode in force on a date (管理模式 on D)")
    async def management_on(
        self, info: Info[Context, None], date: datetime.date
    ) -> ManagementPeriod | None:
        row = await info.context.pool.fetchrow(
            """SELECT m.mode, m.company_id, co.name AS company_name, m.effective_from
               FROM management_on($1, $2) m LEFT JOIN companies co ON co.id = m.company_id""",
            UUID(str(self.id)),
            date,
        )
        return management_period(row) if row else None


@strawberry.type
class CommunityEdge:
    cursor: str
    node: Community


@strawberry.type
class CommunityConnection:
    edges: list[CommunityEdge]
    page_info: PageInfo


@strawberry.type(description="The community after the change, as the views now show it")
class CommunityPayload:
    community: Community | None
    part_id: strawberry.ID | None = strawberry.field(
        description="Id of the building, entrance or unit the command created"
    )
    position: str = strawberry.field(description="Event-log position of the change")
    warnings: list[str] = strawberry.field(
        default_factory=list,
        description="Recorded, but worth a look: e.g. another community of the same name on "
        "the same street (tell them apart by address)",
    )


CommunityResult = Annotated[
    CommunityPayload | ValidationError | NotFound | Conflict | Forbidden,
    strawberry.union("CommunityResult"),
]
CommunitiesResult = Annotated[
    CommunityConnection | ValidationError, strawberry.union("CommunitiesResult")
]
CommunityLookup = Annotated[
    Community | NotFound | ValidationError, strawberry.union("CommunityLookup")
]


MODES = {mode.value: mode for mode in ManagementMode}  # a dict look-up, not an Enum call


def management_period(row: Any) -> ManagementPeriod:
    return ManagementPeriod(
        mode=MODES[row["mode"]],
        company_id=strawberry.ID(str(row["company_id"])) if row["company_id"] else None,
        company_name=row["company_name"],
        effective_from=row["effective_from"],
    )


def community_from_row(row: Any) -> Community:
    return from_row(
        Community,
        row,
        stored_renovation_items=row["renovation_items"],
        management=management_period(row) if row["mode"] is not None else None,
    )


BUILDINGS_SQL = """
SELECT b.community_id, b.id::text AS id, b.number, b.floors, b.has_elevator,
  coalesce((
    SELECT json_agg(json_build_object(
      'id', e.id::text, 'number', e.number,
      'units', coalesce((
        SELECT json_agg(json_build_object(
          'id', u.id::text, 'number', u.number, 'floor', u.floor, 'area', u.area::text,
          'area_source', u.area_source, 'retired', u.retired,
          'developer_held', u.developer_held,
          'owners', coalesce((
            SELECT json_agg(json_build_object(
              'person_id', o->>'person_id', 'share', o->>'share', 'name', p.name))
            FROM jsonb_array_elements(u.owners) o
            LEFT JOIN persons p ON p.id = (o->>'person_id')::uuid), '[]'::json)
        ) ORDER BY u.floor, u.number)
        FROM units u WHERE u.entrance_id = e.id), '[]'::json)
    ) ORDER BY e.position)
    FROM entrances e WHERE e.building_id = b.id), '[]'::json) AS entrances
FROM buildings b
WHERE b.community_id = ANY($1::uuid[])
ORDER BY b.position
"""


def _load_buildings(context: Context) -> Any:
    async def load(ids: list[UUID]) -> list[list[dict[str, Any]]]:
        rows = await context.pool.fetch(BUILDINGS_SQL, ids)
        grouped: dict[UUID, list[dict[str, Any]]] = {i: [] for i in ids}
        buildings = [
            (
                row,
                json.loads(row["entrances"])
                if isinstance(row["entrances"], str)
                else row["entrances"],
            )
            for row in rows
        ]
        owners = [o for _, es in buildings for e in es for u in e["units"] for o in u["owners"]]
        opened = await opener(context, [o["name"] for o in owners])
        for owner in owners:
            owner["name"] = opened(owner["name"], "name")
        for row, entrances in buildings:
            grouped[row["community_id"]].append(
                {
                    "id": row["id"],
                    "number": row["number"],
                    "floors": row["floors"],
                    "has_elevator": row["has_elevator"],
                    "entrances": entrances,
                }
            )
        return [grouped[i] for i in ids]

    return load
