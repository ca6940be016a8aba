"""The access model in one place: who may do what, and which rows each role sees.

Mutations ask ``allowed(principal, action, target)``; queries add the SQL returned by
``community_scope`` / ``company_scope`` to their WHERE clause. The access-matrix test
walks every role through every operation.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from gongzhi.graphql.auth import Principal, Role


class Action(enum.Enum):
    REGISTER_COMMUNITY = "register a community"
    EDIT_COMMUNITY = "change a community's estate records"
    CHANGE_MANAGEMENT_MODE = "change a community's management mode"
    REGISTER_COMPANY = "register a property company"
    EDIT_COMPANY = "change a property company's records"
    READ_DISTRICT_STATISTICS = "read district statistics"
    READ_COMMUNITY_HISTORY = "read a community's history"
    READ_COMPANY_HISTORY = "read a company's history"


@dataclass(frozen=True)
class Target:
    """What an action is about: its district, community, serving company and company."""

    district: str | None = None
    community_id: UUID | None = None
    serving_company_id: UUID | None = None
    company_id: UUID | None = None


def allowed(principal: Principal, action: Action, target: Target) -> bool:
    role = principal.role
    if role is Role.PLATFORM_ADMIN:
        return True
    in_district = target.district is not None and target.district in principal.districts
    serves = principal.company_id is not None and target.serving_company_id == principal.company_id
    own_community = (
        principal.community_id is not None and target.community_id == principal.community_id
    )
    own_company = principal.company_id is not None and target.company_id == principal.company_id
    match action:
        case Action.REGISTER_COMMUNITY | Action.CHANGE_MANAGEMENT_MODE:
            return role is Role.REGULATOR and in_district
        case Action.EDIT_COMMUNITY:
            return (role is Role.REGULATOR and in_district) or (
                role is Role.COMPANY_STAFF and serves
            )
        case Action.REGISTER_COMPANY:
            return role is Role.REGULATOR
        case Action.EDIT_COMPANY:
            return role is Role.REGULATOR or (role is Role.COMPANY_STAFF and own_company)
        case Action.READ_DISTRICT_STATISTICS:
            return role is Role.REGULATOR and in_district
        case Action.READ_COMMUNITY_HISTORY:
            return (
                (role is Role.REGULATOR and in_district)
                or (role is Role.COMPANY_STAFF and serves)
                or (role is Role.COMMITTEE_MEMBER and own_community)
            )
        case Action.READ_COMPANY_HISTORY:
            return role is Role.REGULATOR or (role is Role.COMPANY_STAFF and own_company)
    return False  # pragma: no cover - every action is matched above


# The company serving each community today: the latest professional-mode period in force.
SERVING_COMPANY = """(
    SELECT m.company_id FROM community_modes m
    WHERE m.community_id = {alias}.id
      AND m.effective_from <= (now() AT TIME ZONE 'Asia/Shanghai')::date
    ORDER BY m.effective_from DESC, m.seq DESC LIMIT 1
)"""


def community_scope(principal: Principal, alias: str, params: list[object]) -> str:
    """A SQL condition on communities ``alias`` limiting rows to what the principal may see.

    Appends its parameters to ``params`` (asyncpg ``$n`` numbering)."""

    def param(value: object) -> str:
        params.append(value)
        return f"${len(params)}"

    match principal.role:
        case Role.PLATFORM_ADMIN:
            return "TRUE"
        case Role.REGULATOR:
            return f"{alias}.district = ANY({param(list(principal.districts))}::text[])"
        case Role.COMPANY_STAFF:
            return f"{SERVING_COMPANY.format(alias=alias)} = {param(principal.company_id)}::uuid"
        case Role.COMMITTEE_MEMBER:
            return f"{alias}.id = {param(principal.community_id)}::uuid"
        case Role.RESIDENT:
            return (
                f"{alias}.id IN (SELECT community_id FROM units "
                f"WHERE id = ANY({param(list(principal.unit_ids))}::uuid[]))"
            )
    return "FALSE"  # pragma: no cover


def company_scope(principal: Principal, alias: str, params: list[object]) -> str:
    """Companies a principal sees: all for admins and regulators, its own for staff, the
    ones serving their community for committee members and residents."""
    match principal.role:
        case Role.PLATFORM_ADMIN | Role.REGULATOR:
            return "TRUE"
        case Role.COMPANY_STAFF:
            params.append(principal.company_id)
            return f"{alias}.id = ${len(params)}::uuid"
    served = community_scope(principal, "sc", params)
    return (
        f"{alias}.id IN (SELECT {SERVING_COMPANY.format(alias='sc')} "
        f"FROM communities sc WHERE {served})"
    )


def unit_visible(principal: Principal, unit_id: UUID) -> bool:
    """Residents see only their own units inside the communities they can see."""
    return principal.role is not Role.RESIDENT or unit_id in principal.unit_ids
