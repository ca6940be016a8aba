"""Changing 设施与巡检: register a facility, change its status, retire it, record an
inspection result (a defect opens its work order), resolve a defect."""

from __future__ import annotations

import strawberry

from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.application.facilities import (
    ChangeFacilityStatus,
    RecordInspection,
    RegisterFacility,
    ResolveDefect,
    RetireFacility,
)
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.facilities.queries import fetch_facility
from gongzhi.graphql.facilities.types import FacilityPayload, facility_from_row
from gongzhi.graphql.permissions import Action
from gongzhi.graphql.personal_data import opener_for


async def facility_reply(context: Context, done: Done, _: Command) -> FacilityPayload:
    row = await fetch_facility(context, done.id)
    return FacilityPayload(
        facility=facility_from_row(row, await opener_for(context, row)) if row else None,
        part_id=strawberry.ID(str(done.part_id)) if done.part_id else None,
        position=str(done.position),
    )


# A facility's community (its district and serving company) decides who may change it.
FacilityMutations = mutations(
    "FacilityMutations",
    mutation(RegisterFacility, Action.RECORD_FACILITY, reply=facility_reply),
    mutation(
        ChangeFacilityStatus, Action.RECORD_FACILITY, reply=facility_reply, target="facility_id"
    ),
    mutation(RetireFacility, Action.RECORD_FACILITY, reply=facility_reply, target="facility_id"),
    mutation(
        RecordInspection, Action.RECORD_INSPECTION, reply=facility_reply, target="facility_id"
    ),
    mutation(ResolveDefect, Action.RECORD_INSPECTION, reply=facility_reply, target="facility_id"),
)
