"""强社惠民公司 community company commands: registration, links, pilot status, business
lines, the revenue and cost ledger, and 反哺 reinvestment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from gongzhi.application.base import Done, GongzhiBase, Meta, business_today
from gongzhi.domain.community import Community
from gongzhi.domain.community_company import CommunityCompany
from gongzhi.domain.errors import InvalidValue


@dataclass(frozen=True)
class CommunityCompanyFacts:
    """What access decisions need about a community company, as plain data: the district it
    is registered in, and its linked communities with their districts."""

    id: UUID
    district: str
    community_ids: tuple[UUID, ...]
    community_districts: tuple[str, ...]


class CommunityCompanyService(GongzhiBase):
    def register_community_company(
        self,
        meta: Meta,
        *,
        name: str,
        credit_code: str,
        owner_name: str,
        owner_credit_code: str,
        community_id: UUID,
        registered_on: date | None = None,
    ) -> Done:
        """Registered in the district of its first community, which it is linked to."""
        community = self.load(Community, community_id, "communityId")
        company = CommunityCompany.register(
            name=name,
            credit_code=credit_code,
            owner_name=owner_name,
            owner_credit_code=owner_credit_code,
            community_id=community.id,
            district=community.district,
            registered_on=registered_on or business_today(),
        )
        return self.create(
            meta,
            company,
            f"a community company with credit code {company.credit_code} is already registered",
        )

    def community_company_facts(self, company_id: UUID) -> CommunityCompanyFacts:
        company = self.load(CommunityCompany, company_id, "companyId")
        communities = [self.load(Community, c, "communityId") for c in company.links]
        return CommunityCompanyFacts(
            id=company.id,
            district=company.district,
            community_ids=tuple(c.id for c in communities),
            community_districts=tuple(sorted({c.district for c in communities})),
        )

    def link_community_company(
        self, meta: Meta, company_id: UUID, community_id: UUID, linked_on: date
    ) -> Done:
        self.load(Community, community_id, "communityId")
        return self._change(meta, company_id, lambda c: c.link_community(community_id, linked_on))

    def unlink_community_company(
        self, meta: Meta, company_id: UUID, community_id: UUID, unlinked_on: date
    ) -> Done:
        return self._change(
            meta, company_id, lambda c: c.unlink_community(community_id, unlinked_on)
        )

    def designate_community_company_pilot(
        self, meta: Meta, company_id: UUID, *, designated_on: date, authority: str
    ) -> Done:
        return self._change(meta, company_id, lambda c: c.designate_pilot(designated_on, authority))

    def revoke_community_company_pilot(
        self, meta: Meta, company_id: UUID, *, revoked_on: date, grounds: str
    ) -> Done:
        return self._change(meta, company_id, lambda c: c.revoke_pilot(revoked_on, grounds))

    def open_business_line(self, meta: Meta, company_id: UUID, line: str, opened_on: date) -> Done:
        return self._change(meta, company_id, lambda c: c.open_business_line(line, opened_on))

    def close_business_line(self, meta: Meta, company_id: UUID, line: str, closed_on: date) -> Done:
        return self._change(meta, company_id, lambda c: c.close_business_line(line, closed_on))

    def record_business_entry(
        self,
        meta: Meta,
        company_id: UUID,
        *,
        line: str,
        kind: str,
        amount_fen: int,
        on: date,
        note: str = "",
    ) -> Done:
        """收入/成本; returns the entry's id as the part id."""
        _not_in_future("on", on)
        return self._change(
            meta, company_id, lambda c: c.record_entry(line, kind, amount_fen, on, note)
        )

    def reverse_business_entry(
        self, meta: Meta, company_id: UUID, entry_id: UUID, *, on: date, note: str = ""
    ) -> Done:
        _not_in_future("on", on)
        return self._change(meta, company_id, lambda c: c.reverse_entry(entry_id, on, note))

    def correct_business_entry(
        self,
        meta: Meta,
        company_id: UUID,
        entry_id: UUID,
        *,
        amount_fen: int,
        on: date,
        note: str = "",
        entry_on: date | None = None,
    ) -> Done:
        """Reversal and corrected entry in one save; returns the corrected entry's id."""
        _not_in_future("on", on)
        if entry_on is not None:
            _not_in_future("entryOn", entry_on)
        return self._change(
            meta,
            company_id,
            lambda c: c.correct_entry(entry_id, amount_fen, on, note, entry_on),
        )

    def allocate_reinvestment(
        self,
        meta: Meta,
        company_id: UUID,
        *,
        year: int,
        service: str,
        amount_fen: int,
        allocated_on: date,
        beneficiary_count: int | None = None,
        beneficiaries: str = "",
        note: str = "",
    ) -> Done:
        """反哺; returns the allocation's id as the part id."""
        _not_in_future("allocatedOn", allocated_on)
        return self._change(
            meta,
            company_id,
            lambda c: c.allocate_reinvestment(
                year=year,
                service=service,
                beneficiary_count=beneficiary_count,
                beneficiaries=beneficiaries,
                amount_fen=amount_fen,
                allocated_on=allocated_on,
                note=note,
            ),
        )

    def reverse_reinvestment(
        self, meta: Meta, company_id: UUID, allocation_id: UUID, *, on: date, note: str = ""
    ) -> Done:
        _not_in_future("on", on)
        return self._change(
            meta, company_id, lambda c: c.reverse_reinvestment(allocation_id, on, note)
        )

    def _change(
        self, meta: Meta, company_id: UUID, command: Callable[[CommunityCompany], Any]
    ) -> Done:
        return self.change(meta, CommunityCompany, company_id, command, field="companyId")


def _not_in_future(field: str, day: date) -> None:
    """The ledger records what happened: nothing dated after today (Asia/Shanghai)."""
    if day > business_today():
        raise InvalidValue(field, "must not be in the future")
