"""Two tenants with one thing of every kind an input can name (the scope matrix and the bounds
tests build on them): 幸福里 in 红塔区, served by 甲物业, and 和平苑 in 江川区, served by 乙物业."""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from gongzhi.application.app import Gongzhi
from gongzhi.application.base import BUSINESS_TZ, Meta, business_today
from gongzhi.application.billing import RunBilling, bills_of
from gongzhi.application.committees import AppointInterimCommittee, CommitteeMember
from gongzhi.application.common_income import RecordCommonIncome
from gongzhi.application.communities import (
    AddBuilding,
    AddUnit,
    ChangeManagementMode,
    RegisterCommunity,
)
from gongzhi.application.community_companies import (
    AllocateReinvestment,
    OpenCommunityBusinessLine,
    RecordCommunityBusinessEntry,
    RegisterCommunityCompany,
)
from gongzhi.application.companies import RegisterCompany
from gongzhi.application.complaints import FileComplaint
from gongzhi.application.contracts import AwardContract
from gongzhi.application.credit import (
    EnterCreditRecord,
    ObjectToCreditEvaluation,
    PublishCreditEvaluation,
)
from gongzhi.application.decisions import ProposeDecision
from gongzhi.application.disputes import DisputeParty, OpenDispute
from gongzhi.application.facilities import Defect, RecordInspection, RegisterFacility
from gongzhi.application.fee_payments import RecordPayment
from gongzhi.application.fee_schedules import AddParkingSpace, SetFeeStandard, fee_schedule
from gongzhi.application.fields import Kind
from gongzhi.application.funds import ProposeFundUse, RecordFirstDeposit, SetFundDepositRule
from gongzhi.application.meters import InstallMeter
from gongzhi.application.notices import PublishNotice
from gongzhi.application.owners import MoveIn, OwnerShare, RecordOwnership, RegisterPerson
from gongzhi.application.payment_orders import CreatePaymentOrder
from gongzhi.application.points import AddReward
from gongzhi.application.reconciliation import ImportPaymentStatement, StatementFileFormat
from gongzhi.application.red_property import (
    AddPartyMember,
    ApplyForDemonstration,
    AssignRedSteward,
    DemonstrationEvidence,
    RecordPartyDeliberation,
    SetUpPartyOrganisation,
)
from gongzhi.application.surveys import CreateSurvey, SurveyQuestion
from gongzhi.application.work_orders import open_work_order
from gongzhi.demo import credit_code
from gongzhi.domain.committee_rules import MemberRole
from gongzhi.domain.common_income import IncomeCategory
from gongzhi.domain.community_ledger import BusinessLine, EntryKind
from gongzhi.domain.complaint import ComplaintCategory, ComplaintChannel
from gongzhi.domain.contract import PricingModel
from gongzhi.domain.credit_rules import RecordKind
from gongzhi.domain.decision import Scope
from gongzhi.domain.demonstration import Subject
from gongzhi.domain.dispute import PartyKind
from gongzhi.domain.facility_rules import FacilityType, InspectionKind, InspectionOutcome, Severity
from gongzhi.domain.fee_schedule import PropertyType
from gongzhi.domain.fund_rules import Emergency, HousingKind, UseKind
from gongzhi.domain.meter import MeterKind, book_id
from gongzhi.domain.notice import NoticeAudience
from gongzhi.domain.party import PartyOrganisationKind
from gongzhi.domain.payment import PaymentChannel
from gongzhi.domain.survey import QuestionKind
from gongzhi.domain.tally import Matter
from gongzhi.domain.values import AreaSource, ManagementMode
from gongzhi.graphql.auth import Principal, Role
from gongzhi.infra.statements import Transaction, sandbox_statement
from tests.integration.conftest import Api

META = Meta(actor="matrix", reason="两个租户", actor_role="PLATFORM_ADMIN")


@dataclass
class Tenant:
    community: UUID
    district: str
    company: UUID
    unit: UUID
    things: dict[Kind, str] = field(default_factory=dict)
    # Kinds of things that hang on a company alone (no community, no district): every
    # regulator may name them, as every regulator may register and evaluate companies.
    company_level: set[Kind] = field(default_factory=lambda: {Kind.COMPANY})
    # Personal data that must never reach another tenant.
    personal: list[str] = field(default_factory=list)

    def principals(self) -> dict[str, Principal]:
        return {
            "staff": Principal(
                subject=f"staff-{self.district}", role=Role.COMPANY_STAFF, company_id=self.company
            ),
            "committee": Principal(
                subject=f"ywh-{self.district}",
                role=Role.COMMITTEE_MEMBER,
                community_id=self.community,
            ),
            "resident": Principal(
                subject=f"owner-{self.district}", role=Role.RESIDENT, unit_ids=(self.unit,)
            ),
            "regulator": Principal(
                subject=f"reg-{self.district}", role=Role.REGULATOR, districts=(self.district,)
            ),
        }


def build_tenant(api: Api, name: str, district: str, credit_code: str, tag: str) -> Tenant:
    """A community with one thing of every kind an input can name."""
    app = api.platform.app
    company = app.register_company(
        META, RegisterCompany(name=f"{tag}物业", credit_code=credit_code)
    ).id
    community = app.register_community(
        META,
        RegisterCommunity(
            name=name, district=district, street="街道", registered_on=date(2024, 1, 1)
        ),
    ).id
    app.change_management_mode(
        META,
        ChangeManagementMode(
            community_id=community,
            mode=ManagementMode.PROFESSIONAL,
            company_id=company,
            effective_from=date(2024, 1, 1),
        ),
    )
    building = app.add_building(
        META,
        AddBuilding(
            community_id=community,
            number="1栋",
            floors=6,
            has_elevator=True,
            entrance_numbers=["1单元"],
        ),
    ).part_id
    assert building is not None
    entrance = next(iter(app.community(community).buildings[building].entrances))
    unit = app.add_unit(
        META,
        AddUnit(
            community_id=community,
            entrance_id=entrance,
            number="101",
            floor=1,
            area="88.50",
            area_source=AreaSource.REGISTER,
        ),
    ).part_id
    assert unit is not None
    owner_name, phone = f"{tag}方业主", f"139{abs(hash(tag)) % 10**8:08d}"
    owner = app.register_person(META, RegisterPerson(name=owner_name, phone=phone)).id
    app.record_ownership(
        META,
        RecordOwnership(
            community_id=community, unit_id=unit, owners=[OwnerShare(owner)], on=date(2020, 1, 1)
        ),
    )
    app.move_in(
        META, MoveIn(community_id=community, unit_id=unit, person_id=owner, on=date(2020, 1, 1))
    )
    tenant = Tenant(community, district, company, unit, personal=[owner_name, phone])
    tenant.things = {
        Kind.COMMUNITY: str(community),
        Kind.BUILDING: str(building),
        Kind.ENTRANCE: str(entrance),
        Kind.UNIT: str(unit),
        Kind.PERSON: str(owner),
        Kind.COMPANY: str(company),
    }
    _decisions(app, tenant)
    _fees(app, tenant)
    _red_property(app, tenant, owner)
    _fund_and_community_company(app, tenant, tag)
    _operations(app, tenant, tag)
    _engagement(app, tenant)
    _participation(app, tenant)
    _committee(app, tenant)
    notice = app.publish_notice(
        META,
        PublishNotice(
            community_id=community,
            audience=NoticeAudience.COMMUNITY,
            title="停水通知",
            body="周三停水",
        ),
    ).id
    tenant.things[Kind.NOTICE] = str(notice)
    return tenant


def _operations(app: Gongzhi, tenant: Tenant, tag: str) -> None:
    """A work order, a facility with a defect, a contract, and a credit record, evaluation
    and objection of the tenant's company."""
    order = open_work_order(
        app,
        META,
        community_id=tenant.community,
        source_ref=f"{tag}-巡查-1",
        description="消防通道堵塞",
    ).id
    facility = app.register_facility(
        META,
        RegisterFacility(
            community_id=tenant.community,
            type=FacilityType.FIRE_HYDRANT,
            name="室外消火栓",
            installed_on=date(2024, 1, 1),
        ),
    ).id
    app.record_inspection(
        META,
        RecordInspection(
            facility_id=facility,
            kind=InspectionKind.ROUTINE,
            inspected_on=date(2024, 2, 1),
            inspector="消防专管员",
            outcome=InspectionOutcome.DEFECTS,
            defects=[Defect("压力不足", Severity.MAJOR)],
        ),
    )
    defect = next(iter(app.facility(facility).defects))
    contract = app.award_contract(
        META,
        AwardContract(
            community_id=tenant.community,
            mode=ManagementMode.COMMUNITY_CUSTODY,
            term_start=date(2030, 1, 1),
            fee_per_m2_month=Decimal("0"),
            pricing=PricingModel.LUMP_SUM,
            signed_on=date(2024, 6, 1),
        ),
    ).id
    record = app.enter_credit_record(
        META,
        EnterCreditRecord(
            company_id=tenant.company,
            kind=RecordKind.PENALTY,
            recorded_on=date(2024, 6, 1),
            authority="区住建局",
            document_number=f"罚〔2024〕{tag}号",
        ),
    ).part_id
    evaluation = app.evaluate_credit(
        META,
        company_id=tenant.company,
        period="2024Q2",
        rule_set=None,
        indicators={},
        districts=[tenant.district],
        evaluated_on=date(2024, 7, 1),
    )
    assert evaluation is not None
    app.publish_credit_evaluation(META, PublishCreditEvaluation(evaluation_id=evaluation.id))
    objection = app.object_to_credit_evaluation(
        META, ObjectToCreditEvaluation(evaluation_id=evaluation.id, grounds="漏计")
    ).part_id
    tenant.things |= {
        Kind.WORK_ORDER: str(order),
        Kind.FACILITY: str(facility),
        Kind.DEFECT: str(defect),
        Kind.CONTRACT: str(contract),
        Kind.CREDIT_RECORD: str(record),
        Kind.CREDIT_EVALUATION: str(evaluation.id),
        Kind.CREDIT_OBJECTION: str(objection),
    }
    # Credit things hang on the company alone: every regulator may name them.
    tenant.company_level |= {Kind.CREDIT_RECORD, Kind.CREDIT_EVALUATION, Kind.CREDIT_OBJECTION}


def _decisions(app: Gongzhi, tenant: Tenant) -> None:
    now = datetime.now(BUSINESS_TZ)
    decision = app.propose_decision(
        META,
        ProposeDecision(
            community_id=tenant.community,
            scope=Scope.COMMUNITY,
            scope_id=None,
            matter=Matter.OTHER_MAJOR,
            title="增设充电桩",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=13),
        ),
    ).id
    tenant.things[Kind.DECISION] = str(decision)


def _fees(app: Gongzhi, tenant: Tenant) -> None:
    """A fee standard, last month's bill, a payment, a parking space, a common income entry."""
    community = tenant.community
    app.set_fee_standard(
        META,
        SetFeeStandard(
            community_id=community,
            property_type=PropertyType.RESIDENTIAL,
            unit_price=Decimal("1.50"),
            pricing=PricingModel.LUMP_SUM,
            effective_from=date(2024, 1, 1),
        ),
    )
    last_month = (business_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    app.run_billing(META, RunBilling(community_id=community, period=last_month))
    payment = app.record_payment(
        META,
        RecordPayment(
            community_id=community,
            unit_id=tenant.unit,
            channel=PaymentChannel.WECHAT,
            transaction_id=f"tx-{community}",
            amount_fen=1000,
        ),
    ).id
    space = app.add_parking_space(
        META, AddParkingSpace(community_id=community, number="P-1", monthly_fee_fen=15000)
    ).part_id
    entry = app.record_common_income(
        META,
        RecordCommonIncome(
            community_id=community,
            category=IncomeCategory.PARKING,
            period=last_month,
            gross_fen=120000,
            cost_fen=20000,
            counterparty="停车场",
        ),
    ).part_id
    bill = bills_of(app, fee_schedule(app, community), tenant.unit)[0].id
    order = app.create_payment_order(META, CreatePaymentOrder(community, tenant.unit)).id
    meter = app.install_meter(
        META,
        InstallMeter(
            community_id=community,
            kind=MeterKind.WATER,
            number=f"W-{tenant.unit}",
            installed_in=business_today().strftime("%Y-%m"),
            unit_id=tenant.unit,
        ),
    ).part_id
    reconciliation = app.import_payment_statement(
        META,
        ImportPaymentStatement(
            community_id=community,
            channel=PaymentChannel.WECHAT,
            day=business_today(),
            format=StatementFileFormat.CSV,
            content=base64.b64encode(
                sandbox_statement(
                    business_today(), [Transaction(f"tx-{community}", "", 1000, datetime.now(UTC))]
                )
            ).decode(),
        ),
    ).id
    tenant.things |= {
        Kind.METER: str(meter),
        Kind.METER_BOOK: str(book_id(community)),
        Kind.BILL: str(bill),
        Kind.PAYMENT: str(payment),
        Kind.PAYMENT_ORDER: str(order),
        Kind.RECONCILIATION: str(reconciliation),
        Kind.PARKING_SPACE: str(space),
        Kind.COMMON_INCOME_ENTRY: str(entry),
    }


def _red_property(app: Gongzhi, tenant: Tenant, owner: UUID) -> None:
    branch = app.set_up_party_organisation(
        META,
        SetUpPartyOrganisation(
            kind=PartyOrganisationKind.COMMUNITY_PARTY_COMMITTEE,
            name="社区党委",
            community_id=tenant.community,
            set_up_on=date(2024, 1, 2),
        ),
    ).id
    app.add_party_member(
        META,
        AddPartyMember(
            organisation_id=branch, name="党员", person_id=owner, joined_on=date(2024, 1, 3)
        ),
    )
    deliberation = app.record_party_deliberation(
        META,
        RecordPartyDeliberation(
            organisation_id=branch,
            matter="续聘物业服务企业",
            deliberated_on=date(2024, 4, 12),
            conclusion="同意提交业主共同决定",
        ),
    ).part_id
    company_branch = app.set_up_party_organisation(
        META,
        SetUpPartyOrganisation(
            kind=PartyOrganisationKind.COMPANY_PARTY_ORGANISATION,
            name="物业党支部",
            company_id=tenant.company,
            set_up_on=date(2024, 1, 2),
        ),
    ).id
    steward = app.register_person(META, RegisterPerson(name="红管家")).id
    app.add_party_member(
        META,
        AddPartyMember(
            organisation_id=company_branch,
            name="红管家",
            person_id=steward,
            joined_on=date(2024, 1, 3),
        ),
    )
    assignment = app.assign_red_steward(
        META,
        AssignRedSteward(
            organisation_id=company_branch,
            person_id=steward,
            community_id=tenant.community,
            assigned_on=date(2024, 4, 1),
        ),
    ).part_id
    title = app.apply_for_demonstration(
        META,
        ApplyForDemonstration(
            subject=Subject.COMMUNITY,
            year=2024,
            community_id=tenant.community,
            applied_on=date(2024, 5, 1),
            evidence=DemonstrationEvidence(
                party_organisation_approved=True,
                party_members_among_staff=4,
                secretary_on_committee=True,
                cross_appointed=3,
                committee_members=5,
                deliberation_rule_adopted=True,
            ),
        ),
    ).id
    tenant.things |= {
        Kind.PARTY_ORGANISATION: str(branch),
        Kind.PARTY_MEMBER: str(owner),
        Kind.PARTY_DELIBERATION: str(deliberation),
        Kind.RED_STEWARD: str(assignment),
        Kind.DEMONSTRATION: str(title),
    }


def _fund_and_community_company(app: Gongzhi, tenant: Tenant, tag: str) -> None:
    """维修资金 with the unit deposited and an emergency use; a 强社惠民公司 of the community
    with a ledger entry and a 反哺 allocation."""
    community = tenant.community
    app.set_deposit_rule(
        META,
        SetFundDepositRule(
            community_id=community,
            commodity_rate=Decimal("0.05"),
            building_cost_per_m2=Decimal(1000),
            reform_cost_price_per_m2=Decimal(1000),
        ),
    )
    app.record_first_deposit(
        META,
        RecordFirstDeposit(
            community_id=community,
            unit_id=tenant.unit,
            housing_kind=HousingKind.COMMODITY,
            deposited_on=date(2024, 3, 1),
        ),
    )
    use = app.propose_fund_use(
        META,
        ProposeFundUse(
            community_id=community,
            kind=UseKind.EMERGENCY,
            emergency=Emergency.DRAINAGE_BLOCKED,
            title="排水疏通",
            contractor="市政公司",
            amount_fen=100,
            unit_ids=[tenant.unit],
        ),
    ).part_id
    company = app.register_community_company(
        META,
        RegisterCommunityCompany(
            name=f"{tag}强社惠民公司",
            credit_code=credit_code(random.Random(f"cc-{tag}")),
            owner_name=f"{tag}股份经济合作社",
            owner_credit_code=credit_code(random.Random(f"owner-{tag}")),
            community_id=community,
            registered_on=date(2024, 1, 2),
        ),
    ).id
    app.open_business_line(
        META,
        OpenCommunityBusinessLine(
            company_id=company, line=BusinessLine.CANTEEN, on=date(2024, 1, 3)
        ),
    )
    entry = app.record_business_entry(
        META,
        RecordCommunityBusinessEntry(
            company_id=company,
            line=BusinessLine.CANTEEN,
            kind=EntryKind.REVENUE,
            amount_fen=1_000_000,
            on=date(2024, 6, 1),
        ),
    ).part_id
    allocation = app.allocate_reinvestment(
        META,
        AllocateReinvestment(
            company_id=company,
            year=2024,
            service="老年食堂补贴",
            amount_fen=100_000,
            allocated_on=date(2024, 12, 1),
            beneficiary_count=10,
        ),
    ).part_id
    tenant.things |= {
        Kind.FUND_USE: str(use),
        Kind.COMMUNITY_COMPANY: str(company),
        Kind.BUSINESS_ENTRY: str(entry),
        Kind.REINVESTMENT: str(allocation),
    }


def _engagement(app: Gongzhi, tenant: Tenant) -> None:
    """A resident's complaint and a dispute between a household and the company."""
    complaint = app.file_complaint(
        META,
        FileComplaint(
            community_id=tenant.community,
            category=ComplaintCategory.REPAIRS,
            channel=ComplaintChannel.RESIDENT,
            description="电梯停运",
            unit_id=tenant.unit,
        ),
    ).id
    dispute = app.open_dispute(
        META,
        OpenDispute(
            community_id=tenant.community,
            subject="楼上漏水",
            parties=[
                DisputeParty("甲", PartyKind.OWNER, unit_id=tenant.unit),
                DisputeParty("物业", PartyKind.COMPANY, company_id=tenant.company),
            ],
            opened_on=date(2024, 6, 1),
        ),
    ).id
    tenant.things |= {Kind.COMPLAINT: str(complaint), Kind.DISPUTE: str(dispute)}


def _participation(app: Gongzhi, tenant: Tenant) -> None:
    """An open survey of the community and a reward in its catalogue."""
    now = datetime.now(BUSINESS_TZ)
    survey = app.create_survey(
        META,
        CreateSurvey(
            title="物业服务满意度",
            community_ids=[tenant.community],
            questions=[SurveyQuestion("总体", QuestionKind.RATING)],
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=13),
        ),
    ).id
    reward = app.add_reward(
        META, AddReward(community_id=tenant.community, name="洗衣液", price_points=10, stock=5)
    ).id
    tenant.things |= {Kind.SURVEY: str(survey), Kind.REWARD: str(reward)}


def _committee(app: Gongzhi, tenant: Tenant) -> None:
    """An interim committee (物管会) of three registered persons."""
    people = [app.register_person(META, RegisterPerson(name=f"委员{i}")).id for i in range(3)]
    roles = [MemberRole.DIRECTOR, MemberRole.DEPUTY_DIRECTOR, MemberRole.MEMBER]
    committee = app.appoint_interim_committee(
        META,
        AppointInterimCommittee(
            community_id=tenant.community,
            appointed_on=business_today() - timedelta(days=10),
            term_ends_on=business_today() + timedelta(days=600),
            members=[
                CommitteeMember(person, f"委员{i}", role)
                for i, (person, role) in enumerate(zip(people, roles, strict=True))
            ],
        ),
    ).id
    tenant.things[Kind.COMMITTEE] = str(committee)


@pytest.fixture
def tenants(api: Api) -> tuple[Tenant, Tenant]:

    mine = build_tenant(api, "幸福里", "红塔区", credit_code(random.Random(1)), "甲")
    theirs = build_tenant(api, "和平苑", "江川区", credit_code(random.Random(2)), "乙")
    api.settle()
    return mine, theirs
