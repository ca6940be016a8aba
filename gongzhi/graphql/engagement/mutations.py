"""Changing complaints (投诉) and disputes (矛盾纠纷 with 调解): each through
``Context.execute`` (authorise, run, read your write)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done, Meta
from gongzhi.domain.dispute import DisputeParty, PartyKind
from gongzhi.graphql.context import Context, facts_target, parse_id
from gongzhi.graphql.engagement.queries import fetch_complaint, fetch_dispute
from gongzhi.graphql.engagement.types import (
    ComplaintCategoryType,
    ComplaintChannelType,
    ComplaintOutcomeType,
    ComplaintPayload,
    ComplaintResult,
    DisputeOutcomeType,
    DisputePayload,
    DisputeResult,
    PartyKindType,
    ReferralType,
    complaint_from_row,
    dispute_from_row,
)
from gongzhi.graphql.permissions import Action, Target


@strawberry.input(description="登记投诉 about a community's property service")
class FileComplaintInput:
    community_id: strawberry.ID
    category: ComplaintCategoryType  # type: ignore[valid-type]
    channel: ComplaintChannelType  # type: ignore[valid-type]
    description: str
    reason: str
    unit_id: strawberry.ID | None = strawberry.field(
        default=None, description="The complainant's unit; required for RESIDENT"
    )
    filed_at: datetime.datetime | None = strawberry.field(
        default=None, description="Now if omitted"
    )


@strawberry.input(description="受理 a complaint (the company complained about)")
class AcceptComplaintInput:
    complaint_id: strawberry.ID
    reason: str
    accepted_at: datetime.datetime | None = None


@strawberry.input(description="答复 a complaint (the company complained about)")
class ReplyToComplaintInput:
    complaint_id: strawberry.ID
    reply: str
    reason: str
    replied_at: datetime.datetime | None = None


@strawberry.input(description="办结: the finding and the complainant's satisfaction (1–5)")
class CloseComplaintInput:
    complaint_id: strawberry.ID
    outcome: ComplaintOutcomeType  # type: ignore[valid-type]
    reason: str
    satisfaction: int | None = None
    closed_at: datetime.datetime | None = None


@strawberry.input(description="撤回 a complaint")
class WithdrawComplaintInput:
    complaint_id: strawberry.ID
    reason: str
    withdrawn_at: datetime.datetime | None = None


@strawberry.input(description="当事人 by name, optionally linked to a unit or a company")
class DisputePartyInput:
    name: str
    kind: PartyKindType  # type: ignore[valid-type]
    unit_id: strawberry.ID | None = None
    company_id: strawberry.ID | None = None


@strawberry.input(description="登记矛盾纠纷 in a community")
class OpenDisputeInput:
    community_id: strawberry.ID
    subject: str
    parties: list[DisputePartyInput]
    opened_on: datetime.date
    reason: str


@strawberry.input(description="调解 one mediation session")
class RecordMediationInput:
    dispute_id: strawberry.ID
    held_on: datetime.date
    mediator: str
    attendees: list[str]
    reason: str
    notes: str = ""


@strawberry.input(description="结案: agreement with terms, no agreement referred on, or withdrawn")
class CloseDisputeInput:
    dispute_id: strawberry.ID
    outcome: DisputeOutcomeType  # type: ignore[valid-type]
    closed_on: datetime.date
    reason: str
    terms: str = ""
    referred_to: ReferralType | None = None  # type: ignore[valid-type]


def _complaint_target(context: Context, complaint_id: str) -> Callable[[], Target]:
    def target() -> Target:
        facts = context.app.complaint_facts(parse_id(complaint_id, "complaintId"))
        return Target(
            district=facts.district,
            community_id=facts.community_id,
            serving_company_id=facts.serving_company_id,
            company_id=facts.company_id,
            unit_id=facts.unit_id,
        )

    return target


def _dispute_target(context: Context, dispute_id: str) -> Callable[[], Target]:
    def target() -> Target:
        community = context.app.dispute_community(parse_id(dispute_id, "disputeId"))
        return facts_target(context.app.community_facts(community))

    return target


async def _complaint(
    info: Info[Context, None],
    action: Action,
    target: Callable[[], Target],
    command: Callable[[Meta], Done],
    reason: str,
) -> ComplaintResult:
    context = info.context

    async def reply(done: Done) -> ComplaintPayload:
        row = await fetch_complaint(context, done.id)
        return ComplaintPayload(
            complaint=complaint_from_row(row) if row else None, position=str(done.position)
        )

    return await context.execute(action, target, command, reason, reply)  # type: ignore[return-value]


async def _dispute(
    info: Info[Context, None],
    target: Callable[[], Target],
    command: Callable[[Meta], Done],
    reason: str,
) -> DisputeResult:
    context = info.context

    async def reply(done: Done) -> DisputePayload:
        row = await fetch_dispute(context, done.id)
        return DisputePayload(
            dispute=dispute_from_row(row) if row else None, position=str(done.position)
        )

    return await context.execute(  # type: ignore[return-value]
        Action.RECORD_DISPUTE, target, command, reason, reply
    )


@strawberry.type
class EngagementMutations:
    @strawberry.mutation(description="登记投诉 against the company serving the community")
    async def file_complaint(
        self, info: Info[Context, None], input: FileComplaintInput
    ) -> ComplaintResult:
        app = info.context.app

        def target() -> Target:
            facts = app.community_facts(parse_id(input.community_id, "communityId"))
            unit = parse_id(input.unit_id, "unitId") if input.unit_id else None
            return facts_target(facts, unit_id=unit)

        return await _complaint(
            info,
            Action.FILE_COMPLAINT,
            target,
            lambda meta: app.file_complaint(
                meta,
                community_id=parse_id(input.community_id, "communityId"),
                unit_id=parse_id(input.unit_id, "unitId") if input.unit_id else None,
                category=input.category,
                channel=input.channel,
                description=input.description,
                filed_at=input.filed_at,
            ),
            input.reason,
        )

    @strawberry.mutation(description="受理投诉: the company complained about accepts it")
    async def accept_complaint(
        self, info: Info[Context, None], input: AcceptComplaintInput
    ) -> ComplaintResult:
        app = info.context.app
        return await _complaint(
            info,
            Action.HANDLE_COMPLAINT,
            _complaint_target(info.context, input.complaint_id),
            lambda meta: app.accept_complaint(
                meta, parse_id(input.complaint_id, "complaintId"), input.accepted_at
            ),
            input.reason,
        )

    @strawberry.mutation(description="答复投诉: the company's reply to the complainant")
    async def reply_to_complaint(
        self, info: Info[Context, None], input: ReplyToComplaintInput
    ) -> ComplaintResult:
        app = info.context.app
        return await _complaint(
            info,
            Action.HANDLE_COMPLAINT,
            _complaint_target(info.context, input.complaint_id),
            lambda meta: app.reply_to_complaint(
                meta, parse_id(input.complaint_id, "complaintId"), input.reply, input.replied_at
            ),
            input.reason,
        )

    @strawberry.mutation(description="办结投诉 with its finding (committee or regulator)")
    async def close_complaint(
        self, info: Info[Context, None], input: CloseComplaintInput
    ) -> ComplaintResult:
        app = info.context.app
        return await _complaint(
            info,
            Action.CLOSE_COMPLAINT,
            _complaint_target(info.context, input.complaint_id),
            lambda meta: app.close_complaint(
                meta,
                parse_id(input.complaint_id, "complaintId"),
                outcome=input.outcome,
                satisfaction=input.satisfaction,
                at=input.closed_at,
            ),
            input.reason,
        )

    @strawberry.mutation(description="撤回投诉 (the complainant, the committee or a regulator)")
    async def withdraw_complaint(
        self, info: Info[Context, None], input: WithdrawComplaintInput
    ) -> ComplaintResult:
        app = info.context.app
        return await _complaint(
            info,
            Action.WITHDRAW_COMPLAINT,
            _complaint_target(info.context, input.complaint_id),
            lambda meta: app.close_complaint(
                meta,
                parse_id(input.complaint_id, "complaintId"),
                outcome="WITHDRAWN",
                at=input.withdrawn_at,
            ),
            input.reason,
        )

    @strawberry.mutation(description="登记矛盾纠纷 with its parties")
    async def open_dispute(
        self, info: Info[Context, None], input: OpenDisputeInput
    ) -> DisputeResult:
        app = info.context.app

        def parties() -> list[DisputeParty]:
            return [
                DisputeParty(
                    p.name,
                    PartyKind(p.kind).value,
                    parse_id(p.unit_id, f"parties.{i}.unitId") if p.unit_id else None,
                    parse_id(p.company_id, f"parties.{i}.companyId") if p.company_id else None,
                )
                for i, p in enumerate(input.parties)
            ]

        return await _dispute(
            info,
            lambda: facts_target(app.community_facts(parse_id(input.community_id, "communityId"))),
            lambda meta: app.open_dispute(
                meta,
                community_id=parse_id(input.community_id, "communityId"),
                subject=input.subject,
                parties=parties(),
                opened_on=input.opened_on,
            ),
            input.reason,
        )

    @strawberry.mutation(description="记录调解: one mediation session of a dispute")
    async def record_mediation(
        self, info: Info[Context, None], input: RecordMediationInput
    ) -> DisputeResult:
        app = info.context.app
        return await _dispute(
            info,
            _dispute_target(info.context, input.dispute_id),
            lambda meta: app.record_mediation(
                meta,
                parse_id(input.dispute_id, "disputeId"),
                held_on=input.held_on,
                mediator=input.mediator,
                attendees=list(input.attendees),
                notes=input.notes,
            ),
            input.reason,
        )

    @strawberry.mutation(description="结案 a dispute with its outcome")
    async def close_dispute(
        self, info: Info[Context, None], input: CloseDisputeInput
    ) -> DisputeResult:
        app = info.context.app
        return await _dispute(
            info,
            _dispute_target(info.context, input.dispute_id),
            lambda meta: app.close_dispute(
                meta,
                parse_id(input.dispute_id, "disputeId"),
                outcome=input.outcome,
                terms=input.terms,
                referred_to=input.referred_to,
                closed_on=input.closed_on,
            ),
            input.reason,
        )
