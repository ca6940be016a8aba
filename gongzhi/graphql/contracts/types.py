"""GraphQL types of 物业服务合同 service contracts."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from gongzhi.application.base import business_today
from gongzhi.domain.contract import ContractStatus, NoticeKind, PricingModel, contract_status
from gongzhi.domain.values import ManagementMode
from gongzhi.graphql.errors import NotFound, ValidationError


@strawberry.type(description="解聘/不续聘通知 a notice ending the contract")
class ContractNotice:
    kind: NoticeKind
    given_on: datetime.date
    effective_on: datetime.date = strawberry.field(
        description="The first day the contract no longer binds: a successor may take over "
        "from this day (the company serves on until it does)"
    )
    decision_id: strawberry.ID | None = strawberry.field(
        description="The owners' decision to dismiss (DISMISSAL only)"
    )


@strawberry.type(description="物业服务合同 property service contract of a community")
class ServiceContract:
    id: strawberry.ID
    number: int = strawberry.field(description="1, 2, … in award order within the community")
    community_id: strawberry.ID
    community_name: str
    mode: ManagementMode = strawberry.field(
        description="PROFESSIONAL (专业物业, a company) or COMMUNITY_CUSTODY (社区托管)"
    )
    company_id: strawberry.ID | None
    company_name: str | None
    decision_id: strawberry.ID | None = strawberry.field(
        description="The owners' decision to hire (选聘) the company"
    )
    predecessor_id: strawberry.ID | None = strawberry.field(
        description="The contract this one takes over from"
    )
    successor_id: strawberry.ID | None = strawberry.field(
        description="The contract awarded to take over from this one"
    )
    term_start: datetime.date
    term_end: datetime.date | None = strawberry.field(
        description="Last day of the term; none for open-ended community custody"
    )
    fee_per_m2_month: Decimal = strawberry.field(
        description="物业费标准: 元 per m² of exclusive area per month, exact to 4 places"
    )
    pricing: PricingModel
    commission_rate: Decimal | None = strawberry.field(
        description="酬金比例 for COMMISSION, as a fraction of the fees (0.1 = 10 %)"
    )
    signed_on: datetime.date
    started_on: datetime.date | None = strawberry.field(
        description="The day the community came under this contract"
    )
    notice: ContractNotice | None
    handed_over_on: datetime.date | None = strawberry.field(
        description="The day the successor took over (this contract served until the day before)"
    )
    version: int
    _row: strawberry.Private[Any]

    @strawberry.field(description="合同状态 today (Asia/Shanghai)")
    def status(self) -> ContractStatus:
        return status_of(self._row, business_today())

    @strawberry.field(description="合同状态 on a given day")
    def status_on(self, date: datetime.date) -> ContractStatus:
        return status_of(self._row, date)


# Named ContractPayload in Python so that its result union keeps the name ContractResult.
@strawberry.type(
    name="ServiceContractPayload",
    description="The contract after the change, as the views now show it",
)
class ContractPayload:
    contract: ServiceContract | None
    successor: ServiceContract | None = strawberry.field(
        description="After a hand-over: the contract that took over"
    )
    position: str = strawberry.field(description="Event-log position of the change")


@strawberry.type(description="A community's contracts in award order")
class ServiceContractList:
    contracts: list[ServiceContract]


ContractLookup = Annotated[
    ServiceContract | NotFound | ValidationError, strawberry.union("ContractLookup")
]
ContractsResult = Annotated[
    ServiceContractList | NotFound | ValidationError, strawberry.union("ContractsResult")
]


def status_of(row: Any, day: datetime.date) -> ContractStatus:
    return contract_status(
        on=day,
        started_on=row["started_on"],
        term_end=row["term_end"],
        ending=row["notice_kind"] is not None or row["successor_id"] is not None,
        handed_over_on=row["handed_over_on"],
    )


def _id(value: Any) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def contract_from_row(row: Any) -> ServiceContract:
    notice = None
    if row["notice_kind"] is not None:
        notice = ContractNotice(
            kind=NoticeKind(row["notice_kind"]),
            given_on=row["notice_given_on"],
            effective_on=row["notice_effective_on"],
            decision_id=_id(row["notice_decision_id"]),
        )
    return ServiceContract(
        id=strawberry.ID(str(row["id"])),
        number=row["number"],
        community_id=strawberry.ID(str(row["community_id"])),
        community_name=row["community_name"],
        mode=ManagementMode(row["mode"]),
        company_id=_id(row["company_id"]),
        company_name=row["company_name"],
        decision_id=_id(row["decision_id"]),
        predecessor_id=_id(row["predecessor_id"]),
        successor_id=_id(row["successor_id"]),
        term_start=row["term_start"],
        term_end=row["term_end"],
        fee_per_m2_month=row["fee_per_m2_month"],
        pricing=PricingModel(row["pricing"]),
        commission_rate=row["commission_rate"],
        signed_on=row["signed_on"],
        started_on=row["started_on"],
        notice=notice,
        handed_over_on=row["handed_over_on"],
        version=row["version"],
        _row=row,
    )
