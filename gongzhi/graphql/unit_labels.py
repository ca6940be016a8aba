"""房号 in lists: every row that names a unit carries its full label 楼栋-单元-房号
("1栋-1单元-101": a community has a 101 in every entrance) and, for those who keep the
community's roster, the unit's owners.

A query selects ``unit_columns("x.unit_id")`` beside its own columns; ``UnitNames`` opens the
owners' sealed names for the reader (an erased owner reads 已删除) or withholds them (null).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from gongzhi.graphql.context import Context
from gongzhi.graphql.history.queries import community_target
from gongzhi.graphql.permissions import Action, allowed
from gongzhi.graphql.personal_data import Opener, opener_for

UNIT_LABEL_DESCRIPTION = "房号 楼栋-单元-房号, e.g. 1栋-1单元-101"
UNIT_OWNERS_DESCRIPTION = (
    "业主 the unit's owners by name, for who keeps the community's roster (its company, "
    "committee and regulator); null for everyone else"
)

_LABEL = """(SELECT bl.number || '-' || en.number || '-' || u.number
    FROM units u JOIN entrances en ON en.id = u.entrance_id
    JOIN buildings bl ON bl.id = en.building_id WHERE u.id = {unit})"""
_OWNERS = """(SELECT coalesce(json_agg(p.name ORDER BY o.seq), '[]'::json)
    FROM units u, jsonb_array_elements(u.owners) WITH ORDINALITY AS o(owner, seq)
    JOIN persons p ON p.id = (o.owner->>'person_id')::uuid WHERE u.id = {unit})"""


def unit_columns(unit: str) -> str:
    """The ``unit_label`` and ``unit_owners`` columns of the unit whose id is ``unit``."""
    return f"{_LABEL.format(unit=unit)} AS unit_label, {_OWNERS.format(unit=unit)} AS unit_owners"


def unit_label_sql(unit: str) -> str:
    """The SQL expression of the label alone (to sort by it)."""
    return _LABEL.format(unit=unit)


class UnitNames:
    """The labels and, when the reader may see them, the owners of a response's rows."""

    def __init__(self, opened: Opener | None) -> None:
        self.opened = opened

    @classmethod
    async def of(cls, context: Context, community_id: UUID, rows: Sequence[Any]) -> UnitNames:
        target = await community_target(context, community_id)
        if not allowed(context.principal, Action.EDIT_OWNERS, target):
            return cls(None)
        return cls(await opener_for(context, *(row["unit_owners"] for row in rows)))

    def owners(self, row: Any) -> list[str] | None:
        if self.opened is None:
            return None
        names = row["unit_owners"]
        names = json.loads(names) if isinstance(names, str) else names
        return [self.opened(name, "name") for name in names or ()]

    @staticmethod
    def label(row: Any) -> str:
        return str(row["unit_label"] or "")
