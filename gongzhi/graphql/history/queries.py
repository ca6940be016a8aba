"""history(id): the first step of a committee's audit."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.fields import Kind
from gongzhi.graphql.context import Context, query_id
from gongzhi.graphql.errors import NotFound, Refused, forbidden, invalid
from gongzhi.graphql.history.types import HistoryConnection, HistoryEntry, HistoryResult
from gongzhi.graphql.pagination import PageInfo, decode_cursor, encode_cursor, page_size
from gongzhi.graphql.permissions import SERVING_COMPANY, Action, Target, allowed
from gongzhi.graphql.references import Found, find

HistoryTarget = Callable[[Context, UUID], Awaitable[Target | list[Target]]]


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


async def company_target(_: Context, company_id: UUID) -> Target:
    return Target(company_id=company_id)


async def person_target(context: Context, person_id: UUID) -> list[Target]:
    """A person's history is read in the scope of any community the person is linked to (an
    owner in two communities has two stewards); a person linked nowhere yet, by whoever
    registered the person."""
    async with context.pool.acquire() as connection:
        person = await find(connection, (Kind.PERSON,), person_id)
    if person is None:
        return [Target()]
    if not person.places:
        registrant = person.registered_by == context.principal.subject
        return [Target()] if not registrant else [REGISTRANT]
    return [Found(person.kind, person.id, (place,)).target() for place in person.places]


# Stands for "the caller registered this person, linked nowhere yet": readable, by identity.
REGISTRANT = Target()


def via_community(community_of: str) -> HistoryTarget:
    """The target of an aggregate that belongs to a community.

    ``community_of`` selects the aggregate's community id from its view, given its id ($1).
    """

    async def target(context: Context, aggregate_id: UUID) -> Target:
        community_id = await context.pool.fetchval(community_of, aggregate_id)
        return await community_target(context, community_id) if community_id else Target()

    return target


def via_community_or_company(attached_to: str) -> HistoryTarget:
    """The target of an aggregate that belongs to a community or to a company (红色物业).

    ``attached_to`` selects ``community_id``, ``company_id`` and ``district`` (may be NULL)
    from the aggregate's view, given its id ($1).
    """

    async def target(context: Context, aggregate_id: UUID) -> Target:
        row = await context.pool.fetchrow(attached_to, aggregate_id)
        if row is None:
            return Target()
        if row["community_id"] is not None:
            return await community_target(context, row["community_id"])
        return Target(district=row["district"], company_id=row["company_id"])

    return target


async def community_company_target(context: Context, company_id: UUID) -> Target:
    """强社惠民公司: its registration district, and every community it is or was linked to
    with their districts (an audit covers the years a community was served)."""
    row = await context.pool.fetchrow(
        """SELECT cc.district,
                  array(SELECT l.community_id FROM community_company_links l
                        WHERE l.company_id = cc.id) AS community_ids,
                  array(SELECT DISTINCT c.district FROM community_company_links l
                        JOIN communities c ON c.id = l.community_id
                        WHERE l.company_id = cc.id) AS districts
           FROM community_companies cc WHERE cc.id = $1""",
        company_id,
    )
    if row is None:
        return Target()
    return Target(
        district=row["district"],
        company_id=company_id,
        community_ids=tuple(row["community_ids"]),
        districts=tuple(row["districts"]),
    )


async def complaint_target(context: Context, complaint_id: UUID) -> Target:
    """A complaint is read by its community's stewards, the company complained about and
    the complainant's household."""
    row = await context.pool.fetchrow(
        "SELECT community_id, company_id, unit_id FROM complaints WHERE id = $1", complaint_id
    )
    if row is None:
        return Target()
    target = await community_target(context, row["community_id"])
    return replace(target, company_id=row["company_id"], unit_id=row["unit_id"])


def via_unit(table: str, key: str) -> HistoryTarget:
    """The target of a household's aggregate: its community, and the unit itself."""

    async def target(context: Context, aggregate_id: UUID) -> Target:
        row = await context.pool.fetchrow(
            f"SELECT community_id, unit_id FROM {table} WHERE {key} = $1 LIMIT 1", aggregate_id
        )
        if row is None:
            return Target()
        found = await community_target(context, row["community_id"])
        return replace(found, unit_id=row["unit_id"])

    return target


async def credit_file_target(context: Context, file_id: UUID) -> Target:
    """信用档案: the file's company (read from the store: a file may have no record rows)."""
    facts = await context.in_thread(lambda: context.app.credit_file_company(file_id))
    return Target(company_id=facts)


async def credit_evaluation_target(context: Context, evaluation_id: UUID) -> Target:
    company_id = await context.pool.fetchval(
        "SELECT company_id FROM credit_evaluations WHERE id = $1", evaluation_id
    )
    return Target(company_id=company_id)


# Aggregate type → the permission to read its history and how to find its target.
# Every aggregate that records events needs an entry, or its history stays unreadable.
HISTORY_SUBJECTS: dict[str, tuple[Action, HistoryTarget]] = {
    "PartyOrganisation": (
        Action.READ_RED_PROPERTY_HISTORY,
        via_community_or_company(
            "SELECT community_id, company_id, NULL::text AS district "
            "FROM party_organisations WHERE id = $1"
        ),
    ),
    "DemonstrationTitle": (
        Action.READ_RED_PROPERTY_HISTORY,
        via_community_or_company(
            "SELECT community_id, company_id, district FROM demonstration_titles WHERE id = $1"
        ),
    ),
    "Community": (Action.READ_COMMUNITY_HISTORY, community_target),
    "PropertyCompany": (Action.READ_COMPANY_HISTORY, company_target),
    "ServiceContract": (
        Action.READ_COMMUNITY_HISTORY,
        via_community("SELECT community_id FROM service_contracts WHERE id = $1"),
    ),
    "Committee": (
        Action.READ_COMMUNITY_HISTORY,
        via_community("SELECT community_id FROM committees WHERE id = $1"),
    ),
    "Person": (Action.READ_PERSON_HISTORY, person_target),
    "Decision": (
        Action.READ_COMMUNITY_HISTORY,
        via_community("SELECT community_id FROM decisions WHERE id = $1"),
    ),
    # 物业费 (issue 4): the committee audits its community's fee ledgers entry by entry.
    "FeeSchedule": (
        Action.READ_FEES,
        via_community("SELECT community_id FROM fee_schedules WHERE id = $1"),
    ),
    "Bill": (Action.READ_FEES, via_community("SELECT community_id FROM fee_bills WHERE id = $1")),
    "BillingRun": (
        Action.READ_FEES,
        via_community("SELECT community_id FROM billing_runs WHERE id = $1"),
    ),
    "FeeAccount": (
        Action.READ_FEES,
        via_community("SELECT community_id FROM fee_accounts WHERE id = $1"),
    ),
    "Payment": (
        Action.READ_FEES,
        via_community("SELECT community_id FROM fee_payments WHERE id = $1"),
    ),
    "MaintenanceFund": (
        Action.READ_FUND,
        via_community("SELECT community_id FROM maintenance_funds WHERE id = $1"),
    ),
    "CommonIncomeLedger": (
        Action.READ_COMMON_INCOME,
        via_community("SELECT community_id FROM common_income_ledgers WHERE id = $1"),
    ),
    "CommunityCompany": (Action.READ_COMMUNITY_COMPANY, community_company_target),
    # 投诉, 矛盾纠纷, 满意度, 积分 (issue 5): see permissions._engagement.
    "Complaint": (Action.READ_ENGAGEMENT_HISTORY, complaint_target),
    "Dispute": (
        Action.READ_ENGAGEMENT_HISTORY,
        via_community("SELECT community_id FROM disputes WHERE id = $1"),
    ),
    "Survey": (
        Action.READ_ENGAGEMENT_HISTORY,
        via_community(
            "SELECT min(community_id::text)::uuid FROM survey_communities WHERE survey_id = $1"
        ),
    ),
    "SurveyResponse": (Action.READ_ENGAGEMENT_HISTORY, via_unit("survey_responses", "id")),
    "PointsAccount": (Action.READ_ENGAGEMENT_HISTORY, via_unit("points_accounts", "id")),
    "Reward": (
        Action.READ_ENGAGEMENT_HISTORY,
        via_community("SELECT community_id FROM rewards WHERE id = $1"),
    ),
    "WorkOrder": (
        Action.READ_COMMUNITY_HISTORY,
        via_community("SELECT community_id FROM work_orders WHERE id = $1"),
    ),
    "Facility": (
        Action.READ_COMMUNITY_HISTORY,
        via_community("SELECT community_id FROM facilities WHERE id = $1"),
    ),
    "CreditFile": (Action.READ_CREDIT, credit_file_target),
    "CreditEvaluation": (Action.READ_CREDIT, credit_evaluation_target),
    "HealthAssessment": (
        Action.READ_HEALTH,
        via_community("SELECT community_id FROM health_assessments WHERE id = $1"),
    ),
}


@strawberry.type
class HistoryQueries:
    @strawberry.field(description="Events of a community or company, oldest first")
    async def history(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
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
        after_version = int(key[0]) if key else 0
        kind = await context.pool.fetchval(
            "SELECT aggregate_type FROM event_history WHERE aggregate_id = $1 LIMIT 1",
            aggregate_id,
        )
        subject = HISTORY_SUBJECTS.get(kind)
        if subject is None:
            return NotFound(field="id", message=f"nothing with id {id} has a history")
        action, target = subject
        targets = await target(context, aggregate_id)
        if not any(
            target is REGISTRANT or allowed(context.principal, action, target)
            for target in (targets if isinstance(targets, list) else [targets])
        ):
            return forbidden(action.value)
        rows = await context.pool.fetch(
            """SELECT * FROM event_history WHERE aggregate_id = $1 AND version > $2
               ORDER BY version LIMIT $3""",
            aggregate_id,
            after_version,
            limit + 1,
        )
        entries = [
            HistoryEntry(
                position=str(row["position"]),
                aggregate_id=strawberry.ID(str(row["aggregate_id"])),
                aggregate_type=row["aggregate_type"],
                version=row["version"],
                event_type=row["event_type"],
                occurred_at=row["occurred_at"],
                actor=row["actor"],
                actor_role=row["actor_role"],
                reason=row["reason"],
                data=json.loads(row["data"]) if isinstance(row["data"], str) else row["data"],
            )
            for row in rows[:limit]
        ]
        return HistoryConnection(
            entries=entries,
            page_info=PageInfo(
                has_next_page=len(rows) > limit,
                end_cursor=encode_cursor(entries[-1].version) if entries else None,
            ),
        )
