"""Changing committees: 筹备组, candidates, election, interim appointment, filing, members,
dissolution."""

from __future__ import annotations

from gongzhi.application.base import Done, business_today
from gongzhi.application.commands import Command
from gongzhi.application.committees import (
    AppointInterimCommittee,
    ChangeCommitteeMembers,
    DissolveCommittee,
    ElectCommittee,
    FileCommittee,
    FormPreparatoryGroup,
    NominateCommitteeCandidate,
)
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.committees.queries import fetch_committee
from gongzhi.graphql.committees.types import CommitteePayload, committee_from_row
from gongzhi.graphql.context import Context
from gongzhi.graphql.permissions import Action
from gongzhi.graphql.personal_data import opener_for


async def committee_reply(context: Context, done: Done, _: Command) -> CommitteePayload:
    row = await fetch_committee(context, done.id)
    return CommitteePayload(
        committee=committee_from_row(row, business_today(), await opener_for(context, row))
        if row
        else None,
        position=str(done.position),
    )


ON_COMMITTEE = "committee_id"

CommitteeMutations = mutations(
    "CommitteeMutations",
    mutation(FormPreparatoryGroup, Action.RECORD_COMMITTEE, reply=committee_reply),
    mutation(
        NominateCommitteeCandidate,
        Action.RECORD_COMMITTEE,
        reply=committee_reply,
        target=ON_COMMITTEE,
    ),
    mutation(ElectCommittee, Action.RECORD_COMMITTEE, reply=committee_reply, target=ON_COMMITTEE),
    mutation(AppointInterimCommittee, Action.RECORD_COMMITTEE, reply=committee_reply),
    mutation(FileCommittee, Action.EDIT_COMMITTEE, reply=committee_reply, target=ON_COMMITTEE),
    mutation(
        ChangeCommitteeMembers, Action.EDIT_COMMITTEE, reply=committee_reply, target=ON_COMMITTEE
    ),
    mutation(
        DissolveCommittee, Action.RECORD_COMMITTEE, reply=committee_reply, target=ON_COMMITTEE
    ),
)
