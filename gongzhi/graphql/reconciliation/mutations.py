"""对账 mutations: importPaymentStatement, resolveReconciliationItem (the company's staff)."""

from __future__ import annotations

from gongzhi.application.base import Done
from gongzhi.application.reconciliation import ImportPaymentStatement, ResolveReconciliationItem
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.permissions import Action
from gongzhi.graphql.reconciliation.queries import fetch_reconciliation
from gongzhi.graphql.reconciliation.types import ReconciliationPayload


async def reconciliation_reply(context: Context, done: Done, _: object) -> ReconciliationPayload:
    return ReconciliationPayload(
        reconciliation=await fetch_reconciliation(context, done.id), position=str(done.position)
    )


ReconciliationMutations = mutations(
    "ReconciliationMutations",
    mutation(ImportPaymentStatement, Action.RECONCILE_PAYMENTS, reply=reconciliation_reply),
    mutation(ResolveReconciliationItem, Action.RECONCILE_PAYMENTS, reply=reconciliation_reply),
)
