"""Reading 红色物业: party organisations of a community or company, demonstration titles,
the scoring rule sets, and a district's figures."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.fields import Kind, Ref
from gongzhi.domain.demonstration import SCORING_RULE_SETS, Subject, TitleStatus
from gongzhi.graphql.auth import Principal
from gongzhi.graphql.context import Context, query_id
from gongzhi.graphql.errors import invalid
from gongzhi.graphql.pagination import Key, encode_cursor, keyset_page
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import Action, Target, community_scope, company_scope
from gongzhi.graphql.personal_data import opener_for
from gongzhi.graphql.reading import FilterId, found, lookup, require
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
    organisation_from_row,
    rule_set_type,
    title_from_row,
)
from gongzhi.projections.red_property import RED_PROPERTY_FIGURES

# Members, links, meetings and deliberations shaped in SQL beside each organisation.
ORGANISATION_SELECT = """
SELECT po.*,
  coalesce((SELECT json_agg(json_build_object('person_id', m.person_id::text, 'name', m.name,
      'party_member', m.party_member, 'joined_on', m.joined_on) ORDER BY m.joined_on, m.id)
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


def belongs_in_scope(principal: Principal, alias: str, params: list[object]) -> str:
    """An organisation or title ``alias`` of a community the principal sees, or of a company
    it sees (a committee or resident sees the one serving its community)."""
    communities = community_scope(principal, "c", params)
    companies = company_scope(principal, "co", params)
    return (
        f"({alias}.community_id IN (SELECT c.id FROM communities c WHERE {communities}) "
        f"OR {alias}.company_id IN (SELECT co.id FROM companies co WHERE {companies}))"
    )


async def fetch_organisation(context: Context, organisation_id: UUID) -> Any:
    params = Params([organisation_id])
    scope = belongs_in_scope(context.principal, "po", params)
    return await context.pool.fetchrow(
        f"{ORGANISATION_SELECT} WHERE po.id = $1 AND {scope}", *params
    )


async def fetch_title(context: Context, title_id: UUID) -> Any:
    params = Params([title_id])
    scope = belongs_in_scope(context.principal, "t", params)
    return await context.pool.fetchrow(
        f"SELECT t.* FROM demonstration_titles t WHERE t.id = $1 AND {scope}", *params
    )


# What one organisation or title is read by is wider than what a command may name
# (Scope.may_refer_to): a committee or resident also reads the organisation and titles of the
# company serving its community, every regulator a company's titles. So these ids are checked
# for existence only and the SQL scope decides: one out of it is NotFound as one of nothing.
OrganisationArg = Annotated[strawberry.ID, Ref(Kind.PARTY_ORGANISATION, public=True)]
TitleArg = Annotated[strawberry.ID, Ref(Kind.DEMONSTRATION, public=True)]

# The lists' ids are not declared: their unions have no NotFound, and a community or company
# out of scope lists nothing (the access matrix holds that answer).

NEWEST_YEAR_FIRST = (Key("t.year", "year", "int"), Key("t.id", "id", "uuid"))


@strawberry.type
class RedPropertyQueries:
    @strawberry.field(description="党组织: one party organisation you may see, by id")
    @lookup
    async def party_organisation(
        self, info: Info[Context, None], id: OrganisationArg
    ) -> PartyOrganisationLookup:
        row = found(await fetch_organisation(info.context, UUID(id)), "party organisation")
        return organisation_from_row(row, await opener_for(info.context, row))

    @strawberry.field(
        description="党组织 of one community or one company (give exactly one of the two)"
    )
    @lookup
    async def party_organisations(
        self,
        info: Info[Context, None],
        community_id: FilterId | None = None,
        company_id: FilterId | None = None,
    ) -> PartyOrganisationsResult:
        if community_id is not None and company_id is None:
            column, value = "community_id", query_id(community_id, "communityId")
        elif company_id is not None and community_id is None:
            column, value = "company_id", query_id(company_id, "companyId")
        else:
            return invalid("communityId", "give either a communityId or a companyId")
        params = Params([value])
        scope = belongs_in_scope(info.context.principal, "po", params)
        rows = await info.context.pool.fetch(
            f"{ORGANISATION_SELECT} WHERE po.{column} = $1 AND {scope} ORDER BY po.kind, po.id",
            *params,
        )
        opened = await opener_for(info.context, *rows)
        return PartyOrganisationList(organisations=[organisation_from_row(r, opened) for r in rows])

    @strawberry.field(description="示范小区 / 示范企业: one title you may see, by id")
    @lookup
    async def demonstration_title(
        self, info: Info[Context, None], id: TitleArg
    ) -> DemonstrationTitleLookup:
        row = found(await fetch_title(info.context, UUID(id)), "demonstration title")
        return title_from_row(row)

    @strawberry.field(
        description="示范小区 / 示范企业 you may see, newest year first (max 100 a page)"
    )
    @lookup
    async def demonstration_titles(
        self,
        info: Info[Context, None],
        district: str | None = None,
        subject: Subject | None = None,
        status: TitleStatus | None = None,
        community_id: FilterId | None = None,
        company_id: FilterId | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> DemonstrationTitlesResult:
        params = Params()
        conditions = [belongs_in_scope(info.context.principal, "t", params)]
        if district:
            conditions.append(f"t.district = {params(district)}")
        if subject is not None:
            conditions.append(f"t.subject = {params(subject.value)}")
        if status is not None:
            conditions.append(f"t.status = {params(status.value)}")
        if community_id:
            community = query_id(community_id, "communityId")
            conditions.append(f"t.community_id = {params(community, 'uuid')}")
        if company_id:
            company = query_id(company_id, "companyId")
            conditions.append(f"t.company_id = {params(company, 'uuid')}")
        rows, page_info = await keyset_page(
            info.context.pool,
            "SELECT t.* FROM demonstration_titles t",
            conditions,
            params,
            NEWEST_YEAR_FIRST,
            first,
            after,
            descending=True,
        )
        edges = [
            DemonstrationTitleEdge(
                cursor=encode_cursor(row["year"], row["id"]), node=title_from_row(row)
            )
            for row in rows
        ]
        return DemonstrationTitleConnection(edges=edges, page_info=page_info)

    @strawberry.field(description="评分细则: the scoring rule sets shipped, by name and version")
    def demonstration_rule_sets(self) -> list[ScoringRuleSetType]:
        return [rule_set_type(r) for _, r in sorted(SCORING_RULE_SETS.items())]

    @strawberry.field(
        description="红色物业 figures of a district: party organisations in companies, committee "
        "party working groups and branches, demonstration communities and companies in force"
    )
    @lookup
    async def red_property_statistics(
        self, info: Info[Context, None], district: str
    ) -> RedPropertyStatisticsResult:
        context = info.context
        require(context.principal, Action.READ_DISTRICT_STATISTICS, Target(district=district))
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
