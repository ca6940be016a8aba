"""Changing 强社惠民公司: register, link and unlink communities, designate and revoke pilots,
open and close business lines, record, reverse and correct ledger entries, allocate and
reverse 反哺. Regulators of the company's district record on the company's behalf."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done, Meta
from gongzhi.domain.community_ledger import BusinessLine, EntryKind
from gongzhi.graphql.community_companies.queries import fetch_community_company
from gongzhi.graphql.community_companies.types import (
    BusinessLineType,
    CommunityCompanyPayload,
    CommunityCompanyResult,
    EntryKindType,
    company_from_row,
)
from gongzhi.graphql.context import Context, execute_on, facts_target, parse_id
from gongzhi.graphql.permissions import Action, Target


@strawberry.input(
    description="登记 a 强社惠民公司 in the district of its first community, linked to it"
)
class RegisterCommunityCompanyInput:
    name: str
    credit_code: str = strawberry.field(description="统一社会信用代码 of the company")
    owner_name: str = strawberry.field(description="村/社区集体经济组织 that owns it")
    owner_credit_code: str = strawberry.field(description="The owner's 统一社会信用代码")
    community_id: strawberry.ID
    reason: str
    registered_on: datetime.date | None = strawberry.field(
        default=None, description="Today if omitted"
    )


@strawberry.input(description="Link a community to the company, or end the link")
class CommunityCompanyLinkInput:
    company_id: strawberry.ID
    community_id: strawberry.ID
    on: datetime.date = strawberry.field(
        description="Linking: the first day linked; unlinking: the first day no longer linked"
    )
    reason: str


@strawberry.input(description="试点: designate the company a pilot")
class DesignateCommunityCompanyPilotInput:
    company_id: strawberry.ID
    designated_on: datetime.date
    authority: str = strawberry.field(description="The designating authority")
    reason: str


@strawberry.input(description="Revoke the pilot designation from revokedOn")
class RevokeCommunityCompanyPilotInput:
    company_id: strawberry.ID
    revoked_on: datetime.date
    grounds: str
    reason: str


@strawberry.input(
    description="Open a business line (its first day) or close it (its last day of business)"
)
class BusinessLineInput:
    company_id: strawberry.ID
    line: BusinessLineType  # type: ignore[valid-type]
    on: datetime.date
    reason: str


@strawberry.input(description="收入/成本: one ledger entry on a day the line was open")
class RecordCommunityBusinessEntryInput:
    company_id: strawberry.ID
    line: BusinessLineType  # type: ignore[valid-type]
    kind: EntryKindType  # type: ignore[valid-type]
    amount_fen: int = strawberry.field(description="分, more than zero")
    on: datetime.date
    reason: str
    note: str = ""


@strawberry.input(
    description="冲销 an entry (a negated entry in the original's year), or 更正: reverse it "
    "and record amountFen instead (on entryOn, by default the original's day)"
)
class ReverseCommunityBusinessEntryInput:
    company_id: strawberry.ID
    entry_id: strawberry.ID
    on: datetime.date = strawberry.field(description="The day the reversal is posted")
    reason: str
    note: str = ""
    amount_fen: int | None = strawberry.field(
        default=None, description="更正 only: the right amount, 分"
    )
    entry_on: datetime.date | None = strawberry.field(
        default=None, description="更正 only: the corrected entry's day"
    )


@strawberry.input(
    description="反哺: allocate part of a year's surplus to a named public service; no more "
    "than the year's revenue − costs − what was already reinvested"
)
class AllocateReinvestmentInput:
    company_id: strawberry.ID
    year: int = strawberry.field(description="The year whose surplus it spends")
    service: str = strawberry.field(description="e.g. 老年食堂补贴, 托育补贴, 公共设施维修")
    amount_fen: int = strawberry.field(description="分, more than zero")
    allocated_on: datetime.date
    reason: str
    beneficiary_count: int | None = None
    beneficiaries: str = strawberry.field(default="", description="Who benefits, in words")
    note: str = ""


@strawberry.input(description="冲销 a 反哺 allocation")
class ReverseReinvestmentInput:
    company_id: strawberry.ID
    allocation_id: strawberry.ID
    on: datetime.date
    reason: str
    note: str = ""


def _company_target(
    context: Context, company_id: strawberry.ID, community_id: strawberry.ID | None = None
) -> Callable[[], Target]:
    """The company's registration district; with a community (linking), its district too."""

    def target() -> Target:
        facts = context.app.community_company_facts(parse_id(company_id, "companyId"))
        extra: tuple[str, ...] = ()
        if community_id is not None:
            community = context.app.community_facts(parse_id(community_id, "communityId"))
            extra = (community.district,)
        return Target(district=facts.district, company_id=facts.id, districts=extra)

    return target


async def _reply(context: Context, done: Done) -> CommunityCompanyPayload:
    row = await fetch_community_company(context, done.id)
    return CommunityCompanyPayload(
        company=company_from_row(row) if row else None,
        part_id=strawberry.ID(str(done.part_id)) if done.part_id else None,
        position=str(done.position),
    )


async def _change(
    info: Info[Context, None],
    action: Action,
    company_id: strawberry.ID,
    reason: str,
    command: Callable[[Meta, UUID], Done],
    community_id: strawberry.ID | None = None,
) -> CommunityCompanyResult:
    context = info.context
    return await execute_on(  # type: ignore[return-value]
        context,
        action,
        _company_target(context, company_id, community_id),
        company_id,
        "companyId",
        command,
        reason,
        lambda done: _reply(context, done),
    )


async def _link(
    info: Info[Context, None],
    input: CommunityCompanyLinkInput,
    command: Callable[[Meta, UUID, UUID, datetime.date], Done],
) -> CommunityCompanyResult:
    """Link or unlink: the community's district is checked along with the company's."""
    return await _change(
        info,
        Action.REGISTER_COMMUNITY_COMPANY,
        input.company_id,
        input.reason,
        lambda meta, cid: command(meta, cid, parse_id(input.community_id, "communityId"), input.on),
        input.community_id,
    )


async def _line(
    info: Info[Context, None],
    input: BusinessLineInput,
    command: Callable[[Meta, UUID, str, datetime.date], Done],
) -> CommunityCompanyResult:
    line = BusinessLine(input.line).value
    return await _change(
        info,
        BUSINESS,
        input.company_id,
        input.reason,
        lambda meta, cid: command(meta, cid, line, input.on),
    )


BUSINESS = Action.RECORD_COMMUNITY_COMPANY_BUSINESS


@strawberry.type
class CommunityCompanyMutations:
    @strawberry.mutation(description="登记 a 强社惠民公司 (community company)")
    async def register_community_company(
        self, info: Info[Context, None], input: RegisterCommunityCompanyInput
    ) -> CommunityCompanyResult:
        context = info.context
        return await context.execute(  # type: ignore[return-value]
            Action.REGISTER_COMMUNITY_COMPANY,
            lambda: facts_target(
                context.app.community_facts(parse_id(input.community_id, "communityId"))
            ),
            lambda meta: context.app.register_community_company(
                meta,
                name=input.name,
                credit_code=input.credit_code,
                owner_name=input.owner_name,
                owner_credit_code=input.owner_credit_code,
                community_id=parse_id(input.community_id, "communityId"),
                registered_on=input.registered_on,
            ),
            input.reason,
            lambda done: _reply(context, done),
        )

    @strawberry.mutation(description="Link a community the company serves")
    async def link_community_company(
        self, info: Info[Context, None], input: CommunityCompanyLinkInput
    ) -> CommunityCompanyResult:
        return await _link(info, input, info.context.app.link_community_company)

    @strawberry.mutation(description="End the link to a community")
    async def unlink_community_company(
        self, info: Info[Context, None], input: CommunityCompanyLinkInput
    ) -> CommunityCompanyResult:
        return await _link(info, input, info.context.app.unlink_community_company)

    @strawberry.mutation(description="试点: designate a community company a pilot")
    async def designate_community_company_pilot(
        self, info: Info[Context, None], input: DesignateCommunityCompanyPilotInput
    ) -> CommunityCompanyResult:
        app = info.context.app
        return await _change(
            info,
            Action.DESIGNATE_COMMUNITY_COMPANY_PILOT,
            input.company_id,
            input.reason,
            lambda meta, cid: app.designate_community_company_pilot(
                meta, cid, designated_on=input.designated_on, authority=input.authority
            ),
        )

    @strawberry.mutation(description="Revoke a pilot designation")
    async def revoke_community_company_pilot(
        self, info: Info[Context, None], input: RevokeCommunityCompanyPilotInput
    ) -> CommunityCompanyResult:
        app = info.context.app
        return await _change(
            info,
            Action.DESIGNATE_COMMUNITY_COMPANY_PILOT,
            input.company_id,
            input.reason,
            lambda meta, cid: app.revoke_community_company_pilot(
                meta, cid, revoked_on=input.revoked_on, grounds=input.grounds
            ),
        )

    @strawberry.mutation(description="Open a business line (社区食堂, 托育, …)")
    async def open_community_business_line(
        self, info: Info[Context, None], input: BusinessLineInput
    ) -> CommunityCompanyResult:
        return await _line(info, input, info.context.app.open_business_line)

    @strawberry.mutation(description="Close a business line after its last day of business")
    async def close_community_business_line(
        self, info: Info[Context, None], input: BusinessLineInput
    ) -> CommunityCompanyResult:
        return await _line(info, input, info.context.app.close_business_line)

    @strawberry.mutation(description="收入/成本: record a ledger entry; partId is the entry")
    async def record_community_business_entry(
        self, info: Info[Context, None], input: RecordCommunityBusinessEntryInput
    ) -> CommunityCompanyResult:
        app = info.context.app
        return await _change(
            info,
            BUSINESS,
            input.company_id,
            input.reason,
            lambda meta, cid: app.record_business_entry(
                meta,
                cid,
                line=BusinessLine(input.line).value,
                kind=EntryKind(input.kind).value,
                amount_fen=input.amount_fen,
                on=input.on,
                note=input.note,
            ),
        )

    @strawberry.mutation(
        description="冲销 or 更正 a ledger entry; partId is the reversal, or the corrected entry"
    )
    async def reverse_community_business_entry(
        self, info: Info[Context, None], input: ReverseCommunityBusinessEntryInput
    ) -> CommunityCompanyResult:
        app = info.context.app

        def command(meta: Meta, company_id: UUID) -> Done:
            entry_id = parse_id(input.entry_id, "entryId")
            if input.amount_fen is None:
                return app.reverse_business_entry(
                    meta, company_id, entry_id, on=input.on, note=input.note
                )
            return app.correct_business_entry(
                meta,
                company_id,
                entry_id,
                amount_fen=input.amount_fen,
                on=input.on,
                note=input.note,
                entry_on=input.entry_on,
            )

        return await _change(info, BUSINESS, input.company_id, input.reason, command)

    @strawberry.mutation(description="反哺: allocate surplus to a public service; partId is it")
    async def allocate_reinvestment(
        self, info: Info[Context, None], input: AllocateReinvestmentInput
    ) -> CommunityCompanyResult:
        app = info.context.app
        return await _change(
            info,
            BUSINESS,
            input.company_id,
            input.reason,
            lambda meta, cid: app.allocate_reinvestment(
                meta,
                cid,
                year=input.year,
                service=input.service,
                amount_fen=input.amount_fen,
                allocated_on=input.allocated_on,
                beneficiary_count=input.beneficiary_count,
                beneficiaries=input.beneficiaries,
                note=input.note,
            ),
        )

    @strawberry.mutation(description="冲销 a 反哺 allocation; partId is the reversal")
    async def reverse_reinvestment(
        self, info: Info[Context, None], input: ReverseReinvestmentInput
    ) -> CommunityCompanyResult:
        app = info.context.app
        return await _change(
            info,
            BUSINESS,
            input.company_id,
            input.reason,
            lambda meta, cid: app.reverse_reinvestment(
                meta,
                cid,
                parse_id(input.allocation_id, "allocationId"),
                on=input.on,
                note=input.note,
            ),
        )
