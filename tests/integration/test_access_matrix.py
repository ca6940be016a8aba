"""The access model: every role through every operation → allowed, denied, or filtered.

Grows with every feature: add the operation to OPERATIONS and its row to EXPECTED.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import graphql
import pytest

from gongzhi.application.owners import RegisterPerson
from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.schema import schema
from tests.integration.conftest import Api
from tests.integration.test_graphql_common_income import (
    COMMON_INCOME_EXPECTED,
    COMMON_INCOME_OPERATIONS,
)
from tests.integration.test_graphql_communities import register
from tests.integration.test_graphql_community_companies import (
    COMMUNITY_COMPANY_EXPECTED,
    COMMUNITY_COMPANY_OPERATIONS,
)
from tests.integration.test_graphql_contracts import (
    matrix_award,
    matrix_decline,
    matrix_dismiss,
    matrix_hand_over,
    matrix_read,
    matrix_start,
)
from tests.integration.test_graphql_credit import CREDIT_EXPECTED, CREDIT_OPERATIONS
from tests.integration.test_graphql_engagement import (
    ENGAGEMENT_EXPECTED,
    ENGAGEMENT_OPERATIONS,
)
from tests.integration.test_graphql_facilities import FACILITY_EXPECTED, FACILITY_OPERATIONS
from tests.integration.test_graphql_fees import FEES_EXPECTED, FEES_OPERATIONS
from tests.integration.test_graphql_fund import FUND_EXPECTED, FUND_OPERATIONS
from tests.integration.test_graphql_health import HEALTH_EXPECTED, HEALTH_OPERATIONS
from tests.integration.test_graphql_meters import METER_EXPECTED, METER_OPERATIONS
from tests.integration.test_graphql_notices import NOTICE_EXPECTED, NOTICE_OPERATIONS
from tests.integration.test_graphql_participation import (
    PARTICIPATION_EXPECTED,
    PARTICIPATION_OPERATIONS,
)
from tests.integration.test_graphql_payment_orders import (
    PAYMENT_ORDER_EXPECTED,
    PAYMENT_ORDER_OPERATIONS,
)
from tests.integration.test_graphql_reconciliation import (
    RECONCILIATION_EXPECTED,
    RECONCILIATION_OPERATIONS,
)
from tests.integration.test_graphql_red_property import (
    RED_PROPERTY_EXPECTED,
    RED_PROPERTY_OPERATIONS,
)
from tests.integration.test_graphql_work_orders import (
    WORK_ORDER_EXPECTED,
    WORK_ORDER_OPERATIONS,
)


@dataclass
class World:
    """红塔区: 幸福里 (served by 安居物业) and 和平苑 (served by 红塔物业); 江川区: 向阳新村 (托管)."""

    xingfu: str
    heping: str
    xiangyang: str
    anju: str
    hongta: str
    unit: str


def company(api: Api, name: str, code: str) -> str:
    result = api.gql(
        """mutation($name: String!, $code: String!) { registerCompany(input: {
        name: $name, creditCode: $code, reason: "备案"}) { ... on CompanyPayload { company { id } } } }""",
        {"name": name, "code": code},
    )
    return str(result["registerCompany"]["company"]["id"])


def manage(api: Api, community: str, mode: str, company_id: str | None = None) -> None:
    api.gql(
        """mutation($input: ChangeManagementModeInput!) { changeManagementMode(input: $input) {
        __typename } }""",
        {
            "input": {
                "communityId": community,
                "mode": mode,
                "companyId": company_id,
                "effectiveFrom": "2024-02-01",
                "reason": "确定管理模式",
            }
        },
    )


@pytest.fixture
def world(api: Api) -> World:
    import random

    from gongzhi.demo import credit_code

    rng = random.Random(5)
    anju = company(api, "安居物业", credit_code(rng))
    hongta = company(api, "红塔物业", credit_code(rng))
    xingfu = register(api, name="幸福里", district="红塔区")["community"]["id"]
    heping = register(api, name="和平苑", district="红塔区")["community"]["id"]
    xiangyang = register(api, name="向阳新村", district="江川区")["community"]["id"]
    manage(api, xingfu, "PROFESSIONAL", anju)
    manage(api, heping, "PROFESSIONAL", hongta)
    manage(api, xiangyang, "COMMUNITY_CUSTODY")
    building = api.gql(
        """mutation($id: ID!) { addBuilding(input: {communityId: $id, number: "1栋",
        floors: 6, hasElevator: false, entranceNumbers: ["1单元"], reason: "入册"}) {
        ... on CommunityPayload { community { buildings { entrances { id } } } } } }""",
        {"id": xingfu},
    )["addBuilding"]["community"]["buildings"][0]["entrances"][0]["id"]
    unit = api.gql(
        """mutation($c: ID!, $e: ID!) { addUnit(input: {communityId: $c, entranceId: $e,
        number: "101", floor: 1, area: "80.00", areaSource: REGISTER, reason: "入册"}) {
        ... on CommunityPayload { partId } } }""",
        {"c": xingfu, "e": building},
    )["addUnit"]["partId"]
    return World(xingfu, heping, xiangyang, anju, hongta, unit)


def principals(world: World) -> dict[str, Principal]:
    return {
        "admin": Principal(subject="admin", role=Role.PLATFORM_ADMIN),
        "regulator": Principal(subject="reg", role=Role.REGULATOR, districts=("红塔区",)),
        "company": Principal(subject="staff", role=Role.COMPANY_STAFF, company_id=UUID(world.anju)),
        "committee": Principal(
            subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(world.xingfu)
        ),
        "resident": Principal(subject="owner", role=Role.RESIDENT, unit_ids=(UUID(world.unit),)),
    }


def typename(api: Api, query: str, variables: dict[str, Any], who: Principal) -> str:
    data = api.gql(query, variables, as_=who)
    value = next(iter(data.values()))
    return str(value["__typename"])


def outcome(kind: str) -> str:
    """A success payload is "allowed", Forbidden is "denied"; anything else is a test bug."""
    if kind == "Forbidden":
        return "denied"
    assert kind.endswith("Payload") or kind in {
        "DistrictStatistics",
        "HistoryConnection",
        "CommitteeCoverage",
        "AuditVerification",
        "PersonalDataAccessConnection",
        "ExportLink",
        "Viewer",
    }, kind
    return "allowed"


MODES = {"admin": "OWNER_SELF", "reg": "WORK_UNIT", "staff": "NONE", "ywh": "NONE", "owner": "NONE"}


def code_for(p: Principal) -> str:
    import random

    from gongzhi.demo import credit_code

    return credit_code(random.Random(p.subject))


Operation = Callable[[Api, World, Principal], object]

OPERATIONS: dict[str, Operation] = {
    **RED_PROPERTY_OPERATIONS,  # 红色物业 (issue 3)
    **FEES_OPERATIONS,  # 物业费 (issue 4)
    **PAYMENT_ORDER_OPERATIONS,  # 在线缴费 (issue 16)
    **METER_OPERATIONS,  # 抄表 (issue 16)
    **RECONCILIATION_OPERATIONS,  # 对账 (issue 16)
    **FUND_OPERATIONS,  # 维修资金 (issue 4)
    **COMMON_INCOME_OPERATIONS,  # 公共收益 (issue 4)
    **COMMUNITY_COMPANY_OPERATIONS,  # 强社惠民公司 (issue 4)
    **ENGAGEMENT_OPERATIONS,  # 投诉, 矛盾纠纷 (issue 5)
    **NOTICE_OPERATIONS,  # 通知, 公示, 催缴 (issue 15)
    **PARTICIPATION_OPERATIONS,  # 满意度, 积分 (issue 5)
    **WORK_ORDER_OPERATIONS,  # 报事报修 (issue 5)
    **FACILITY_OPERATIONS,  # 设施与巡检 (issue 5)
    **CREDIT_OPERATIONS,  # 信用评价 (issue 5)
    **HEALTH_OPERATIONS,  # 健康指数 (issue 5)
    # --- service contracts (issue 3) ---
    "awardContract": lambda api, w, p: outcome(matrix_award(api, w, p)),
    "startContract": lambda api, w, p: outcome(matrix_start(api, w, p)),
    "giveDismissalNotice": lambda api, w, p: outcome(matrix_dismiss(api, w, p)),
    "giveNonRenewalNotice": lambda api, w, p: outcome(matrix_decline(api, w, p)),
    "handOverContract": lambda api, w, p: outcome(matrix_hand_over(api, w, p)),
    "contracts of 幸福里": lambda api, w, p: matrix_read(api, w.xingfu, p),
    "contracts of 向阳新村": lambda api, w, p: matrix_read(api, w.xiangyang, p),
    "registerCommunity in 红塔区": lambda api, w, p: outcome(
        typename(
            api,
            """mutation {
        registerCommunity(input: {name: "新小区", district: "红塔区", street: "玉兴街道",
        reason: "登记"}) { __typename } }""",
            {},
            p,
        )
    ),
    "renameCommunity 幸福里": lambda api, w, p: outcome(
        typename(
            api,
            """mutation(
        $id: ID!, $name: String!) {
        renameCommunity(input: {communityId: $id, name: $name, reason: "更名"}) {
        __typename } }""",
            {"id": w.xingfu, "name": f"幸福里-{p.subject}"},
            p,
        )
    ),
    "addBuilding to 幸福里": lambda api, w, p: outcome(
        typename(
            api,
            """mutation(
        $id: ID!, $number: String!) {
        addBuilding(input: {communityId: $id, number: $number, floors: 5, hasElevator: false,
        reason: "补录"}) { __typename } }""",
            {"id": w.xingfu, "number": f"9栋-{p.subject}"},
            p,
        )
    ),
    "changeManagementMode 幸福里": lambda api, w, p: outcome(
        typename(
            api,
            """mutation(
        $id: ID!, $mode: ManagementMode!) {
        changeManagementMode(input: {communityId: $id, mode: $mode,
        effectiveFrom: "2024-09-01", reason: "业主自管"}) { __typename } }""",
            {"id": w.xingfu, "mode": MODES[p.subject]},
            p,
        )
    ),
    "registerCompany": lambda api, w, p: outcome(
        typename(
            api,
            """mutation($code: String!) {
        registerCompany(input: {name: "新物业", creditCode: $code, reason: "备案"}) {
        __typename } }""",
            {"code": code_for(p)},
            p,
        )
    ),
    "renameCompany 安居物业": lambda api, w, p: outcome(
        typename(
            api,
            """mutation(
        $id: ID!, $name: String!) {
        renameCompany(input: {companyId: $id, name: $name, reason: "更名"}) {
        __typename } }""",
            {"id": w.anju, "name": f"安居物业-{p.subject}"},
            p,
        )
    ),
    "list communities": lambda api, w, p: sorted(
        edge["node"]["name"]
        for edge in api.gql(
            """{ communities(first: 100) {
        ... on CommunityConnection { edges { node { name } } } } }""",
            as_=p,
        )["communities"]["edges"]
    ),
    "list companies": lambda api, w, p: sorted(
        edge["node"]["name"]
        for edge in api.gql(
            """{ companies(first: 100) {
        ... on CompanyConnection { edges { node { name } } } } }""",
            as_=p,
        )["companies"]["edges"]
    ),
    "units of 幸福里": lambda api, w, p: (
        lambda c: (
            "hidden"
            if c["__typename"] == "NotFound"
            else len([u for b in c["buildings"] for e in b["entrances"] for u in e["units"]])
        )
    )(
        api.gql(
            """query($id: ID!) { community(id: $id) { __typename ... on Community {
        buildings { entrances { units { id } } } } } }""",
            {"id": w.xingfu},
            as_=p,
        )["community"]
    ),
    "districtStatistics 红塔区": lambda api, w, p: outcome(
        typename(
            api,
            """{
        districtStatistics(district: "红塔区") { __typename } }""",
            {},
            p,
        )
    ),
    "history of 幸福里": lambda api, w, p: outcome(
        typename(
            api,
            """query($id: ID!) {
        history(id: $id) { __typename } }""",
            {"id": w.xingfu},
            p,
        )
    ),
    "history of 安居物业": lambda api, w, p: outcome(
        typename(
            api,
            """query($id: ID!) {
        history(id: $id) { __typename } }""",
            {"id": w.anju},
            p,
        )
    ),
    # --- owners and decisions (issue 3) ---
    "registerPerson": lambda api, w, p: outcome(
        typename(
            api,
            """mutation($name: String!) { registerPerson(input: {name: $name, reason: "登记"}) {
        __typename } }""",
            {"name": f"业主-{p.subject}"},
            p,
        )
    ),
    "recordOwnership in 幸福里": lambda api, w, p: outcome(
        typename(
            api,
            """mutation($c: ID!, $u: ID!, $o: ID!) { recordOwnership(input: {communityId: $c,
        unitId: $u, owners: [{personId: $o}], on: "2020-01-01", reason: "过户"}) { __typename } }""",
            {"c": w.xingfu, "u": w.unit, "o": str(new_person(api, p.subject))},
            p,
        )
    ),
    "proposeDecision in 幸福里": lambda api, w, p: outcome(
        typename(
            api,
            """mutation($c: ID!) { proposeDecision(input: {communityId: $c, scope: COMMUNITY,
        matter: OTHER_MAJOR, title: "增设充电桩", opensAt: "2030-01-01T00:00:00+08:00",
        closesAt: "2030-01-15T00:00:00+08:00", reason: "业主提议"}) { __typename } }""",
            {"c": w.xingfu},
            p,
        )
    ),
}


def new_person(api: Api, subject: str) -> UUID:
    from gongzhi.application.base import Meta

    # Registered by the caller: a person linked nowhere yet is the registrant's alone.
    meta = Meta(actor=subject, reason="test owner", actor_role="PLATFORM_ADMIN")
    person = api.platform.app.register_person(meta, RegisterPerson(name=f"业主-{subject}")).id
    api.settle()
    return person


# --- committees (issue 3): an allowed formation is dissolved again by an admin, so the next
# role's formation is not refused as a second committee.
SUBJECTS = ["admin", "reg", "staff", "ywh", "owner"]


def _day(days_from_today: int) -> str:
    from datetime import timedelta

    from gongzhi.application.base import business_today

    return (business_today() + timedelta(days=days_from_today)).isoformat()


def _formed_then_cleared(api: Api, query: str, fields: dict[str, Any], p: Principal) -> str:
    from tests.integration.test_graphql_committees import DISSOLVE, call

    result = call(api, query, as_=p, **fields)
    if result["__typename"] == "CommitteePayload":
        call(
            api,
            DISSOLVE,
            as_=Principal(subject="admin", role=Role.PLATFORM_ADMIN),
            committeeId=result["committee"]["id"],
            dissolvedOn=_day(0),
            cause="访问矩阵清理",
        )
    return outcome(result["__typename"])


def _committee_ops() -> dict[str, Operation]:
    from tests.integration.test_graphql_committees import (
        APPOINT,
        CHANGE,
        COMMITTEES,
        COVERAGE,
        FORM,
        call,
        ensure_interim,
        members,
        rotate_director,
    )

    return {
        "formPreparatoryGroup in 幸福里": lambda api, w, p: _formed_then_cleared(
            api, FORM, {"communityId": w.xingfu, "groupMembers": [f"筹备组-{p.subject}"]}, p
        ),
        "appointInterimCommittee in 幸福里": lambda api, w, p: _formed_then_cleared(
            api,
            APPOINT,
            {
                "communityId": w.xingfu,
                "appointedOn": _day(0),
                "termEndsOn": _day(700),
                "members": members(api, w.xingfu, 3),
            },
            p,
        ),
        "changeCommitteeMembers in 幸福里": lambda api, w, p: outcome(
            call(
                api,
                CHANGE,
                as_=p,
                committeeId=ensure_interim(api, w.xingfu)["id"],
                members=rotate_director(
                    ensure_interim(api, w.xingfu), SUBJECTS.index(p.subject) + 1
                ),
                changedOn=_day(0),
            )["__typename"]
        ),
        "committees of 和平苑": lambda api, w, p: (
            lambda r: "hidden" if r["__typename"] == "NotFound" else len(r["committees"])
        )(
            (ensure_interim(api, w.heping), api.gql(COMMITTEES, {"id": w.heping}, as_=p))[1][
                "committees"
            ]
        ),
        "committeeCoverage 红塔区": lambda api, w, p: outcome(
            api.gql(COVERAGE, {"district": "红塔区"}, as_=p)["committeeCoverage"]["__typename"]
        ),
        "history of 幸福里's committee": lambda api, w, p: outcome(
            typename(
                api,
                """query($id: ID!) { history(id: $id) { __typename } }""",
                {"id": ensure_interim(api, w.xingfu)["id"]},
                p,
            )
        ),
    }


OPERATIONS.update(_committee_ops())

ALL = ["向阳新村", "和平苑", "幸福里"]
EXPECTED: dict[str, dict[str, object]] = {
    **RED_PROPERTY_EXPECTED,  # 红色物业 (issue 3)
    **FEES_EXPECTED,  # 物业费 (issue 4)
    **PAYMENT_ORDER_EXPECTED,  # 在线缴费 (issue 16)
    **METER_EXPECTED,  # 抄表 (issue 16)
    **RECONCILIATION_EXPECTED,  # 对账 (issue 16)
    **FUND_EXPECTED,  # 维修资金 (issue 4)
    **COMMON_INCOME_EXPECTED,  # 公共收益 (issue 4)
    **COMMUNITY_COMPANY_EXPECTED,  # 强社惠民公司 (issue 4)
    **ENGAGEMENT_EXPECTED,  # 投诉, 矛盾纠纷 (issue 5)
    **NOTICE_EXPECTED,  # 通知, 公示, 催缴 (issue 15)
    **PARTICIPATION_EXPECTED,  # 满意度, 积分 (issue 5)
    **WORK_ORDER_EXPECTED,  # 报事报修 (issue 5)
    **FACILITY_EXPECTED,  # 设施与巡检 (issue 5)
    **CREDIT_EXPECTED,  # 信用评价 (issue 5)
    **HEALTH_EXPECTED,  # 健康指数 (issue 5)
    # --- service contracts (issue 3) ---
    "awardContract": dict(
        admin="allowed",
        regulator="allowed",
        company="denied",
        committee="denied",
        resident="denied",
    ),
    "startContract": dict(
        admin="allowed",
        regulator="allowed",
        company="denied",
        committee="denied",
        resident="denied",
    ),
    "giveDismissalNotice": dict(
        admin="allowed",
        regulator="denied",
        company="denied",
        committee="allowed",
        resident="denied",
    ),
    "giveNonRenewalNotice": dict(
        admin="allowed",
        regulator="denied",
        company="allowed",
        committee="denied",
        resident="denied",
    ),
    "handOverContract": dict(
        admin="allowed",
        regulator="allowed",
        company="denied",
        committee="denied",
        resident="denied",
    ),
    "contracts of 幸福里": dict(
        admin="visible",
        regulator="visible",
        company="visible",
        committee="visible",
        resident="visible",
    ),
    "contracts of 向阳新村": dict(
        admin="visible",
        regulator="hidden",
        company="hidden",
        committee="hidden",
        resident="hidden",
    ),
    #                         admin      regulator   company    committee  resident
    "registerCommunity in 红塔区": dict(
        admin="allowed",
        regulator="allowed",
        company="denied",
        committee="denied",
        resident="denied",
    ),
    "renameCommunity 幸福里": dict(
        admin="allowed",
        regulator="allowed",
        company="allowed",
        committee="denied",
        resident="denied",
    ),
    "addBuilding to 幸福里": dict(
        admin="allowed",
        regulator="allowed",
        company="allowed",
        committee="denied",
        resident="denied",
    ),
    "changeManagementMode 幸福里": dict(
        admin="allowed",
        regulator="allowed",
        company="denied",
        committee="denied",
        resident="denied",
    ),
    "registerCompany": dict(
        admin="allowed",
        regulator="allowed",
        company="denied",
        committee="denied",
        resident="denied",
    ),
    "renameCompany 安居物业": dict(
        admin="allowed",
        regulator="allowed",
        company="allowed",
        committee="denied",
        resident="denied",
    ),
    "list communities": dict(
        admin=ALL,
        regulator=["和平苑", "幸福里"],
        company=["幸福里"],
        committee=["幸福里"],
        resident=["幸福里"],
    ),
    "list companies": dict(
        admin=["安居物业", "红塔物业"],
        regulator=["安居物业", "红塔物业"],
        company=["安居物业"],
        committee=["安居物业"],
        resident=["安居物业"],
    ),
    "units of 幸福里": dict(admin=1, regulator=1, company=1, committee=1, resident=1),
    "districtStatistics 红塔区": dict(
        admin="allowed",
        regulator="allowed",
        company="denied",
        committee="denied",
        resident="denied",
    ),
    "history of 幸福里": dict(
        admin="allowed",
        regulator="allowed",
        company="allowed",
        committee="allowed",
        resident="denied",
    ),
    "history of 安居物业": dict(
        admin="allowed",
        regulator="allowed",
        company="allowed",
        committee="denied",
        resident="denied",
    ),
    "registerPerson": dict(
        admin="allowed",
        regulator="allowed",
        company="allowed",
        committee="allowed",
        resident="denied",
    ),
    "recordOwnership in 幸福里": dict(
        admin="allowed",
        regulator="allowed",
        company="allowed",
        committee="allowed",
        resident="denied",
    ),
    "proposeDecision in 幸福里": dict(
        admin="allowed",
        regulator="allowed",
        company="denied",
        committee="allowed",
        resident="denied",
    ),
}


ADMIN_AND_REGULATOR = dict(
    admin="allowed", regulator="allowed", company="denied", committee="denied", resident="denied"
)
EXPECTED.update(
    {
        "formPreparatoryGroup in 幸福里": ADMIN_AND_REGULATOR,
        "appointInterimCommittee in 幸福里": ADMIN_AND_REGULATOR,
        "changeCommitteeMembers in 幸福里": dict(
            admin="allowed",
            regulator="allowed",
            company="denied",
            committee="allowed",
            resident="denied",
        ),
        "committees of 和平苑": dict(
            admin=1, regulator=1, company="hidden", committee="hidden", resident="hidden"
        ),
        "committeeCoverage 红塔区": ADMIN_AND_REGULATOR,
        "history of 幸福里's committee": dict(
            admin="allowed",
            regulator="allowed",
            company="allowed",
            committee="allowed",
            resident="denied",
        ),
    }
)


def verify_kept_checkpoint(api: Api, _: World, who: Principal) -> str:
    """A committee's check of a checkpoint the platform admin made (and the committee kept)."""
    made = api.gql(
        """mutation { checkpointAudit(input: {reason: "审计前封存"}) { __typename
        ... on AuditSealPayload { checkpoint { position headHash sealedAt signature } } } }"""
    )["checkpointAudit"]
    assert made["__typename"] == "AuditSealPayload", made
    return outcome(
        typename(
            api,
            """query($c: AuditCheckpointInput!) { verifyAuditSeal(checkpoint: $c) {
            __typename } }""",
            {"c": made["checkpoint"]},
            who,
        )
    )


# 个人信息 and 防篡改 (issue 12): who reads the access log and the audit seal.
OPERATIONS.update(
    {
        "personalDataAccess": lambda api, w, p: outcome(
            typename(api, "{ personalDataAccess { __typename } }", {}, p)
        ),
        "auditSeal": lambda api, w, p: outcome(
            typename(api, "{ auditSeal { __typename } }", {}, p)
        ),
        "verifyAuditSeal of a kept checkpoint": verify_kept_checkpoint,
        # 我 (issue 17): every role reads itself, and only itself (no argument names another)
        "viewer": lambda api, w, p: outcome(typename(api, "{ viewer { __typename } }", {}, p)),
        # 导出 (issue 15): an export link is refused as its query is (every export against its
        # query, role by role: tests/integration/test_exports.py); one row keeps it here
        "exportLink of 幸福里's arrears": lambda api, w, p: outcome(
            typename(
                api,
                """query($c: ID) { exportLink(kind: ARREARS, format: CSV,
                arguments: {communityId: $c}) { __typename } }""",
                {"c": w.xingfu},
                p,
            )
        ),
    }
)
AUDITORS = dict(
    admin="allowed", regulator="allowed", company="allowed", committee="allowed", resident="denied"
)
EXPECTED.update(
    {
        "personalDataAccess": dict(
            admin="allowed",
            regulator="denied",
            company="denied",
            committee="denied",
            resident="denied",
        ),
        "auditSeal": AUDITORS,
        "verifyAuditSeal of a kept checkpoint": AUDITORS,
        "viewer": dict(
            admin="allowed",
            regulator="allowed",
            company="allowed",
            committee="allowed",
            resident="allowed",
        ),
        "exportLink of 幸福里's arrears": dict(
            admin="allowed",
            regulator="allowed",
            company="allowed",
            committee="allowed",
            resident="denied",
        ),
    }
)


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_access_matrix(api: Api, world: World, operation: str) -> None:
    # Given every role, each with its own scope
    # When each performs the operation (reads first, so a rename does not change the names)
    observed = {
        role: OPERATIONS[operation](api, world, who) for role, who in principals(world).items()
    }
    # Then the outcome matches the matrix
    assert observed == EXPECTED[operation]


def test_every_operation_has_a_row_in_the_matrix() -> None:
    assert set(OPERATIONS) == set(EXPECTED)


def test_a_resident_sees_only_own_units_and_other_scopes_hide_other_districts(
    api: Api, world: World
) -> None:
    # Given a second unit in 幸福里 that the resident does not own
    entrance = api.gql(
        """query($id: ID!) { community(id: $id) { ... on Community {
        buildings { entrances { id } } } } }""",
        {"id": world.xingfu},
    )["community"]
    entrance_id = entrance["buildings"][0]["entrances"][0]["id"]
    api.gql(
        """mutation($c: ID!, $e: ID!) { addUnit(input: {communityId: $c, entranceId: $e,
        number: "102", floor: 1, area: "70.00", areaSource: REGISTER, reason: "入册"}) {
        __typename } }""",
        {"c": world.xingfu, "e": entrance_id},
    )
    query = """query($id: ID!) { community(id: $id) { ... on Community { buildings {
        entrances { units { number } } } } } }"""
    who = principals(world)
    units = lambda p: [
        u["number"]
        for b in api.gql(query, {"id": world.xingfu}, as_=p)["community"]["buildings"]
        for e in b["entrances"]
        for u in e["units"]
    ]
    assert units(who["resident"]) == ["101"]
    assert sorted(units(who["committee"])) == ["101", "102"]


# Queries no row of the matrix calls yet, each with what covers it meanwhile. The list may only
# shrink: a new query without a row fails ``test_every_query_has_a_row_in_the_matrix``.
NOT_IN_THE_MATRIX = dict.fromkeys(
    [
        *("committee", "commonIncomeAllocation", "commonIncomePeriods", "communityCompanyLedger"),
        *("company", "companyWorkOrderPerformance", "contract", "creditEvaluations"),
        *("creditRuleSets", "decision", "decisionPublicity", "decisions", "demonstrationRuleSets"),
        *("demonstrationTitle", "demonstrationTitles", "disputeStatistics", "districtSnapshots"),
        *("facility", "feeBills", "feeLedger", "feeRates", "feeSchedule", "fundLedger"),
        *("fundUses", "healthConfigs", "healthRanking", "inspectionRuleSets"),
        *("partyOrganisation", "persons", "reinvestmentAllocations", "surveyResults", "workOrder"),
    ],
    "the scope matrix (test_scope_matrix.py) and its feature's tests",
)


class Recording(Api):
    """The test API, noting the root field of every query it sends."""

    queries: set[str]

    def post(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        for definition in graphql.parse(query).definitions:
            if (
                isinstance(definition, graphql.OperationDefinitionNode)
                and definition.operation == graphql.OperationType.QUERY
            ):
                self.queries.update(
                    s.name.value
                    for s in definition.selection_set.selections
                    if isinstance(s, graphql.FieldNode)
                )
        return super().post(query, variables, **kwargs)


def test_every_query_has_a_row_in_the_matrix(api: Api, world: World) -> None:
    # Given the API noting which queries it is sent
    recording = Recording(api.client, api.settings, api.platform)
    recording.queries = set()
    # When every operation of the matrix runs once, as the platform admin
    admin = principals(world)["admin"]
    for operation in OPERATIONS.values():
        # One world for all: a step that needs the matrix's fresh world may fail here, after
        # its queries were sent and noted (what each answers is test_access_matrix's).
        with contextlib.suppress(Exception):
            operation(recording, world, admin)
    # Then every query of the schema was called by some row, or is listed as not yet
    query_type = schema._schema.query_type
    assert query_type is not None
    missing = set(query_type.fields) - recording.queries - set(NOT_IN_THE_MATRIX)
    assert not missing, f"queries with no row in the matrix: {sorted(missing)}"
    # and the list of those not yet in it holds none that is in it now
    stale = sorted(recording.queries & set(NOT_IN_THE_MATRIX))
    assert not stale, f"in the matrix now, take them off NOT_IN_THE_MATRIX: {stale}"
