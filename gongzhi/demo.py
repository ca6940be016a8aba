"""A realistic demo district: communities with buildings and units, companies, mixed modes.

Loaded through the application services, so every demo event has an actor and a reason
like any other. The same generator (with other sizes) feeds tests and benchmarks.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

from gongzhi.application.app import Gongzhi
from gongzhi.application.base import Meta, business_today
from gongzhi.application.communities import (
    AddBuilding,
    AddUnit,
    ChangeManagementMode,
    RegisterCommunity,
    RenovationItem,
)
from gongzhi.application.companies import RegisterCompany
from gongzhi.application.contracts import AwardContract, StartContract
from gongzhi.application.decisions import (
    CastBallot,
    CloseDecision,
    ProposeDecision,
    ShareElevatorCost,
)
from gongzhi.application.owners import HoldByDeveloper, OwnerShare, RecordOwnership, RegisterPerson
from gongzhi.domain.community import Community
from gongzhi.domain.company import PropertyCompany
from gongzhi.domain.contract import PricingModel
from gongzhi.domain.decision import Channel, Decision, Scope
from gongzhi.domain.person import id_check_character
from gongzhi.domain.tally import Matter
from gongzhi.domain.values import (
    CREDIT_CODE_ALPHABET,
    AreaSource,
    ManagementMode,
    RenovationCategory,
    credit_code_check_character,
)

DISTRICTS = {
    "红塔区": ["玉兴街道", "凤凰路街道", "北城街道", "春和街道"],
    "江川区": ["大街街道", "宁海街道"],
    "澄江市": ["凤麓街道", "龙街街道"],
}
NAME_PARTS = (
    [
        "幸福",
        "和平",
        "东风",
        "向阳",
        "团结",
        "建设",
        "红旗",
        "光明",
        "文化",
        "人民",
        "新华",
        "前进",
    ],
    ["里", "苑", "小区", "新村", "家园", "花园"],
)
COMPANY_NAMES = [
    "玉溪市安居物业服务有限公司",
    "云南红塔物业管理有限公司",
    "玉溪惠民物业服务有限公司",
    "江川宁海物业有限公司",
    "澄江抚仙物业服务有限公司",
    "玉溪城投物业管理有限公司",
]
RENOVATION_ITEMS = [
    RenovationItem(RenovationCategory.BASIC, "供水供电供气管网改造"),
    RenovationItem(RenovationCategory.BASIC, "屋面防水与外墙保温"),
    RenovationItem(RenovationCategory.IMPROVEMENT, "加装电梯"),
    RenovationItem(RenovationCategory.IMPROVEMENT, "停车场与电动自行车充电设施"),
    RenovationItem(RenovationCategory.ENHANCEMENT, "社区养老托育服务设施"),
    RenovationItem(RenovationCategory.ENHANCEMENT, "智慧安防与门禁"),
]
MODE_WEIGHTS = {
    # Shaped after Yuxi's figures: professional 519, custody 266, work unit 255, owners 747;
    # plus a share still unmanaged (无物业小区), the thing "清零" campaigns count down.
    "PROFESSIONAL": 519,
    "COMMUNITY_CUSTODY": 266,
    "WORK_UNIT": 255,
    "OWNER_SELF": 747,
    "NONE": 180,
}
DEMO_META = Meta(actor="demo-loader", reason="load the demo district", actor_role="PLATFORM_ADMIN")


def credit_code(rng: random.Random) -> str:
    """A well-formed 统一社会信用代码 for a company registered in Yuxi (5304xx)."""
    body = "91" + "530402" + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    return body + credit_code_check_character(body)


@dataclass
class DemoSummary:
    communities: list[UUID] = field(default_factory=list)
    companies: list[UUID] = field(default_factory=list)
    units: int = 0
    position: int = 0
    community_companies: list[UUID] = field(default_factory=list)


def load_demo(
    app: Gongzhi,
    *,
    communities: int = 36,
    seed: int = 2024,
    meta: Meta = DEMO_META,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Register companies and ``communities`` communities through the services."""
    rng = random.Random(seed)
    summary = DemoSummary()
    for name in COMPANY_NAMES:
        done = app.register_company(meta, RegisterCompany(name=name, credit_code=credit_code(rng)))
        summary.companies.append(done.id)
    for index in range(communities):
        district = rng.choice(list(DISTRICTS))
        built = rng.randint(1980, 2000)
        registered_on = date(2023, 1, 1) + timedelta(days=rng.randint(0, 300))
        done = app.register_community(
            meta,
            RegisterCommunity(
                name=f"{rng.choice(NAME_PARTS[0])}{rng.choice(NAME_PARTS[1])}{index + 1}号",
                district=district,
                street=rng.choice(DISTRICTS[district]),
                address=f"{district}{rng.randint(1, 300)}号",
                year_built=built,
                renovation_completed_on=registered_on - timedelta(days=rng.randint(30, 400)),
                renovation_items=rng.sample(RENOVATION_ITEMS, k=rng.randint(1, 4)),
                registered_on=registered_on,
            ),
        )
        community_id = done.id
        summary.communities.append(community_id)
        for building_no in range(1, rng.randint(2, 6)):
            floors = rng.choice([5, 6, 6, 7])
            app.add_building(
                meta,
                AddBuilding(
                    community_id=community_id,
                    number=f"{building_no}栋",
                    floors=floors,
                    has_elevator=rng.random() < 0.2,
                    entrance_numbers=[f"{n}单元" for n in range(1, rng.randint(2, 4))],
                ),
            )
            community = app.community(community_id)
            building = next(
                b for b in community.buildings.values() if b.number == f"{building_no}栋"
            )
            for entrance in building.entrances.values():
                for floor in range(1, floors + 1):
                    for door in (1, 2):
                        area = Decimal(rng.randint(4500, 12000)) / 100
                        source = rng.choice(["REGISTER"] * 8 + ["SURVEY", "SALE_CONTRACT"])
                        done = app.add_unit(
                            meta,
                            AddUnit(
                                community_id=community_id,
                                entrance_id=entrance.id,
                                number=f"{floor}0{door}",
                                floor=floor,
                                area=area,
                                area_source=AreaSource(source),
                            ),
                        )
                        summary.units += 1
        mode = rng.choices(list(MODE_WEIGHTS), weights=list(MODE_WEIGHTS.values()))[0]
        company = rng.choice(summary.companies) if mode == "PROFESSIONAL" else None
        if index == 0 and company is None:
            # The showcase with owners: they vote to hire the serving company. Chosen without
            # drawing, so the other communities come out as before.
            mode, company = "PROFESSIONAL", summary.companies[0]
        done = app.change_management_mode(
            meta,
            ChangeManagementMode(
                community_id=community_id,
                mode=ManagementMode(mode),
                company_id=company,
                effective_from=registered_on + timedelta(days=rng.randint(0, 60)),
            ),
        )
        summary.position = done.position
        if mode == "COMMUNITY_CUSTODY":
            summary.position = _custody_contract(app, meta, community_id, registered_on)
        if index < OWNED_COMMUNITIES:
            summary.position = _owners_and_votes(app, meta, community_id, rng, company)
        if progress is not None:
            progress(index + 1)
    # 强社惠民公司 (issue 4); imported here: that module builds on this one's credit codes.
    from gongzhi.demo_community_companies import load_community_companies

    summary.community_companies, position = load_community_companies(
        app, meta, summary.communities, seed
    )
    summary.position = max(summary.position, position)
    # Facilities, repairs, fees, complaints and the health run request (issues 4 and 5).
    from gongzhi.demo_operations import load_operations

    summary.position = max(summary.position, load_operations(app, meta, summary.communities, seed))
    return summary


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
OWNED_COMMUNITIES = 2  # the first communities get owners, a passed vote and an open one


def demo_id_number(seed: UUID) -> str:
    """A well-formed 身份证号 (玉溪市红塔区, born 1950-1999) derived from ``seed``, without
    drawing from the demo's random sequence (the rest of the demo stays as it was)."""
    n = seed.int
    first17 = (
        f"530402{1950 + n % 50}{1 + n // 50 % 12:02d}{1 + n // 600 % 28:02d}{n // 16800 % 1000:03d}"
    )
    return first17 + id_check_character(first17)


def _custody_contract(app: Gongzhi, meta: Meta, community_id: UUID, on: date) -> int:
    """社区托管 arranged by the street office: a contract in force, so the health index's
    NO_SERVICE flag is raised only where nobody has one."""
    contract = app.award_contract(
        meta,
        AwardContract(
            community_id=community_id,
            mode=ManagementMode.COMMUNITY_CUSTODY,
            term_start=on,
            fee_per_m2_month=Decimal("0.5"),
            pricing=PricingModel.LUMP_SUM,
            signed_on=on,
        ),
    ).id
    return app.start_contract(meta, StartContract(contract_id=contract, started_on=on)).position


def _owners_and_votes(
    app: Gongzhi,
    meta: Meta,
    community_id: UUID,
    rng: random.Random,
    company: UUID | None = None,
) -> int:
    """Owners for every unit (some co-owned, some developer-held), a passed elevator vote with
    its cost shared, the owners' vote hiring the serving company and its contract in force
    (when a company serves), and a vote still open: something to explore in GraphiQL."""
    community = app.community(community_id)
    entrance = next(iter(community.entrance_index.values()))
    now = datetime.now(UTC)
    owners: dict[UUID, UUID] = {}
    for number, unit in enumerate(community.unit_index.values()):
        if number % 17 == 16:
            app.hold_by_developer(
                meta,
                HoldByDeveloper(community_id=community_id, unit_id=unit.id, on=date(2010, 1, 1)),
            )
            continue
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        person = app.register_person(
            meta,
            RegisterPerson(
                name=name,
                phone=f"139{rng.randint(0, 99999999):08d}",
                id_number=demo_id_number(unit.id),
            ),
        ).id
        shares = [(person, Fraction(1))]
        if number % 9 == 0:  # 夫妻共有
            spouse = app.register_person(
                meta, RegisterPerson(name=rng.choice(SURNAMES) + rng.choice(GIVEN))
            ).id
            shares = [(person, Fraction(1, 2)), (spouse, Fraction(1, 2))]
        owners[unit.id] = person
        app.record_ownership(
            meta,
            RecordOwnership(
                community_id=community_id,
                unit_id=unit.id,
                owners=[OwnerShare(p, str(s)) for p, s in (shares)],
                on=date(2001, 6, 1),
            ),
        )
    opens = now - timedelta(days=20)
    passed = app.propose_decision(
        meta,
        ProposeDecision(
            community_id=community_id,
            scope=Scope.ENTRANCE,
            scope_id=entrance.id,
            matter=Matter.ELEVATOR_ADDITION,
            title=f"{entrance.number}加装电梯",
            opens_at=opens,
            closes_at=now - timedelta(days=6),
        ),
    ).id
    voters = [u for u in entrance.units.values() if u.id in owners]
    for unit in voters[: max(1, len(voters) * 5 // 6)]:
        app.cast_ballot(
            meta,
            CastBallot(
                decision_id=passed,
                unit_id=unit.id,
                person_id=owners[unit.id],
                choice="APPROVE",
                channel=Channel.PAPER,
            ),
            at=opens + timedelta(days=2),
        )
    app.close_decision(meta, CloseDecision(decision_id=passed))
    if app.load(Decision, passed, "decisionId").passed():
        app.share_elevator_cost(meta, ShareElevatorCost(decision_id=passed, total_fen=42_000_000))
    if company is not None:
        _hire(app, meta, community_id, company, owners)
    return app.propose_decision(
        meta,
        ProposeDecision(
            community_id=community_id,
            scope=Scope.COMMUNITY,
            scope_id=None,
            matter=Matter.PROPERTY_COMPANY,
            title="续聘物业服务企业",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=13),
        ),
    ).position


def _hire(
    app: Gongzhi,
    meta: Meta,
    community_id: UUID,
    company: UUID,
    owners: dict[UUID, UUID],
) -> None:
    """选聘: the owners vote to hire the serving company (most approve) and its contract comes
    into force today."""
    now = datetime.now(UTC)
    hiring = app.propose_decision(
        meta,
        ProposeDecision(
            community_id=community_id,
            scope=Scope.COMMUNITY,
            scope_id=None,
            matter=Matter.PROPERTY_COMPANY,
            title="选聘物业服务企业",
            opens_at=now - timedelta(days=30),
            closes_at=now - timedelta(days=16),
        ),
    ).id
    for number, (unit_id, person) in enumerate(owners.items()):
        if number % 7 != 6:  # most approve; every seventh stays away (no draw: see above)
            app.cast_ballot(
                meta,
                CastBallot(
                    decision_id=hiring,
                    unit_id=unit_id,
                    person_id=person,
                    choice="APPROVE",
                    channel=Channel.PAPER,
                ),
                at=now - timedelta(days=25),
            )
    app.close_decision(meta, CloseDecision(decision_id=hiring))
    if not app.load(Decision, hiring, "decisionId").passed():
        return
    today = business_today()
    contract = app.award_contract(
        meta,
        AwardContract(
            community_id=community_id,
            mode=ManagementMode.PROFESSIONAL,
            company_id=company,
            decision_id=hiring,
            term_start=today,
            term_end=today + timedelta(days=3 * 365),
            fee_per_m2_month=Decimal("1.2"),
            pricing=PricingModel.LUMP_SUM,
            signed_on=today,
        ),
    ).id
    app.start_contract(meta, StartContract(contract_id=contract, started_on=today))


__all__ = ["Community", "DemoSummary", "PropertyCompany", "load_demo"]
