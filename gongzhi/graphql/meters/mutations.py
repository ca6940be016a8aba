"""Changing 抄表: meters, reading rounds, readings, prices and the sharing method, all
written by the serving company's staff (``RECORD_METERS``)."""

from __future__ import annotations

import strawberry

from gongzhi.application.base import Done
from gongzhi.application.meters import (
    CorrectReading,
    EnterReading,
    ImportDone,
    ImportMeters,
    ImportReadings,
    InstallDone,
    InstallMeter,
    OpenReadingRound,
    ReplaceMeter,
    SetMeterPrice,
    SetSharingMethod,
)
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.fees.mutations import OnCommunity
from gongzhi.graphql.meters.queries import fetch_book
from gongzhi.graphql.meters.types import MeterBookPayload, MeterImport, ReadingImport
from gongzhi.graphql.permissions import Action


async def book_reply(
    context: Context,
    done: Done,
    command: OnCommunity,
) -> MeterBookPayload:
    """The community's meter book after the change; the meter installed; what was imported
    or installed from a file."""
    imported = (
        ReadingImport(rows=done.rows, entered=done.entered, flagged=done.flagged)
        if isinstance(done, ImportDone)
        else None
    )
    return MeterBookPayload(
        book=await fetch_book(context, command.community_id),
        meter_id=strawberry.ID(str(done.part_id)) if done.part_id else None,
        imported=imported,
        installed=(
            MeterImport(rows=done.rows, installed=done.installed)
            if isinstance(done, InstallDone)
            else None
        ),
        position=str(done.position),
    )


_WRITE = Action.RECORD_METERS

MeterMutations = mutations(
    "MeterMutations",
    mutation(InstallMeter, _WRITE, reply=book_reply),
    mutation(ImportMeters, _WRITE, reply=book_reply),
    mutation(ReplaceMeter, _WRITE, reply=book_reply),
    mutation(OpenReadingRound, _WRITE, reply=book_reply),
    mutation(EnterReading, _WRITE, reply=book_reply),
    mutation(ImportReadings, _WRITE, reply=book_reply),
    mutation(CorrectReading, _WRITE, reply=book_reply),
    mutation(SetMeterPrice, _WRITE, reply=book_reply),
    mutation(SetSharingMethod, _WRITE, reply=book_reply),
)
