"""Reading 红色物业: party organisations of a community or company, demonstration titles,
the scoring rule sets, and a district's figures."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.domain.demonstration import SCORING_RULE_SETS, TitleStatus
from gongzhi.graphql.auth import Principal
from gongzhi.graphql.context import Context, query_id
from gongzhi.graphql.errors import NotFound, Refused, forbidden, invalid
from gongzhi.graphql.pagination import (
    PageInfo,
    cursor_id,
    decode_cursor,
    encode_cursor,
    page_size,
)
from gongzhi.graphql.permissions import Action, Target, allowed, community_scope, company_scope
from gongzhi.graphql.red_property.types import (
    DemonstrationTitleConnection,
    DemonstrationTitleEdge,
    DemonstrationTitleLookup,
    DemonstrationTitlesResult,
    PartyOrganisationList,
    PartyOrganisationLookup,
    PartyOrganisationsResult,
    RedPropertyStatistics,
    RedPropertyStatisticsResult,
    ScoringRuleSetType,
    SubjectType,
    TitleStatusType,
    organisation_from_row,
    rule_set_type,
    title_from_row,
)
from gongzhi.projections.red_property import RED_PROPERTY_FIGURES

# Members, links, meetings and deliberations shaped in SQL beside each organisation.
ORGANISATION_SELECT = """
SELECT po.*,
  coalesce((SELECT json_agg(json_build_object('person_id', m.person_id::text, 'name', m.name,
      'party_member', m.party_member, 'joined_on', m.joined_on) ORDER BY m.joined_on, m.name)
    FROM party_members m WHERE m.organisation_id = po.id AND m.active), '[]'::json) AS members,
  coalesce((SELECT json_agg(json_build_object('id', a.id::text, 'person_id', a.person_id::text,
      'name', a.name, 'posts', a.posts, 'recorded_on', a.recorded_on) ORDER BY a.recorded_on, a.id)
    FROM party_cross_appointments a WHERE a.organisation_id = po.id), '[]'::json)
    AS cross_appointments,
  coalesce((SELECT json_agg(json_build_object('id', s.id::text, 'person_id', s.person_id::text,
      'name', s.name, 'community_id', s.community_id::text, 'assigned_on', s.assigned_on)
      ORDER BY s.assigned_on, s.id)
    FROM red_stewards s WHERE s.organisation_id = po.id AND s.active), '[]'::json)
    AS red_stewards,
  coalesce((SELECT json_agg(json_build_object('id', j.id::text, 'held_on', j.held_on,
      'attendees', j.attendees, 'topics', j.topics, 'decisions', j.decisions)
      ORDER BY j.held_on, j.id)
    FROM party_joint_meetings j WHERE j.organisation_id = po.id), '[]'::json) AS joint_meetings,
  coalesce((SELECT json_agg(json_build_object('id', d.id::text, 'matter', d.matter,
      'deliberated_on', d.deliberated_on, 'conclusion', d.conclusion)
      ORDER BY d.deliberated_on, d.id)
    FROM party_deliberations d WHERE d.organisation_id = po.id), '[]'::json) AS deliberations
FROM party_organisations po
"""


def organisation_scope(principal: Principal, params: list[object]) -> str:
    """Organisations of communities the principal sees, and of companies it sees."""
    communities = community_scope(principal, "c", params)
    companies = company_scope(principal, "co", params)
    return (
        f"(po.community_id IN (SELECT c.id FROM communities c WHERE {communities}) "
        f"OR po.company_id IN (SELECT co.id FROM companies co WHERE {companies}))"
    )


def title_scope(principal: Principal, params: list[object]) -> str:
    communities = community_scope(principal, "c", params)
    companies = company_scope(principal, "co", params)
    return (
        f"(t.community_id IN (SELECT c.id FROM communities c WHERE {communities}) "
        f"OR t.company_id IN (SELECT co.id FROM companies co WHERE {companies}))"
    )


async def fetch_organisation(context: Context, organisation_id: UUID) -> Any:
    params: list[object] = [organisation_id]
    scope = organisation_scope(context.principal, params)
    return await context.pool.fetchrow(
        f"{ORGANISATION_SELECT} WHERE po.id = $1 AND {scope}", *params
    )


async def fetch_title(context: Context, title_id: UUID) -> Any:
    params: list[object] = [title_id]
    scope = title_scope(context.principal, params)
    return await context.pool.fetchrow(
        f"SELECT t.* FROM demonstration_titles t WHERE t.id = $1 AND {scope}", *params
    )


@strawberry.type
class RedPropertyQueries:
    @strawberry.field(description="党组织: one party organisation you may see, by id")
    async def party_organisation(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> PartyOrganisationLookup:
        try:
            organisation_id = query_id(id, "id")
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        row = await fetch_organisation(info.context, organisation_id)
        if row is None:
            return NotFound(field="id", message=f"no party organisation with id {id} you may see")
        return organisation_from_row(row)

    @strawberry.field(
        description="党组织 of one community or one company (give exactly one of the two)"
    )
    async def party_organisations(
        self,
        info: Info[Context, None],
        community_id: strawberry.ID | None = None,
        company_id: strawberry.ID | None = None,
    ) -> PartyOrganisationsResult:
        if (community_id is None) == (company_id is None):
            return invalid("communityId", "give either a communityId or a companyId")
        try:
            column, value = (
                ("community_id", query_id(community_id, "communityId"))
                if community_id is not None
                else ("company_id", query_id(str(company_id), "companyId"))
            )
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        params: list[object] = [value]
        scope = organisation_scope(info.context.principal, params)
        rows = await info.context.pool.fetch(
            f"{ORGANISATION_SELECT} WHERE po.{column} = $1 AND {scope} ORDER BY po.kind, po.id",
            *params,
        )
        return PartyOrganisationList(organisations=[organisation_from_row(r) for r in rows])

    @strawberry.field(description="示范小区 / 示范企业: one title you may see, by id")
    async def demonstration_title(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> DemonstrationTitleLookup:
        try:
            title_id = query_id(id, "id")
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        row = await fetch_title(info.context, title_id)
        if row is None:
            return NotFound(field="id", message=f"no demonstration title with id {id} you may see")
        return title_from_row(row)

    @strawberry.field(
        description="示范小区 / 示范企业 you may see, newest year first (max 100 a page)"
    )
    async def demonstration_titles(
        self,
        info: Info[Context, None],
        district: str | None = None,
        subject: SubjectType | None = None,  # type: ignore[valid-type]
        status: TitleStatusType | None = None,  # type: ignore[valid-type]
        community_id: strawberry.ID | None = None,
        company_id: strawberry.ID | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> DemonstrationTitlesResult:
        try:
            limit = page_size(first)
            key = decode_cursor(after, 2)
            community = query_id(community_id, "communityId") if community_id else None
            company = query_id(company_id, "companyId") if company_id else None
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        params: list[object] = []
        conditions = [title_scope(info.context.principal, params)]

        def param(value: object) -> str:
            params.append(value)
            return f"${len(params)}"

        if district:
            conditions.append(f"t.district = {param(district)}")
        if subject is not None:
            conditions.append(f"t.subject = {param(subject.value)}")
        if status is not None:
            conditions.append(f"t.status = {param(TitleStatus(status).value)}")
        if community is not None:
            conditions.append(f"t.community_id = {param(community)}::uuid")
        if company is not None:
            conditions.append(f"t.company_id = {param(company)}::uuid")
        if key is not None:
            after_id = cursor_id(key[1])
            if after_id is None or not key[0].isdigit():
                return invalid("after", "is not a cursor this API issued")
            conditions.append(f"(t.year, t.id) < ({param(int(key[0]))}, {param(after_id)}::uuid)")
        rows = await info.context.pool.fetch(
            f"SELECT t.* FROM demonstration_titles t WHERE {' AND '.join(conditions)} "
            f"ORDER BY t.year DESC, t.id DESC LIMIT {param(limit + 1)}",
            *params,
        )
        edges = [
            DemonstrationTitleEdge(
                cursor=encode_cursor(row["year"], row["id"]), node=title_from_row(row)
            )
            for row in rows[:limit]
        ]
        return DemonstrationTitleConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > limit, end_cursor=edges[-1].cursor if edges else None
            ),
        )

    @strawberry.field(description="评分细则: the scoring rule sets shipped, by name and version")
    def demonstration_rule_sets(self) -> list[ScoringRuleSetType]:
        return [rule_set_type(r) for _, r in sorted(SCORING_RULE_SETS.items())]

    @strawberry.field(
        description="红色物业 figures of a district: party organisations in companies, committee "
        "party working groups and branches, demonstration communities and companies in force"
    )
    async def red_property_statistics(
        self, info: Info[Context, None], district: str
    ) -> RedPropertyStatisticsResult:
        context = info.context
        if not allowed(
            context.principal, Action.READ_DISTRICT_STATISTICS, Target(district=district)
        ):
            return forbidden(Action.READ_DISTRICT_STATISTICS.value)
        row = await context.pool.fetchrow(RED_PROPERTY_FIGURES, district)
        return RedPropertyStatistics(
            district=district,
            company_party_organisations=row["company_organisations"],
            committee_party_working_groups=row["committee_working_groups"],
            committee_party_branches=row["committee_branches"],
            community_party_committees=row["community_party_committees"],
            demonstration_communities=row["demonstration_communities"],
            demonstration_companies=row["demonstration_companies"],
        )
