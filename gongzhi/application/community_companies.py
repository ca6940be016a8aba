"""强社惠民公司 community company commands: registration, links, pilot status, business
lines, the revenue and cost ledger, and 反哺 reinvestment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, ClassVar
from uuid import UUID

from gongzhi.application.base import Done, GongzhiBase, Meta, business_today
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import (
    Code,
    CommunityId,
    Count,
    Doc,
    Kind,
    Name,
    Range,
    Ref,
    Text,
    Year,
)
from gongzhi.application.receipts import CommandId
from gongzhi.domain.community import Community
from gongzhi.domain.community_company import CommunityCompany
from gongzhi.domain.community_ledger import BusinessLine, EntryKind
from gongzhi.domain.errors import InvalidValue

CommunityCompanyId = Annotated[UUID, Ref(Kind.COMMUNITY_COMPANY)]
# One entry or allocation in fen stays a GraphQL Int, as before (sums are wider): at most
# 1000万元, so that one fen past the bound is still an Int and is refused naming the field.
MAX_ENTRY_FEN = 10**9
EntryFen = Annotated[int, Range(1, MAX_ENTRY_FEN), Doc("分, more than zero")]
LedgerNote = Annotated[str, Text(500)]


@dataclass(frozen=True)
class RegisterCommunityCompany(Command):
    """登记 a 强社惠民公司 (community company) in the district of its first community, linked
    to it"""

    name: Name
    credit_code: Annotated[Code, Doc("统一社会信用代码 of the company")]
    owner_name: Annotated[Name, Doc("村/社区集体经济组织 that owns it")]
    owner_credit_code: Annotated[Code, Doc("The owner's 统一社会信用代码")]
    community_id: CommunityId
    registered_on: Annotated[date | None, Doc("Today if omitted")] = None


@dataclass(frozen=True)
class LinkCommunityCompany(Command):
    """Link a community the company serves"""

    # One input for linking and unlinking.
    input_name: ClassVar[str | None] = "CommunityCompanyLinkInput"
    company_id: CommunityCompanyId
    community_id: CommunityId
    on: Annotated[
        date, Doc("Linking: the first day linked; unlinking: the first day no longer linked")
    ]


@dataclass(frozen=True)
class UnlinkCommunityCompany(LinkCommunityCompany):
    """End the link to a community"""


@dataclass(frozen=True)
class DesignateCommunityCompanyPilot(Command):
    """试点: designate a community company a pilot"""

    company_id: CommunityCompanyId
    designated_on: date
    authority: Annotated[Name, Doc("The designating authority")]


@dataclass(frozen=True)
class RevokeCommunityCompanyPilot(Command):
    """Revoke a pilot designation from revokedOn"""

    company_id: CommunityCompanyId
    revoked_on: date
    grounds: Annotated[str, Text(500, min_length=1)]


@dataclass(frozen=True)
class OpenCommunityBusinessLine(Command):
    """Open a business line (社区食堂, 托育, …) from its first day"""

    # One input for opening and closing.
    input_name: ClassVar[str | None] = "BusinessLineInput"
    company_id: CommunityCompanyId
    line: BusinessLine
    on: date


@dataclass(frozen=True)
class CloseCommunityBusinessLine(OpenCommunityBusinessLine):
    """Close a business line after its last day of business"""


@dataclass(frozen=True)
class RecordCommunityBusinessEntry(Command):
    """收入/成本: record a ledger entry on a day the line was open; partId is the entry"""

    company_id: CommunityCompanyId
    line: BusinessLine
    kind: EntryKind
    amount_fen: EntryFen
    on: date
    note: LedgerNote = ""
    command_id: CommandId | None = None


@dataclass(frozen=True)
class ReverseCommunityBusinessEntry(Command):
    """冲销 an entry (a negated entry in the original's year), or 更正: reverse it and record
    amountFen instead (on entryOn, by default the original's day); partId is the reversal,
    or the corrected entry"""

    company_id: CommunityCompanyId
    entry_id: Annotated[UUID, Ref(Kind.BUSINESS_ENTRY)]
    on: Annotated[date, Doc("The day the reversal is posted")]
    note: LedgerNote = ""
    amount_fen: Annotated[
        Annotated[int, Range(1, MAX_ENTRY_FEN)] | None, Doc("更正 only: the right amount, 分")
    ] = None
    entry_on: Annotated[date | None, Doc("更正 only: the corrected entry's day")] = None


@dataclass(frozen=True)
class AllocateReinvestment(Command):
    """反哺: allocate part of a year's surplus to a named public service, no more than the
    year's revenue − costs − what was already reinvested; partId is the allocation"""

    company_id: CommunityCompanyId
    year: Annotated[Year, Doc("The year whose surplus it spends")]
    service: Annotated[Name, Doc("e.g. 老年食堂补贴, 托育补贴, 公共设施维修")]
    amount_fen: EntryFen
    allocated_on: date
    beneficiary_count: Count | None = None
    beneficiaries: Annotated[str, Text(500), Doc("Who benefits, in words")] = ""
    note: LedgerNote = ""
    command_id: CommandId | None = None


@dataclass(frozen=True)
class ReverseReinvestment(Command):
    """冲销 a 反哺 allocation; partId is the reversal"""

    company_id: CommunityCompanyId
    allocation_id: Annotated[UUID, Ref(Kind.REINVESTMENT)]
    on: date
    note: LedgerNote = ""


class CommunityCompanyService(GongzhiBase):
    @handles(RegisterCommunityCompany)
    def register_community_company(self, meta: Meta, command: RegisterCommunityCompany) -> Done:
        """Registered in the district of its first community, which it is linked to."""
        community = self.load(Community, command.community_id, "communityId")
        company = CommunityCompany.register(
            name=command.name,
            credit_code=command.credit_code,
            owner_name=command.owner_name,
            owner_credit_code=command.owner_credit_code,
            community_id=community.id,
            district=community.district,
            registered_on=command.registered_on or business_today(),
        )
        return self.create(
            meta,
            company,
            f"a community company with credit code {company.credit_code} is already registered",
        )

    @handles(LinkCommunityCompany)
    def link_community_company(self, meta: Meta, command: LinkCommunityCompany) -> Done:
        community_id, on = command.community_id, command.on
        self.load(Community, community_id, "communityId")
        return self._change(meta, command.company_id, lambda c: c.link_community(community_id, on))

    @handles(UnlinkCommunityCompany)
    def unlink_community_company(self, meta: Meta, command: UnlinkCommunityCompany) -> Done:
        community_id, on = command.community_id, command.on
        return self._change(
            meta, command.company_id, lambda c: c.unlink_community(community_id, on)
        )

    @handles(DesignateCommunityCompanyPilot)
    def designate_community_company_pilot(
        self, meta: Meta, command: DesignateCommunityCompanyPilot
    ) -> Done:
        return self._change(
            meta,
            command.company_id,
            lambda c: c.designate_pilot(command.designated_on, command.authority),
        )

    @handles(RevokeCommunityCompanyPilot)
    def revoke_community_company_pilot(
        self, meta: Meta, command: RevokeCommunityCompanyPilot
    ) -> Done:
        return self._change(
            meta, command.company_id, lambda c: c.revoke_pilot(command.revoked_on, command.grounds)
        )

    @handles(OpenCommunityBusinessLine)
    def open_business_line(self, meta: Meta, command: OpenCommunityBusinessLine) -> Done:
        line = BusinessLine(command.line).value
        return self._change(
            meta, command.company_id, lambda c: c.open_business_line(line, command.on)
        )

    @handles(CloseCommunityBusinessLine)
    def close_business_line(self, meta: Meta, command: CloseCommunityBusinessLine) -> Done:
        line = BusinessLine(command.line).value
        return self._change(
            meta, command.company_id, lambda c: c.close_business_line(line, command.on)
        )

    @handles(RecordCommunityBusinessEntry)
    def record_business_entry(self, meta: Meta, command: RecordCommunityBusinessEntry) -> Done:
        """收入/成本; returns the entry's id as the part id."""
        _not_in_future("on", command.on)
        line, kind = BusinessLine(command.line).value, EntryKind(command.kind).value
        return self._change(
            meta,
            command.company_id,
            lambda c: c.record_entry(line, kind, command.amount_fen, command.on, command.note),
        )

    @handles(ReverseCommunityBusinessEntry)
    def reverse_business_entry(self, meta: Meta, command: ReverseCommunityBusinessEntry) -> Done:
        """冲销; or, with an amount, 更正: the reversal and the corrected entry in one save.
        Returns the reversal's id, or the corrected entry's, as the part id."""
        _not_in_future("on", command.on)
        entry_id, on, note, amount = command.entry_id, command.on, command.note, command.amount_fen
        if amount is None:
            return self._change(
                meta, command.company_id, lambda c: c.reverse_entry(entry_id, on, note)
            )
        entry_on = command.entry_on
        if entry_on is not None:
            _not_in_future("entryOn", entry_on)
        return self._change(
            meta,
            command.company_id,
            lambda c: c.correct_entry(entry_id, amount, on, note, entry_on),
        )

    @handles(AllocateReinvestment)
    def allocate_reinvestment(self, meta: Meta, command: AllocateReinvestment) -> Done:
        """反哺; returns the allocation's id as the part id."""
        _not_in_future("allocatedOn", command.allocated_on)
        return self._change(
            meta,
            command.company_id,
            lambda c: c.allocate_reinvestment(
                year=command.year,
                service=command.service,
                beneficiary_count=command.beneficiary_count,
                beneficiaries=command.beneficiaries,
                amount_fen=command.amount_fen,
                allocated_on=command.allocated_on,
                note=command.note,
            ),
        )

    @handles(ReverseReinvestment)
    def reverse_reinvestment(self, meta: Meta, command: ReverseReinvestment) -> Done:
        _not_in_future("on", command.on)
        return self._change(
            meta,
            command.company_id,
            lambda c: c.reverse_reinvestment(command.allocation_id, command.on, command.note),
        )

    def _change(
        self, meta: Meta, company_id: UUID, command: Callable[[CommunityCompany], Any]
    ) -> Done:
        return self.change(meta, CommunityCompany, company_id, command, field="companyId")


def _not_in_future(field: str, day: date) -> None:
    """The ledger records what happened: nothing dated after today (Asia/Shanghai)."""
    if day > business_today():
        raise InvalidValue(field, "must not be in the future")
