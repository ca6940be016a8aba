"""物业服务企业 property company commands."""

from __future__ import annotations

from uuid import UUID

from gongzhi.application.base import Done, GongzhiBase, Meta
from gongzhi.domain.company import PropertyCompany


class CompanyService(GongzhiBase):
    def register_company(self, meta: Meta, *, name: str, credit_code: str) -> Done:
        company = PropertyCompany.register(name=name, credit_code=credit_code)
        return self.create(
            meta, company, f"a company with credit code {company.credit_code} is already registered"
        )

    def rename_company(
        self, meta: Meta, company_id: UUID, name: str, expected_version: int | None = None
    ) -> Done:
        return self.change(
            meta,
            PropertyCompany,
            company_id,
            lambda c: c.rename(name),
            field="companyId",
            expected_version=expected_version,
        )
