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
    MANAGE_CONTRACT = "award, start or hand over a property service contract"
    GIVE_DISMISSAL_NOTICE = "give a property company notice of dismissal"
    GIVE_NON_RENEWAL_NOTICE = "give notice of not renewing a property service contract"
    RECORD_PARTY_ORGANISATION = "record a party organisation, its approval and secretary"
    RECORD_PARTY_MEMBERS = "record a party organisation's members"
    ASSIGN_RED_STEWARD = "assign or withdraw a 红管家"
    RECORD_PARTY_WORK = "record a joint meeting or a 党组织先议 deliberation"
    RECORD_DEMONSTRATION = "apply for, score, award or revoke a demonstration title"
    READ_RED_PROPERTY_HISTORY = "read a party organisation's or demonstration title's history"
    READ_DISTRICT_STATISTICS = "read district statistics"
    READ_COMMUNITY_HISTORY = "read a community's history"
    READ_COMPANY_HISTORY = "read a company's history"
    RECORD_COMMITTEE = "form, nominate candidates for, elect, appoint or dissolve a committee"
    EDIT_COMMITTEE = "record a committee's member changes and filing"
    REGISTER_PERSON = "register a person"
    READ_PERSON_HISTORY = "read a person's history"
    EDIT_OWNERS = "change a community's owners and residents"
    PROPOSE_DECISION = "put a matter to the owners"
    CAST_BALLOT = "cast a ballot for this unit"
    CONDUCT_DECISION = "close, recount or settle an owners' decision"
    RECORD_CREDIT = "enter credit records, or evaluate, publish and review credit evaluations"
    RAISE_CREDIT_OBJECTION = "object to a credit evaluation or ask for a credit repair"
    READ_CREDIT = "read a company's credit records, breakdowns and their history"


@dataclass(frozen=True)
class Target:
    """What an action is about: its district, community, serving company and company."""

    district: str | None = None
    community_id: UUID | None = None
    serving_company_id: UUID | None = None
    company_id: UUID | None = None
    unit_id: UUID | None = None


def allowed(principal: Principal, action: Action, target: Target) -> bool:  # noqa: PLR0912
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
        case (
            Action.REGISTER_COMMUNITY
            | Action.CHANGE_MANAGEMENT_MODE
            | Action.READ_DISTRICT_STATISTICS
        ):
            return role is Role.REGULATOR and in_district
        case Action.EDIT_COMMUNITY:
            return (role is Role.REGULATOR and in_district) or (
                role is Role.COMPANY_STAFF and serves
            )
        case Action.REGISTER_COMPANY:
            return role is Role.REGULATOR
        case Action.EDIT_COMPANY | Action.READ_COMPANY_HISTORY:
            return role is Role.REGULATOR or (role is Role.COMPANY_STAFF and own_company)
        case Action.REGISTER_PERSON:
            return role in {Role.REGULATOR, Role.COMPANY_STAFF, Role.COMMITTEE_MEMBER}
        case Action.READ_COMMUNITY_HISTORY | Action.READ_PERSON_HISTORY | Action.EDIT_OWNERS:
            # The community's stewards: its regulator, its company, its committee. Committees
            # audit roster changes too; personal fields are masked in the trail.
            return (
                (role is Role.REGULATOR and in_district)
                or (role is Role.COMPANY_STAFF and serves)
                or (role is Role.COMMITTEE_MEMBER and own_community)
            )
        case Action.PROPOSE_DECISION | Action.CONDUCT_DECISION:
            return (role is Role.REGULATOR and in_district) or (
                role is Role.COMMITTEE_MEMBER and own_community
            )
        case Action.CAST_BALLOT:
            # Committee members enter paper ballots; an owner votes online for own units.
            own_unit = target.unit_id is not None and target.unit_id in principal.unit_ids
            return (role is Role.COMMITTEE_MEMBER and own_community) or (
                role is Role.RESIDENT and own_unit
            )
        case (
            Action.RECORD_PARTY_ORGANISATION
            | Action.RECORD_PARTY_MEMBERS
            | Action.ASSIGN_RED_STEWARD
            | Action.RECORD_PARTY_WORK
            | Action.RECORD_DEMONSTRATION
            | Action.READ_RED_PROPERTY_HISTORY
        ):
            return _red_property(principal, action, target)
        case Action.RECORD_COMMITTEE | Action.EDIT_COMMITTEE:
            return _committee(principal, action, in_district, own_community)
        case Action.MANAGE_CONTRACT | Action.GIVE_DISMISSAL_NOTICE | Action.GIVE_NON_RENEWAL_NOTICE:
            return _contracts(role, action, in_district, own_community, own_company)
        case Action.RECORD_CREDIT | Action.RAISE_CREDIT_OBJECTION | Action.READ_CREDIT:
            return _credit(role, action, own_company)
    return False  # pragma: no cover - every action is matched above


def _red_property(principal: Principal, action: Action, target: Target) -> bool:
    """红色物业: regulators stand for the party-building office and the street office.

    A company's party organisation has no district: like a company's records, any regulator
    may record it (``company_level``)."""
    role = principal.role
    regulator = role is Role.REGULATOR
    in_district = target.district is not None and target.district in principal.districts
    company_level = (
        target.company_id is not None and target.community_id is None and target.district is None
    )
    serves = principal.company_id is not None and target.serving_company_id == principal.company_id
    own_company = principal.company_id is not None and target.company_id == principal.company_id
    own_community = (
        principal.community_id is not None and target.community_id == principal.community_id
    )
    staff, committee = role is Role.COMPANY_STAFF, role is Role.COMMITTEE_MEMBER
    match action:
        case Action.RECORD_PARTY_ORGANISATION:
            return regulator and (in_district or company_level)
        case Action.RECORD_PARTY_MEMBERS:
            return (regulator and (in_district or company_level)) or (staff and own_company)
        case Action.ASSIGN_RED_STEWARD:
            return (regulator and in_district) or (staff and own_company)
        case Action.RECORD_PARTY_WORK:
            return (regulator and in_district) or (committee and own_community)
        case Action.RECORD_DEMONSTRATION:
            return regulator and in_district
        case Action.READ_RED_PROPERTY_HISTORY:
            return (
                (regulator and (in_district or company_level))
                or (staff and (serves or own_company))
                or (committee and own_community)
            )
    return False


def _committee(principal: Principal, action: Action, in_district: bool, own: bool) -> bool:
    """业委会/物管会: the street office (a regulator of the district) forms, nominates, elects,
    appoints and dissolves; a committee records its own member changes and filing. Sitting
    members are often candidates again, so they do not nominate."""
    regulator = principal.role is Role.REGULATOR and in_district
    if action is Action.EDIT_COMMITTEE:
        return regulator or (principal.role is Role.COMMITTEE_MEMBER and own)
    return regulator


def _contracts(
    role: Role, action: Action, in_district: bool, own_community: bool, own_company: bool
) -> bool:
    """物业服务合同: 街道 (a regulator of the district) awards on the owners' decision or
    arranges 社区托管, and records the start and the hand-over; the committee gives the
    owners' dismissal notice; the contracted company its notice of non-renewal."""
    if action is Action.MANAGE_CONTRACT:
        return role is Role.REGULATOR and in_district
    if action is Action.GIVE_DISMISSAL_NOTICE:
        return role is Role.COMMITTEE_MEMBER and own_community
    return role is Role.COMPANY_STAFF and own_company


def _credit(role: Role, action: Action, own_company: bool) -> bool:
    """信用评价: a company has no district, so any regulator enters its records and evaluates
    it (like registering it); the company objects and asks for repairs for itself, and reads
    its own records. Committees and residents see published grades only (in the queries)."""
    if action is Action.RECORD_CREDIT:
        return role is Role.REGULATOR
    if action is Action.RAISE_CREDIT_OBJECTION:
        return role is Role.COMPANY_STAFF and own_company
    return role is Role.REGULATOR or (role is Role.COMPANY_STAFF and own_company)


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
