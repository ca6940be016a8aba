"""Changing committees: 筹备组, candidates, election, interim appointment, filing, members,
dissolution. Every step goes through ``Context.execute`` (authorise, run, read your write)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done, Meta, business_today
from gongzhi.domain.committee_rules import Member, MemberRole
from gongzhi.graphql.committees.queries import fetch_committee
from gongzhi.graphql.committees.types import (
    CommitteeMemberRoleType,
    CommitteePayload,
    CommitteeResult,
    committee_from_row,
)
from gongzhi.graphql.context import Context, community_target, parse_id
from gongzhi.graphql.permissions import Action, Target


@strawberry.input(description="A member: person id from the owners registry, name, office")
class CommitteeMemberInput:
    person_id: strawberry.ID
    name: str
    role: CommitteeMemberRoleType = MemberRole.MEMBER  # type: ignore[valid-type]


@strawberry.input(description="成立筹备组 for the next homeowner committee term (or its 换届)")
class FormPreparatoryGroupInput:
    community_id: strawberry.ID
    group_members: list[str] = strawberry.field(description="筹备组 members' names")
    reason: str
    formed_on: datetime.date | None = strawberry.field(default=None, description="Today if omitted")


@strawberry.input(description="候选人 nominated by the preparatory group")
class NominateCommitteeCandidateInput:
    committee_id: strawberry.ID
    person_id: strawberry.ID
    name: str
    reason: str
    nominated_on: datetime.date | None = None


@strawberry.input(description="选举: the owners elected the members by a passed decision")
class ElectCommitteeInput:
    committee_id: strawberry.ID
    decision_id: strawberry.ID = strawberry.field(
        description="A closed, passed owners' decision of matter COMMITTEE of the community"
    )
    elected_on: datetime.date
    term_ends_on: datetime.date = strawberry.field(description="Last day; at most 5 years")
    members: list[CommitteeMemberInput]
    reason: str


@strawberry.input(description="组建物业管理委员会: the street office appoints an interim committee")
class AppointInterimCommitteeInput:
    community_id: strawberry.ID
    appointed_on: datetime.date
    term_ends_on: datetime.date = strawberry.field(description="Last day; at most 3 years")
    members: list[CommitteeMemberInput]
    reason: str


@strawberry.input(description="备案 with the street office")
class FileCommitteeInput:
    committee_id: strawberry.ID
    filed_on: datetime.date
    reason: str
    filing_number: str = ""


@strawberry.input(
    description="成员变更: the full member list; replacing people of a homeowner committee "
    "needs a passed owners' decision of matter COMMITTEE"
)
class ChangeCommitteeMembersInput:
    committee_id: strawberry.ID
    members: list[CommitteeMemberInput]
    changed_on: datetime.date
    reason: str
    decision_id: strawberry.ID | None = None


@strawberry.input(description="解散 a committee (or a preparatory group that failed)")
class DissolveCommitteeInput:
    committee_id: strawberry.ID
    dissolved_on: datetime.date
    cause: str = strawberry.field(description="解散原因, kept in the record")
    reason: str


def _members(members: list[CommitteeMemberInput]) -> list[Member]:
    return [
        Member(
            parse_id(m.person_id, f"members.{i}.personId"),
            m.name,
            MemberRole(m.role).value,
        )
        for i, m in enumerate(members)
    ]


def _committee_target(context: Context, committee_id: strawberry.ID) -> Callable[[], Target]:
    def target() -> Target:
        facts = context.app.committee_facts(parse_id(committee_id, "committeeId"))
        return Target(
            district=facts.district,
            community_id=facts.id,
            serving_company_id=facts.serving_company_id,
        )

    return target


async def _reply(context: Context, done: Done) -> CommitteePayload:
    row = await fetch_committee(context, done.id)
    return CommitteePayload(
        committee=committee_from_row(row, business_today()) if row else None,
        position=str(done.position),
    )


async def _run(
    info: Info[Context, None],
    action: Action,
    target: Callable[[], Target],
    command: Callable[[Meta], Done],
    reason: str,
) -> CommitteeResult:
    context = info.context
    return await context.execute(  # type: ignore[return-value]
        action, target, command, reason, lambda done: _reply(context, done)
    )


@strawberry.type
class CommitteeMutations:
    @strawberry.mutation(
        description="成立筹备组 for a homeowner committee (换届 when one is in office)"
    )
    async def form_preparatory_group(
        self, info: Info[Context, None], input: FormPreparatoryGroupInput
    ) -> CommitteeResult:
        app = info.context.app
        return await _run(
            info,
            Action.RECORD_COMMITTEE,
            community_target(info.context, input.community_id),
            lambda meta: app.form_preparatory_group(
                meta,
                parse_id(input.community_id, "communityId"),
                group_members=list(input.group_members),
                formed_on=input.formed_on,
            ),
            input.reason,
        )

    @strawberry.mutation(description="提名候选人 for a committee being prepared")
    async def nominate_committee_candidate(
        self, info: Info[Context, None], input: NominateCommitteeCandidateInput
    ) -> CommitteeResult:
        app = info.context.app
        return await _run(
            info,
            Action.RECORD_COMMITTEE,
            _committee_target(info.context, input.committee_id),
            lambda meta: app.nominate_committee_candidate(
                meta,
                parse_id(input.committee_id, "committeeId"),
                person_id=parse_id(input.person_id, "personId"),
                name=input.name,
                nominated_on=input.nominated_on,
            ),
            input.reason,
        )

    @strawberry.mutation(description="选举业主委员会 by a passed owners' decision")
    async def elect_committee(
        self, info: Info[Context, None], input: ElectCommitteeInput
    ) -> CommitteeResult:
        app = info.context.app
        return await _run(
            info,
            Action.RECORD_COMMITTEE,
            _committee_target(info.context, input.committee_id),
            lambda meta: app.elect_committee(
                meta,
                parse_id(input.committee_id, "committeeId"),
                decision_id=parse_id(input.decision_id, "decisionId"),
                elected_on=input.elected_on,
                term_ends_on=input.term_ends_on,
                members=_members(input.members),
            ),
            input.reason,
        )

    @strawberry.mutation(
        description="组建物业管理委员会 where no homeowner committee can be formed"
    )
    async def appoint_interim_committee(
        self, info: Info[Context, None], input: AppointInterimCommitteeInput
    ) -> CommitteeResult:
        app = info.context.app
        return await _run(
            info,
            Action.RECORD_COMMITTEE,
            community_target(info.context, input.community_id),
            lambda meta: app.appoint_interim_committee(
                meta,
                parse_id(input.community_id, "communityId"),
                appointed_on=input.appointed_on,
                term_ends_on=input.term_ends_on,
                members=_members(input.members),
            ),
            input.reason,
        )

    @strawberry.mutation(description="业委会备案 with the street office; late after 30 days")
    async def file_committee(
        self, info: Info[Context, None], input: FileCommitteeInput
    ) -> CommitteeResult:
        app = info.context.app
        return await _run(
            info,
            Action.EDIT_COMMITTEE,
            _committee_target(info.context, input.committee_id),
            lambda meta: app.file_committee(
                meta,
                parse_id(input.committee_id, "committeeId"),
                filed_on=input.filed_on,
                filing_number=input.filing_number,
            ),
            input.reason,
        )

    @strawberry.mutation(description="成员变更: a committee's members and offices from a date")
    async def change_committee_members(
        self, info: Info[Context, None], input: ChangeCommitteeMembersInput
    ) -> CommitteeResult:
        app = info.context.app
        return await _run(
            info,
            Action.EDIT_COMMITTEE,
            _committee_target(info.context, input.committee_id),
            lambda meta: app.change_committee_members(
                meta,
                parse_id(input.committee_id, "committeeId"),
                members=_members(input.members),
                changed_on=input.changed_on,
                decision_id=parse_id(input.decision_id, "decisionId")
                if input.decision_id
                else None,
            ),
            input.reason,
        )

    @strawberry.mutation(description="解散 a committee, with its cause")
    async def dissolve_committee(
        self, info: Info[Context, None], input: DissolveCommitteeInput
    ) -> CommitteeResult:
        app = info.context.app
        return await _run(
            info,
            Action.RECORD_COMMITTEE,
            _committee_target(info.context, input.committee_id),
            lambda meta: app.dissolve_committee(
                meta,
                parse_id(input.committee_id, "committeeId"),
                dissolved_on=input.dissolved_on,
                cause=input.cause,
            ),
            input.reason,
        )
