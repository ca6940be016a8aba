"""Reading service contracts: one by id, and a community's contracts in award order."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.graphql.auth import Role
from gongzhi.graphql.context import Context
from gongzhi.graphql.contracts.types import (
    ContractLookup,
    ContractsResult,
    ServiceContractList,
    contract_from_row,
)
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import community_scope
from gongzhi.graphql.reading import CommunityArg, ContractArg, found, lookup

CONTRACT_SELECT = """
SELECT sc.*, c.name AS community_name, co.name AS company_name
FROM service_contracts sc
JOIN communities c ON c.id = sc.community_id
LEFT JOIN companies co ON co.id = sc.company_id
"""


def contract_scope(context: Context, params: Params) -> str:
    """Contracts of the communities one may see; company staff also keep seeing their own
    company's contracts after the hand-over."""
    scope = community_scope(context.principal, "c", params)
    if context.principal.role is Role.COMPANY_STAFF:
        scope = f"({scope} OR sc.company_id = {params(context.principal.company_id, 'uuid')})"
    return scope


async def fetch_contract(context: Context, contract_id: UUID) -> Any:
    """The contract row if it exists and the principal may see it, else None."""
    params = Params([contract_id])
    scope = contract_scope(context, params)
    return await context.pool.fetchrow(f"{CONTRACT_SELECT} WHERE sc.id = $1 AND {scope}", *params)


@strawberry.type
class ContractQueries:
    @strawberry.field(description="物业服务合同: one contract you may see, by id")
    @lookup
    async def contract(self, info: Info[Context, None], id: ContractArg) -> ContractLookup:
        row = found(await fetch_contract(info.context, UUID(id)), "contract")
        return contract_from_row(row)

    @strawberry.field(description="物业服务合同 of a community you may see, in award order")
    @lookup
    async def contracts(
        self, info: Info[Context, None], community_id: CommunityArg
    ) -> ContractsResult:
        params = Params([UUID(community_id)])
        scope = contract_scope(info.context, params)
        rows = await info.context.pool.fetch(
            f"{CONTRACT_SELECT} WHERE sc.community_id = $1 AND {scope} ORDER BY sc.number",
            *params,
        )
        return ServiceContractList(contracts=[contract_from_row(row) for row in rows])
