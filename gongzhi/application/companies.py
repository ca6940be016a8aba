"""物业服务企业 property company commands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from gongzhi.application.base import Done, GongzhiBase, Meta
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import Code, CompanyId, Doc, Name, Version
from gongzhi.domain.company import PropertyCompany


@dataclass(frozen=True)
class RegisterCompany(Command):
    """登记物业服务企业 register a property company"""

    name: Name
    # The domain checks the code itself (length, characters, check character) and says what
    # is wrong; the bound only keeps a client from sending a page of text.
    credit_code: Annotated[Code, Doc("统一社会信用代码, 18 characters (GB 32100)")]


@dataclass(frozen=True)
class RenameCompany(Command):
    """更名 rename a property company"""

    company_id: CompanyId
    name: Name
    expected_version: Version | None = None


class CompanyService(GongzhiBase):
    @handles(RegisterCompany)
    def register_company(self, meta: Meta, command: RegisterCompany) -> Done:
        company = PropertyCompany.register(name=command.name, credit_code=command.credit_code)
        return self.create(
            meta, company, f"a company with credit code {company.credit_code} is already registered"
        )

    @handles(RenameCompany)
    def rename_company(self, meta: Meta, command: RenameCompany) -> Done:
        name = command.name
        return self.change(
            meta,
            PropertyCompany,
            command.company_id,
            lambda c: c.rename(name),
            field="companyId",
            expected_version=command.expected_version,
        )
