"""history(id): the first step of a committee's audit."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.fields import Kind
from gongzhi.domain.values import mask_personal, mask_personal_text
from gongzhi.graphql.auth import Principal
from gongzhi.graphql.context import Context, query_id
from gongzhi.graphql.decisions.queries import sees_ballots
from gongzhi.graphql.errors import NotFound, Refused, forbidden, invalid
from gongzhi.graphql.history.types import HistoryConnection, HistoryEntry, HistoryResult
from gongzhi.graphql.pagination import PageInfo, decode_cursor, encode_cursor, page_size
from gongzhi.graphql.permissions import SERVING_COMPANY, Action, Target, allowed
from gongzhi.graphql.personal_data import open_history
from gongzhi.graphql.reading import Unchecked
from gongzhi.graphql.references import find


async def community_target(context: Context, community_id: UUID) -> Target:
    """What access rules need to know about a community: district and serving company."""
    row = await context.pool.fetchrow(
        f"SELECT c.district, {SERVING_COMPANY.format(alias='c')} AS serving "
        "FROM communities c WHERE c.id = $1",
        community_id,
    )
    return Target(
        district=row["district"] if row else None,
        community_id=community_id,
        serving_company_id=row["serving"] if row else None,
    )


async def person_target(context: Context, person_id: UUID) -> list[Target]:
    """A person's history is read in the scope of any community the person is linked to (an
    owner in two communities has two stewards); a person linked nowhere yet, by whoever
    registered the person."""
    async with context.pool.acquire() as connection:
        person = await find(connection, (Kind.PERSON,), person_id)
    if person is None:
        return [Target()]
    if not person.places:
        return [REGISTRANT] if person.registered_by == context.principal.subject else [Target()]
    return person.targets()


async def ballot_target(context: Context, ballot_id: UUID) -> list[Target]:
    """A ballot (its own aggregate since issue 13) is read where its decision is."""
    decision_id = await context.pool.fetchval(
        "SELECT about_id FROM event_history WHERE aggregate_id = $1 LIMIT 1", ballot_id
    )
    if decision_id is None:
        return [Target()]
    return await _targets(context, Kind.DECISION, decision_id)


async def holding_target(context: Context, holding_id: UUID) -> list[Target]:
    """A unit's holding (its owners and residents, an aggregate since issue 13) is read
    where its community is."""
    community_id = await context.pool.fetchval(
        "SELECT community_id FROM event_history WHERE aggregate_id = $1 LIMIT 1", holding_id
    )
    if community_id is None:
        return [Target()]
    return await _targets(context, Kind.COMMUNITY, community_id)


async def notice_receipt_target(context: Context, receipt_id: UUID) -> list[Target]:
    """已读回执: read where its notice is read, for its household (the ids its event names)."""
    notice_id = await context.pool.fetchval(
        "SELECT (data->>'notice_id')::uuid FROM event_history WHERE aggregate_id = $1 LIMIT 1",
        receipt_id,
    )
    return await _targets(context, Kind.NOTICE, notice_id) if notice_id else [Target()]


async def arrears_round_target(context: Context, round_id: UUID) -> list[Target]:
    """催缴轮次: read in its community."""
    community_id = await context.pool.fetchval(
        "SELECT community_id FROM arrears_rounds WHERE id = $1", round_id
    )
    return [await community_target(context, community_id)] if community_id else [Target()]


# Stands for "the caller registered this person, linked nowhere yet", or "the caller reported
# this work order": readable, by identity.
REGISTRANT = Target()


async def work_order_target(context: Context, order_id: UUID) -> list[Target]:
    """A work order's trail is read where its community's is, and by its reporter (a
    resident following up the own repair)."""
    reporter = await context.pool.fetchval(
        "SELECT reporter FROM work_orders WHERE id = $1", order_id
    )
    if reporter is not None and reporter == context.principal.subject:
        return [REGISTRANT]
    return await _targets(context, Kind.WORK_ORDER, order_id)


async def credit_file_target(context: Context, file_id: UUID) -> list[Target]:
    """信用档案: the file's company (read from the store: a file may have no record rows)."""
    facts = await context.in_thread(lambda: context.app.credit_file_company(file_id))
    return [Target(company_id=facts)]


HistoryTarget = Callable[[Context, UUID], Awaitable[list[Target]]]

# Aggregate type → the permission to read its history, and the kind of thing it is (where it
# belongs is the kind's rule in graphql/references.py; reading is allowed through any place).
# Every aggregate that records events needs an entry, or its history stays unreadable.
HISTORY_SUBJECTS: dict[str, tuple[Action, Kind | HistoryTarget]] = {
    "Community": (Action.READ_COMMUNITY_HISTORY, Kind.COMMUNITY),
    "PropertyCompany": (Action.READ_COMPANY_HISTORY, Kind.COMPANY),
    "Person": (Action.READ_PERSON_HISTORY, person_target),
    "PartyOrganisation": (Action.READ_RED_PROPERTY_HISTORY, Kind.PARTY_ORGANISATION),
    "DemonstrationTitle": (Action.READ_RED_PROPERTY_HISTORY, Kind.DEMONSTRATION),
    "ServiceContract": (Action.READ_COMMUNITY_HISTORY, Kind.CONTRACT),
    "Committee": (Action.READ_COMMUNITY_HISTORY, Kind.COMMITTEE),
    "Decision": (Action.READ_COMMUNITY_HISTORY, Kind.DECISION),
    "Ballot": (Action.READ_COMMUNITY_HISTORY, ballot_target),
    # A unit's own entries of its community's trail: added, owned, lived in (issue 13).
    "Unit": (Action.READ_COMMUNITY_HISTORY, Kind.UNIT),
    "UnitHolding": (Action.READ_COMMUNITY_HISTORY, holding_target),
    # 物业费 (issue 4): the committee audits its community's fee ledgers entry by entry.
    "FeeSchedule": (Action.READ_FEES, Kind.FEE_SCHEDULE),
    "Bill": (Action.READ_FEES, Kind.BILL),
    "BillingRun": (Action.READ_FEES, Kind.BILLING_RUN),
    "FeeAccount": (Action.READ_FEES, Kind.FEE_ACCOUNT),
    "Payment": (Action.READ_FEES, Kind.PAYMENT),
    "OnlinePaymentOrder": (Action.READ_FEES, Kind.PAYMENT_ORDER),
    # 抄表 (issue 16): every reading and correction with its reason, for the fee readers.
    "MeterBook": (Action.READ_FEES, Kind.METER_BOOK),
    "Reconciliation": (Action.READ_RECONCILIATIONS, Kind.RECONCILIATION),
    "MaintenanceFund": (Action.READ_FUND, Kind.MAINTENANCE_FUND),
    "CommonIncomeLedger": (Action.READ_COMMON_INCOME, Kind.COMMON_INCOME_LEDGER),
    "CommunityCompany": (Action.READ_COMMUNITY_COMPANY, Kind.COMMUNITY_COMPANY),
    # 投诉, 矛盾纠纷, 满意度, 积分 (issue 5): see permissions._engagement.
    "Complaint": (Action.READ_ENGAGEMENT_HISTORY, Kind.COMPLAINT),
    "Dispute": (Action.READ_ENGAGEMENT_HISTORY, Kind.DISPUTE),
    "Survey": (Action.READ_ENGAGEMENT_HISTORY, Kind.SURVEY),
    "SurveyResponse": (Action.READ_ENGAGEMENT_HISTORY, Kind.SURVEY_RESPONSE),
    "PointsAccount": (Action.READ_ENGAGEMENT_HISTORY, Kind.POINTS_ACCOUNT),
    "Reward": (Action.READ_ENGAGEMENT_HISTORY, Kind.REWARD),
    "WorkOrder": (Action.READ_COMMUNITY_HISTORY, work_order_target),
    "Facility": (Action.READ_COMMUNITY_HISTORY, Kind.FACILITY),
    "CreditFile": (Action.READ_CREDIT, credit_file_target),
    "CreditEvaluation": (Action.READ_CREDIT, Kind.CREDIT_EVALUATION),
    "HealthAssessment": (Action.READ_HEALTH, Kind.HEALTH_ASSESSMENT),
    # 通知, 已读回执, 催缴轮次 (issue 15): the community's stewards.
    "Notice": (Action.READ_NOTICE_RECEIPTS, Kind.NOTICE),
    "NoticeReceipt": (Action.READ_NOTICE_RECEIPTS, notice_receipt_target),
    "ArrearsRound": (Action.READ_NOTICE_RECEIPTS, arrears_round_target),
}


async def _targets(context: Context, subject: Kind | HistoryTarget, thing: UUID) -> list[Target]:
    if not isinstance(subject, Kind):
        return await subject(context, thing)
    async with context.pool.acquire() as connection:
        found = await find(connection, (subject,), thing)
    return found.targets() if found is not None and found.places else [Target()]


# 投票保密 (decisions.queries.sees_ballots): the entry of a ballot stays, so the trail shows
# that a ballot was cast and when, but who cast it, for whom and what is withheld.
# Ballots are aggregates of their own since issue 13; the decision's own BallotCast events
# are those recorded before. A close names each voter key's choice since then: withheld too.
SECRET_BALLOTS = {("Decision", "BallotCast"), ("Ballot", "BallotCast"), ("Ballot", "BallotChanged")}
SECRET_FIELDS = {("Decision", "Closed"): ("ballots",)}
WITHHELD = {"withheld": "投票保密 ballot secrecy: who voted what is not shown to the company"}


def stored_data(row: Any) -> Any:
    return json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]


def history_entry(row: Any, data: Any, principal: Principal) -> HistoryEntry:
    """One stored entry (its ``data`` as read, opened where sealed) as the principal may see
    it: personal data masked by the current rule (rows stored under an older one included),
    a ballot's voter withheld from the serving company's staff."""
    kind = (row["aggregate_type"], row["event_type"])
    shown = sees_ballots(principal)
    secret = kind in SECRET_BALLOTS and not shown
    if not shown and isinstance(data, dict) and any(f in data for f in SECRET_FIELDS.get(kind, ())):
        data = {**data, **{f: WITHHELD for f in SECRET_FIELDS[kind] if f in data}}
    return HistoryEntry(
        position=str(row["position"]),
        aggregate_id=strawberry.ID(str(row["aggregate_id"])),
        aggregate_type=row["aggregate_type"],
        version=row["version"],
        event_type=row["event_type"],
        occurred_at=row["occurred_at"],
        actor="" if secret else mask_personal_text(row["actor"]),
        actor_role="" if secret else row["actor_role"],
        reason="" if secret else mask_personal_text(row["reason"]),
        data=mask_personal(WITHHELD if secret else data),
    )


@strawberry.type
class HistoryQueries:
    @strawberry.field(description="Events of a community or company, oldest first")
    async def history(
        self,
        info: Info[Context, None],
        id: Annotated[
            strawberry.ID,
            Unchecked("any aggregate: its kind is found in the log and that kind's rule checked"),
        ],
        first: int = 50,
        after: str | None = None,
    ) -> HistoryResult:
        context = info.context
        try:
            aggregate_id = query_id(id, "id")
            limit = page_size(first)
            key = decode_cursor(after, 1)
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        if key is not None and not key[0].isdigit():
            return invalid("after", "is not a cursor this API issued")
        # The cursor is a log position: a decision's trail interleaves its ballots' events.
        after_position = int(key[0]) if key else 0
        kind = await context.pool.fetchval(
            "SELECT aggregate_type FROM event_history WHERE aggregate_id = $1 LIMIT 1",
            aggregate_id,
        )
        if kind is None and await context.pool.fetchval(
            """SELECT true FROM event_history WHERE about_id = $1
               AND aggregate_type = 'Community' LIMIT 1""",
            aggregate_id,
        ):
            kind = "Unit"  # a unit is a part of its community, with a trail of its own
        subject = HISTORY_SUBJECTS.get(kind)
        if subject is None:
            return NotFound(field="id", message=f"nothing with id {id} has a history")
        action, rule = subject
        targets = await _targets(context, rule, aggregate_id)
        if not any(
            target is REGISTRANT or allowed(context.principal, action, target) for target in targets
        ):
            return forbidden(action.value)
        rows = await context.pool.fetch(
            """SELECT * FROM (
                 (SELECT * FROM event_history WHERE aggregate_id = $1 AND position > $2
                  ORDER BY position LIMIT $3)
                 UNION ALL
                 (SELECT * FROM event_history WHERE about_id = $1 AND position > $2
                  ORDER BY position LIMIT $3)
                 UNION ALL
                 -- A bill's trail includes the events of its unit's fee account that moved
                 -- money on it (payments, reversals, write-offs, late fees): the fee ledger
                 -- names the bill of each, where one payment may touch several bills.
                 (SELECT h.* FROM event_history h
                  WHERE (h.aggregate_id, h.version) IN
                        (SELECT l.account_id, l.version FROM fee_ledger l WHERE l.bill_id = $1)
                    AND h.position > $2
                  ORDER BY h.position LIMIT $3)
               ) entries ORDER BY position LIMIT $3""",
            aggregate_id,
            after_position,
            limit + 1,
        )
        datas = [stored_data(row) for row in rows[:limit]]
        await open_history(context, datas)
        entries = [
            history_entry(row, data, context.principal)
            for row, data in zip(rows[:limit], datas, strict=True)
        ]
        return HistoryConnection(
            entries=entries,
            page_info=PageInfo(
                has_next_page=len(rows) > limit,
                end_cursor=encode_cursor(entries[-1].position) if entries else None,
                counter=functools.partial(_count_history, context.pool, aggregate_id),
            ),
        )


async def _count_history(pool: Any, aggregate_id: UUID) -> int:
    """The entries of the whole trail, counted as the pages read them (its own events and
    those about it)."""
    return int(
        await pool.fetchval(
            """SELECT (SELECT count(*) FROM event_history WHERE aggregate_id = $1)
                    + (SELECT count(*) FROM event_history WHERE about_id = $1)""",
            aggregate_id,
        )
    )
