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
    ERASE_PERSON = "erase a person's personal data"
    READ_PERSONAL_DATA_ACCESS = "read the record of who was shown personal data"
    EDIT_OWNERS = "change a community's owners and residents"
    PROPOSE_DECISION = "put a matter to the owners"
    CAST_BALLOT = "cast a ballot for this unit"
    READ_OWN_BALLOT = "read the ballot cast for this unit (a resident: own units')"
    CONDUCT_DECISION = "close, recount or settle an owners' decision"
    MANAGE_FEE_SCHEDULE = "set a community's fee standards, terms, vacancies and parking"
    RUN_BILLING = "run the billing of a community"
    RECORD_FEE_PAYMENT = "record a fee payment or refund"
    PAY_FEES_ONLINE = "order, place or close an online payment of a unit's fees"
    RECORD_METERS = "install meters, record readings, set meter prices and the sharing method"
    READ_METERS = "read a community's meters and readings (a resident: own units')"
    WRITE_OFF_FEES = "write off a bill or waive its late fee"
    READ_FEES = "read a community's fee ledgers, arrears and rates"
    READ_FEE_STATEMENT = "read a unit's fee statement"
    RECONCILE_PAYMENTS = "import a payment statement and resolve its reconciliation"
    READ_RECONCILIATIONS = "read a community's payment reconciliations"
    SET_FUND_RULES = "set the maintenance fund's deposit rule or the common income rule"
    RECORD_FUND_MONEY = "record maintenance fund deposits, top-ups or interest"
    SEND_TOP_UP_NOTICES = "send maintenance fund top-up notices"
    PROPOSE_FUND_USE = "propose or withdraw a use of the maintenance fund"
    APPROVE_FUND_USE = "approve, review or reject a use of the maintenance fund"
    CONFIRM_EMERGENCY_USE = "confirm or reject an emergency use of the maintenance fund"
    PAY_FUND_USE = "pay out or audit a use of the maintenance fund"
    READ_FUND = "read the maintenance fund's ledger and history"
    READ_FUND_USES = "read the maintenance fund's balance and its uses"
    READ_FUND_ACCOUNT = "read this unit's maintenance fund sub-account"
    RECORD_COMMON_INCOME = "record, correct or publish common income"
    READ_COMMON_INCOME = "read every common income entry and its history"
    REGISTER_COMMUNITY_COMPANY = "register a 强社惠民 community company or link its communities"
    DESIGNATE_COMMUNITY_COMPANY_PILOT = "designate or revoke a 强社惠民 pilot"
    RECORD_COMMUNITY_COMPANY_BUSINESS = (
        "record a community company's business lines, revenue, costs and reinvestment"
    )
    READ_COMMUNITY_COMPANY = "read a community company's ledger and history"
    FILE_COMPLAINT = "file a complaint about this community's property service"
    HANDLE_COMPLAINT = "accept or reply to a complaint against your company"
    CLOSE_COMPLAINT = "close a complaint with its outcome"
    WITHDRAW_COMPLAINT = "withdraw this complaint"
    RECORD_DISPUTE = "record a dispute, its mediation or its closing"
    RUN_SURVEY = "create or close a satisfaction survey of these communities"
    ANSWER_SURVEY = "answer a satisfaction survey for this unit"
    AWARD_POINTS = "award participation points in this community"
    MANAGE_REWARDS = "change this community's reward catalogue"
    REDEEM_REWARD = "redeem points of this unit for a reward"
    READ_POINTS = "read this unit's points account"
    READ_ENGAGEMENT_HISTORY = "read the history of a complaint, dispute, survey or points account"
    REPORT_WORK_ORDER = "report a repair or a problem (报事报修) here"
    HANDLE_WORK_ORDER = "dispatch, answer, resolve or cancel a work order"
    FOLLOW_UP_WORK_ORDER = "rate or reopen a work order you did not report"
    READ_WORK_ORDER_PERFORMANCE = "read work order SLA performance"
    RECORD_FACILITY = "register a facility, change its status or retire it"
    RECORD_INSPECTION = "record an inspection result or follow up a defect"
    READ_FACILITY_FIGURES = "read a community's inspections due and facility figures"
    REQUEST_HEALTH_RUN = "assess the maintenance health of a district's communities"
    READ_HEALTH = "read the history of a community's maintenance health assessment"
    RECORD_CREDIT = "enter credit records, or evaluate, publish and review credit evaluations"
    RAISE_CREDIT_OBJECTION = "object to a credit evaluation or ask for a credit repair"
    READ_CREDIT = "read a company's credit records, breakdowns and their history"
    REVOKE_ACCESS = "revoke these tokens (your own, unless you are the platform admin)"
    READ_AUDIT_SEAL = "read or verify the event log's signed checkpoints"
    SEAL_AUDIT_LOG = "make a signed checkpoint of the event log"
    PUBLISH_NOTICE = "publish or withdraw a notice to this community's households"
    MARK_NOTICE_READ = "mark a notice read for this unit"
    READ_NOTICE_RECEIPTS = "read which households (or committee members) have read a notice"
    MARK_COMMITTEE_NOTICE_READ = "mark a notice to this community's committee read for oneself"
    ISSUE_ARREARS_REMINDERS = "issue arrears reminders (催缴) in this community"


@dataclass(frozen=True)
class Target:
    """What an action is about: its district, community, serving company and company."""

    district: str | None = None
    community_id: UUID | None = None
    serving_company_id: UUID | None = None
    company_id: UUID | None = None
    unit_id: UUID | None = None
    # Things linked to several communities (强社惠民公司): those communities and their
    # districts; ``district`` stays the one the thing is registered in.
    community_ids: tuple[UUID, ...] = ()
    districts: tuple[str, ...] = ()
    reporter: str | None = None
    # Whose tokens a revocation is about (None: not known to be the caller's).
    holder: str | None = None


def allowed(principal: Principal, action: Action, target: Target) -> bool:  # noqa: PLR0912
    role = principal.role
    if role is Role.PLATFORM_ADMIN:
        return True
    if principal.lapsed and action is not Action.REVOKE_ACCESS:
        return False
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
        case Action.REVOKE_ACCESS:
            # Anyone may give up their own access; only the platform admin another's.
            return target.holder is not None and target.holder == principal.subject
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
        case Action.READ_OWN_BALLOT:
            # 投票保密: only the unit's own household reads who voted what for it.
            return role is Role.RESIDENT and target.unit_id in principal.unit_ids
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
        case (
            Action.MANAGE_FEE_SCHEDULE
            | Action.RUN_BILLING
            | Action.RECORD_FEE_PAYMENT
            | Action.PAY_FEES_ONLINE
            | Action.WRITE_OFF_FEES
            | Action.READ_FEES
            | Action.READ_FEE_STATEMENT
            | Action.RECORD_METERS
            | Action.READ_METERS
            | Action.RECONCILE_PAYMENTS
            | Action.READ_RECONCILIATIONS
        ):
            return _fees(principal, action, target, in_district, serves, own_community)
        case (
            Action.SET_FUND_RULES
            | Action.RECORD_FUND_MONEY
            | Action.SEND_TOP_UP_NOTICES
            | Action.PROPOSE_FUND_USE
            | Action.APPROVE_FUND_USE
            | Action.CONFIRM_EMERGENCY_USE
            | Action.PAY_FUND_USE
            | Action.READ_FUND
            | Action.READ_FUND_USES
            | Action.READ_FUND_ACCOUNT
            | Action.RECORD_COMMON_INCOME
            | Action.READ_COMMON_INCOME
        ):
            return _fund(principal, action, target)
        case (
            Action.REGISTER_COMMUNITY_COMPANY
            | Action.DESIGNATE_COMMUNITY_COMPANY_PILOT
            | Action.RECORD_COMMUNITY_COMPANY_BUSINESS
            | Action.READ_COMMUNITY_COMPANY
        ):
            return _community_companies(principal, action, target)
        case (
            Action.FILE_COMPLAINT
            | Action.HANDLE_COMPLAINT
            | Action.CLOSE_COMPLAINT
            | Action.WITHDRAW_COMPLAINT
            | Action.RECORD_DISPUTE
            | Action.RUN_SURVEY
            | Action.ANSWER_SURVEY
            | Action.AWARD_POINTS
            | Action.MANAGE_REWARDS
            | Action.REDEEM_REWARD
            | Action.READ_POINTS
            | Action.READ_ENGAGEMENT_HISTORY
        ):
            return _engagement(principal, action, target)
        case (
            Action.REPORT_WORK_ORDER
            | Action.HANDLE_WORK_ORDER
            | Action.FOLLOW_UP_WORK_ORDER
            | Action.READ_WORK_ORDER_PERFORMANCE
        ):
            return _work_orders(principal, action, target, in_district, serves, own_community)
        case Action.RECORD_FACILITY | Action.RECORD_INSPECTION | Action.READ_FACILITY_FIGURES:
            return _facilities(principal, action, target)
        case Action.RECORD_CREDIT | Action.RAISE_CREDIT_OBJECTION | Action.READ_CREDIT:
            return _credit(role, action, own_company)
        case Action.REQUEST_HEALTH_RUN:
            return role is Role.REGULATOR and in_district
        case Action.ERASE_PERSON | Action.READ_PERSONAL_DATA_ACCESS:
            return False  # the platform admin's alone (allowed above)
        case Action.READ_HEALTH:
            # The history of an assessment; the queries show residents their community's.
            return (
                (role is Role.REGULATOR and in_district)
                or (role is Role.COMPANY_STAFF and serves)
                or (role is Role.COMMITTEE_MEMBER and own_community)
            )
        case Action.READ_AUDIT_SEAL:
            # Everyone who audits the shared record; a resident asks the committee.
            return role in {Role.REGULATOR, Role.COMPANY_STAFF, Role.COMMITTEE_MEMBER}
        case Action.SEAL_AUDIT_LOG:
            return False  # the platform admin's alone (allowed above)
        case (
            Action.PUBLISH_NOTICE
            | Action.MARK_NOTICE_READ
            | Action.READ_NOTICE_RECEIPTS
            | Action.MARK_COMMITTEE_NOTICE_READ
            | Action.ISSUE_ARREARS_REMINDERS
        ):
            return _notices(principal, action, target, in_district, serves, own_community)
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


def _fees(
    principal: Principal,
    action: Action,
    target: Target,
    in_district: bool,
    serves: bool,
    own_community: bool,
) -> bool:
    """物业费: the serving company's staff keep the books (a write-off also needs an approver,
    checked by the command); the district's regulators and the community's committee read
    everything; a resident reads the statement of own units only."""
    role = principal.role
    staff = role is Role.COMPANY_STAFF and serves
    if action in {
        Action.MANAGE_FEE_SCHEDULE,
        Action.RUN_BILLING,
        Action.RECORD_FEE_PAYMENT,
        Action.WRITE_OFF_FEES,
        Action.RECORD_METERS,
        Action.RECONCILE_PAYMENTS,
    }:
        return staff
    if action is Action.READ_RECONCILIATIONS:
        # 对账 is the company's bookkeeping; the committee audits it.
        return staff or (role is Role.COMMITTEE_MEMBER and own_community)
    readers = (
        staff
        or (role is Role.REGULATOR and in_district)
        or (role is Role.COMMITTEE_MEMBER and own_community)
    )
    own_unit = target.unit_id is not None and target.unit_id in principal.unit_ids
    if action is Action.PAY_FEES_ONLINE:
        # 在线缴费: residents pay for their own units; staff place an order for a resident
        # (at the counter, a QR code the resident scans).
        return staff or (role is Role.RESIDENT and own_unit)
    if action is Action.READ_FEE_STATEMENT:
        return readers or (role is Role.RESIDENT and own_unit)
    if action is Action.READ_METERS:
        # 抄表: a resident of the community reads the meters and readings of own units
        # (the query keeps to them in SQL).
        return readers or role is Role.RESIDENT
    return readers


def _fund(principal: Principal, action: Action, target: Target) -> bool:
    """维修资金 and 公共收益. The regulator stands for the fund centre (资金管理中心: rules,
    deposits, payouts, audits) and the street office (confirms emergencies); the serving
    company records common income, publishes it (its duty: failing to publish counts in its
    credit) and proposes uses; the committee approves uses, reviews emergencies and reads
    every entry; a resident reads the own unit's sub-account, and the balance and the uses of
    the own community's fund (公示: a payout on the sub-account names a use the owner can
    read); published common income is read through the community's scope."""
    role = principal.role
    regulator = role is Role.REGULATOR and target.district in principal.districts
    staff = role is Role.COMPANY_STAFF and (
        principal.company_id is not None and target.serving_company_id == principal.company_id
    )
    committee = role is Role.COMMITTEE_MEMBER and (
        principal.community_id is not None and target.community_id == principal.community_id
    )
    resident = role is Role.RESIDENT and (
        target.unit_id is not None and target.unit_id in principal.unit_ids
    )
    match action:
        case Action.SEND_TOP_UP_NOTICES:
            return regulator or committee
        case Action.PROPOSE_FUND_USE | Action.RECORD_COMMON_INCOME:
            return staff
        case Action.APPROVE_FUND_USE:
            return committee
        case Action.READ_FUND | Action.READ_COMMON_INCOME:
            return regulator or staff or committee
        case Action.READ_FUND_ACCOUNT | Action.READ_FUND_USES:
            return regulator or staff or committee or resident
    # Rules, deposits, top-ups, interest, emergency confirmation, payouts and audits.
    return regulator


def _community_companies(principal: Principal, action: Action, target: Target) -> bool:
    """强社惠民公司: the regulators of the district the company is registered in (standing for
    the street office and 农业农村 bureau) register it, designate pilots and record its
    ledger on the company's behalf; linking or unlinking a community also needs its district
    (``target.districts``), so no district's community is tied to another's company
    unasked. Reading the ledger and history: regulators of any district the company has a
    linked community in, and committee members of a linked community. Residents read the
    reinvestment summary of their community through its own query, not the ledger."""
    role = principal.role
    home = target.district is not None and target.district in principal.districts
    if action is Action.READ_COMMUNITY_COMPANY:
        linked_district = any(d in principal.districts for d in target.districts)
        linked = principal.community_id is not None and principal.community_id in (
            target.community_ids
        )
        return (role is Role.REGULATOR and (home or linked_district)) or (
            role is Role.COMMITTEE_MEMBER and linked
        )
    every_district = all(d in principal.districts for d in target.districts)
    return role is Role.REGULATOR and home and every_district


def _engagement(principal: Principal, action: Action, target: Target) -> bool:
    """投诉, 矛盾纠纷, 满意度, 积分. Residents act for own units; the company complained
    about (``company_id``, fixed when filed) handles its complaints; the committee enters
    complaints, records disputes, runs surveys, points and rewards of its community;
    regulators of the district enter complaints and disputes and run the company-wide
    surveys that feed credit evaluation."""
    role = principal.role
    regulator = role is Role.REGULATOR and target.district in principal.districts
    committee = role is Role.COMMITTEE_MEMBER and target.community_id == principal.community_id
    staff = role is Role.COMPANY_STAFF and principal.company_id is not None
    against_own = staff and target.company_id == principal.company_id
    own_unit = role is Role.RESIDENT and target.unit_id in principal.unit_ids
    match action:
        case Action.FILE_COMPLAINT | Action.WITHDRAW_COMPLAINT:
            return regulator or committee or own_unit
        case Action.HANDLE_COMPLAINT:
            return against_own
        case Action.CLOSE_COMPLAINT | Action.RECORD_DISPUTE | Action.RUN_SURVEY:
            return regulator or committee
        case Action.ANSWER_SURVEY | Action.REDEEM_REWARD:
            # Committee members enter paper questionnaires and counter redemptions.
            return committee or own_unit
        case Action.AWARD_POINTS | Action.MANAGE_REWARDS:
            return committee
        case Action.READ_POINTS:
            return regulator or committee or own_unit
        case Action.READ_ENGAGEMENT_HISTORY:
            return regulator or committee or against_own or own_unit
    return False


def _work_orders(
    principal: Principal,
    action: Action,
    target: Target,
    in_district: bool,
    serves: bool,
    own_community: bool,
) -> bool:
    """报事报修: residents report for their own units (``unit_id``: the unit reported, or for a
    common part one of theirs in the community); committee members stand in for grid workers
    (网格员), regulators for the street office; the serving company handles the order (the
    street office where no company serves); only the reporter rates or reopens it.
    Performance figures are for the stewards, not residents.
    """
    role = principal.role
    stewards = (
        (role is Role.REGULATOR and in_district)
        or (role is Role.COMMITTEE_MEMBER and own_community)
        or (role is Role.COMPANY_STAFF and serves)
    )
    match action:
        case Action.REPORT_WORK_ORDER:
            own_unit = target.unit_id is not None and target.unit_id in principal.unit_ids
            return stewards or (role is Role.RESIDENT and own_unit)
        case Action.HANDLE_WORK_ORDER:
            # With no company (社区托管, 无物业) the street office handles the orders itself.
            unserved = target.serving_company_id is None
            return (role is Role.COMPANY_STAFF and serves) or (
                role is Role.REGULATOR and in_district and unserved
            )
        case Action.FOLLOW_UP_WORK_ORDER:
            return target.reporter is not None and target.reporter == principal.subject
        case Action.READ_WORK_ORDER_PERFORMANCE:
            # A company's figures (no community named): its own staff, and regulators and
            # committees over the communities they may see.
            company_wide = target.community_id is None and target.company_id is not None
            return (
                stewards
                or (role is Role.COMPANY_STAFF and target.company_id == principal.company_id)
                or (company_wide and role in {Role.REGULATOR, Role.COMMITTEE_MEMBER})
            )
    return False


def _facilities(principal: Principal, action: Action, target: Target) -> bool:
    """设施与巡检: the serving company records facilities and inspections; where no company
    serves (社区托管, 无物业) the street office (a regulator of the district) stands in.
    Regulators of the district also record inspections (消防检查 by the fire brigade, spot
    checks). The committee reads its community's due list and figures; everyone who sees a
    community reads its facility list (a query scope, not an action)."""
    role = principal.role
    regulator = role is Role.REGULATOR and target.district in principal.districts
    staff = (
        role is Role.COMPANY_STAFF
        and principal.company_id is not None
        and target.serving_company_id == principal.company_id
    )
    committee = (
        role is Role.COMMITTEE_MEMBER
        and target.community_id is not None
        and target.community_id == principal.community_id
    )
    match action:
        case Action.RECORD_FACILITY:
            return staff or (regulator and target.serving_company_id is None)
        case Action.RECORD_INSPECTION:
            return staff or regulator
        case Action.READ_FACILITY_FIGURES:
            return staff or regulator or committee
    return False


def _credit(role: Role, action: Action, own_company: bool) -> bool:
    """信用评价: a company has no district, so any regulator enters its records and evaluates
    it (like registering it); the company objects and asks for repairs for itself, and reads
    its own records. Committees and residents see published grades only (in the queries)."""
    if action is Action.RECORD_CREDIT:
        return role is Role.REGULATOR
    if action is Action.RAISE_CREDIT_OBJECTION:
        return role is Role.COMPANY_STAFF and own_company
    return role is Role.REGULATOR or (role is Role.COMPANY_STAFF and own_company)


def _notices(
    principal: Principal,
    action: Action,
    target: Target,
    in_district: bool,
    serves: bool,
    own_community: bool,
) -> bool:
    """通知 and 催缴: the community's stewards (the street office, the serving company, the
    committee) publish notices and read who has read them; a household marks its own
    notices read; only the serving company reminds households of their fees (its claim,
    which it may take to court or arbitration)."""
    role = principal.role
    staff = role is Role.COMPANY_STAFF and serves
    stewards = (
        (role is Role.REGULATOR and in_district)
        or staff
        or (role is Role.COMMITTEE_MEMBER and own_community)
    )
    match action:
        case Action.PUBLISH_NOTICE | Action.READ_NOTICE_RECEIPTS:
            return stewards
        case Action.MARK_NOTICE_READ:
            return role is Role.RESIDENT and target.unit_id in principal.unit_ids
        case Action.MARK_COMMITTEE_NOTICE_READ:
            # a member of its committee, for themselves (the mutation's target checks whom)
            return role is Role.COMMITTEE_MEMBER and own_community
        case Action.ISSUE_ARREARS_REMINDERS:
            return staff
    return False


# The company serving each community today (the SQL function beside community_modes).
SERVING_COMPANY = "serving_company({alias}.id, (now() AT TIME ZONE 'Asia/Shanghai')::date)"


def community_scope(principal: Principal, alias: str, params: list[object]) -> str:
    """A SQL condition on communities ``alias`` limiting rows to what the principal may see.

    Appends its parameters to ``params`` (asyncpg ``$n`` numbering)."""

    def param(value: object) -> str:
        params.append(value)
        return f"${len(params)}"

    if principal.lapsed:
        return "FALSE"
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
