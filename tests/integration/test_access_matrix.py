"""The access model: every role through every operation → allowed, denied, or filtered.

Grows with every feature: add the operation to OPERATIONS and its row to EXPECTED. A query is
also called across two tenants, with the other tenant's ids: ACROSS_TENANTS and ACROSS_EXPECTED
(every query must be called by some row of either).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import graphql
import pytest

from gongzhi.application.fields import Kind
from gongzhi.application.owners import RegisterPerson
from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.schema import schema
from tests.integration.conftest import Api
from tests.integration.tenants import Tenant
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
    # Then every query of the schema was called by some row, here or across the two tenants
    # (whose test checks that each of its rows sends the query it is named after)
    query_type = schema._schema.query_type
    assert query_type is not None
    missing = set(query_type.fields) - recording.queries - set(ACROSS_TENANTS)
    assert not missing, f"queries with no row in the matrix: {sorted(missing)}"


# --- Queries across two tenants ------------------------------------------------------------
# Every query below is called by each role of the first tenant of ``tests/integration/
# tenants.py`` (幸福里 in 红塔区, served by 甲物业), once naming the first tenant's own things
# ("own") and once the second tenant's (和平苑 in 江川区, served by 乙物业: "other"). An answer
# reads as "seen", "denied" (Forbidden), "hidden:<field>" (NotFound naming the argument) or
# "invalid:<field>" (ValidationError); a list as the number of its rows, after the scope's
# filter ("hidden:period" for one's own community is an answer past the scope check). No
# call shows the second tenant's personal data to a role of the first.


@dataclass(frozen=True)
class Across:
    """A query, the variables it takes from a tenant, and the list it answers (if any)."""

    document: str
    variables: Callable[[Tenant], dict[str, Any]] = lambda t: {}
    # the field of the success member that answers: a list (its length) or a count
    rows: str | None = None


def _last_month() -> str:
    from datetime import timedelta

    from gongzhi.application.base import business_today

    return (business_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def _thing(kind: Kind) -> Callable[[Tenant], dict[str, Any]]:
    return lambda t: {"id": t.things[kind]}


def _community() -> Callable[[Tenant], dict[str, Any]]:
    return lambda t: {"c": str(t.community)}


ACROSS_TENANTS: dict[str, Across] = {
    "committee": Across(
        "query($id: ID!) { committee(id: $id) { __typename } }", _thing(Kind.COMMITTEE)
    ),
    "commonIncomeAllocation": Across(
        """query($c: ID!, $p: String!) { commonIncomeAllocation(communityId: $c, period: $p) {
        __typename } }""",
        lambda t: {"c": str(t.community), "p": _last_month()},
    ),
    "commonIncomePeriods": Across(
        "query($c: ID!) { commonIncomePeriods(communityId: $c) { __typename } }", _community()
    ),
    "communityCompanyLedger": Across(
        """query($id: ID!) { communityCompanyLedger(companyId: $id) { __typename
        ... on LedgerEntryConnection { edges { __typename } } } }""",
        _thing(Kind.COMMUNITY_COMPANY),
        rows="edges",
    ),
    "company": Across("query($id: ID!) { company(id: $id) { __typename } }", _thing(Kind.COMPANY)),
    "companyWorkOrderPerformance": Across(
        """query($id: ID!, $since: Date!, $until: Date!) { companyWorkOrderPerformance(
        companyId: $id, since: $since, until: $until) { __typename
        ... on WorkOrderPerformance { reported } } }""",
        lambda t: {"id": str(t.company), "since": _day(-300), "until": _day(1)},
        rows="reported",
    ),
    "contract": Across(
        "query($id: ID!) { contract(id: $id) { __typename } }", _thing(Kind.CONTRACT)
    ),
    "creditEvaluations": Across(
        """query($d: String!) { creditEvaluations(period: "2024Q2", district: $d) { __typename
        ... on CreditEvaluationConnection { edges { __typename } } } }""",
        lambda t: {"d": t.district},
        rows="edges",
    ),
    "creditRuleSets": Across("{ creditRuleSets { __typename } }"),
    "decision": Across(
        "query($id: ID!) { decision(id: $id) { __typename } }", _thing(Kind.DECISION)
    ),
    "decisionPublicity": Across(
        "query($id: ID!) { decisionPublicity(decisionId: $id) { __typename } }",
        _thing(Kind.DECISION),
    ),
    "myBallot": Across(
        "query($d: ID!, $u: ID!) { myBallot(decisionId: $d, unitId: $u) { __typename } }",
        lambda t: {"d": t.things[Kind.DECISION], "u": str(t.unit)},
    ),
    "decisions": Across(
        """query($c: ID!) { decisions(communityId: $c) { __typename
        ... on DecisionConnection { decisions { __typename } } } }""",
        _community(),
        rows="decisions",
    ),
    "demonstrationRuleSets": Across("{ demonstrationRuleSets { __typename } }"),
    "demonstrationTitle": Across(
        "query($id: ID!) { demonstrationTitle(id: $id) { __typename } }",
        _thing(Kind.DEMONSTRATION),
    ),
    "demonstrationTitles": Across(
        """query($c: ID!) { demonstrationTitles(communityId: $c) { __typename
        ... on DemonstrationTitleConnection { edges { __typename } } } }""",
        _community(),
        rows="edges",
    ),
    "disputeStatistics": Across(
        """query($c: ID!) { disputeStatistics(communityId: $c, openedFrom: "2024-01-01",
        openedUntil: "2030-12-31") { __typename ... on DisputeStatistics { opened } } }""",
        _community(),
        rows="opened",
    ),
    "districtSnapshots": Across(
        """query($d: String!) { districtSnapshots(district: $d) { __typename } }""",
        lambda t: {"d": t.district},
    ),
    "facility": Across(
        "query($id: ID!) { facility(id: $id) { __typename } }", _thing(Kind.FACILITY)
    ),
    "feeBills": Across(
        """query($c: ID!, $p: String!) { feeBills(communityId: $c, period: $p) { __typename
        ... on BillConnection { bills { __typename } } } }""",
        lambda t: {"c": str(t.community), "p": _last_month()},
        rows="bills",
    ),
    "feeLedger": Across(
        """query($c: ID!) { feeLedger(communityId: $c) { __typename
        ... on FeeLedgerConnection { entries { __typename } } } }""",
        _community(),
        rows="entries",
    ),
    "feeRates": Across(
        """query($c: ID!, $p: String!) { feeRates(communityId: $c, period: $p) {
        __typename } }""",
        lambda t: {"c": str(t.community), "p": _last_month()},
    ),
    "feeSchedule": Across(
        "query($c: ID!) { feeSchedule(communityId: $c) { __typename } }", _community()
    ),
    "fundLedger": Across(
        """query($c: ID!) { fundLedger(communityId: $c) { __typename
        ... on FundLedgerConnection { entries { __typename } } } }""",
        _community(),
        rows="entries",
    ),
    "fundUses": Across(
        """query($c: ID!) { fundUses(communityId: $c) { __typename
        ... on FundUseList { uses { __typename } } } }""",
        _community(),
        rows="uses",
    ),
    "healthConfigs": Across("{ healthConfigs { __typename } }"),
    "healthRanking": Across(
        """query($d: String!) { healthRanking(district: $d, period: "2024H1") { __typename
        ... on HealthRanking { edges { __typename } } } }""",
        lambda t: {"d": t.district},
        rows="edges",
    ),
    "inspectionRuleSets": Across("{ inspectionRuleSets { __typename } }"),
    "partyOrganisation": Across(
        "query($id: ID!) { partyOrganisation(id: $id) { __typename } }",
        _thing(Kind.PARTY_ORGANISATION),
    ),
    "persons": Across(
        """query($c: ID!) { persons(communityId: $c) { __typename
        ... on PersonConnection { persons { name phone } } } }""",
        _community(),
        rows="persons",
    ),
    "reinvestmentAllocations": Across(
        """query($id: ID!) { reinvestmentAllocations(companyId: $id) { __typename
        ... on ReinvestmentList { allocations { __typename } } } }""",
        _thing(Kind.COMMUNITY_COMPANY),
        rows="allocations",
    ),
    "surveyResults": Across(
        "query($id: ID!) { surveyResults(id: $id) { __typename } }", _thing(Kind.SURVEY)
    ),
    "workOrder": Across(
        "query($id: ID!) { workOrder(id: $id) { __typename } }", _thing(Kind.WORK_ORDER)
    ),
}

REFUSALS = {"Forbidden": "denied", "NotFound": "hidden", "ValidationError": "invalid"}


def _named(query: str) -> str:
    """``__typename`` and the field a refusal of the query names, for the refusals its union
    holds."""
    query_type = schema._schema.query_type
    assert query_type is not None
    answer = graphql.get_named_type(query_type.fields[query].type)
    members: set[str] = set()
    if isinstance(answer, graphql.GraphQLUnionType):
        members = {m.name for m in answer.types}
    return " ".join(
        ["__typename"]
        + [f"... on {m} {{ field }}" for m in ("NotFound", "ValidationError") if m in members]
    )


def across(api: Api, query: str, tenant: Tenant, who: Principal) -> object:
    """What the query answers the principal about the tenant's things."""
    row = ACROSS_TENANTS[query]
    document = re.sub(r"\{\s*__typename", "{ " + _named(query), row.document, count=1)
    response = api.post(document, row.variables(tenant), as_=who)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    answer = next(iter(body["data"].values()))
    if isinstance(answer, list):
        return "seen"
    kind = answer["__typename"]
    if kind in REFUSALS:
        return REFUSALS[kind] + (f":{answer['field']}" if "field" in answer else "")
    if row.rows is None:
        return "seen"
    value = answer[row.rows]
    return len(value) if isinstance(value, list) else value


def across_roles(mine: Tenant) -> dict[str, Principal]:
    scoped = mine.principals()
    return {
        "admin": Principal(subject="admin", role=Role.PLATFORM_ADMIN),
        "regulator": scoped["regulator"],
        "company": scoped["staff"],
        "committee": scoped["committee"],
        "resident": scoped["resident"],
    }


def _row(
    admin: str, regulator: str, company: str, committee: str, resident: str
) -> dict[str, object]:
    return dict(
        admin=admin, regulator=regulator, company=company, committee=committee, resident=resident
    )


ACROSS_EXPECTED: dict[str, dict[str, object]] = {
    # own/other, by role: admin, regulator, company, committee, resident
    "committee": _row(
        "seen/seen", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id"
    ),
    "commonIncomeAllocation": _row(
        "hidden:period/hidden:period",
        "hidden:period/hidden:communityId",
        "hidden:period/hidden:communityId",
        "hidden:period/hidden:communityId",
        "hidden:period/hidden:communityId",
    ),
    "commonIncomePeriods": _row(
        "seen/seen",
        "seen/hidden:communityId",
        "seen/hidden:communityId",
        "seen/hidden:communityId",
        "seen/hidden:communityId",
    ),
    "communityCompanyLedger": _row(
        "1/1",
        "1/hidden:companyId",
        "hidden:companyId/hidden:companyId",
        "1/hidden:companyId",
        "hidden:companyId/hidden:companyId",
    ),
    "company": _row("seen/seen", "seen/seen", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id"),
    "companyWorkOrderPerformance": _row("0/0", "0/0", "0/denied", "0/0", "denied/denied"),
    "contract": _row(
        "seen/seen", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id"
    ),
    "creditEvaluations": _row("1/1", "1/1", "1/0", "1/0", "1/0"),
    "creditRuleSets": _row("seen/seen", "seen/seen", "seen/seen", "seen/seen", "seen/seen"),
    "decision": _row(
        "seen/seen", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id"
    ),
    "decisionPublicity": _row(
        "seen/seen",
        "seen/hidden:decisionId",
        "seen/hidden:decisionId",
        "seen/hidden:decisionId",
        "seen/hidden:decisionId",
    ),
    # 投票保密: a unit's own household only (and the platform)
    "myBallot": _row(
        "seen/seen",
        "denied/hidden:decisionId",
        "denied/hidden:decisionId",
        "denied/hidden:decisionId",
        "seen/hidden:decisionId",
    ),
    "decisions": _row(
        "1/1",
        "1/hidden:communityId",
        "1/hidden:communityId",
        "1/hidden:communityId",
        "1/hidden:communityId",
    ),
    "demonstrationRuleSets": _row("seen/seen", "seen/seen", "seen/seen", "seen/seen", "seen/seen"),
    "demonstrationTitle": _row(
        "seen/seen", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id"
    ),
    "demonstrationTitles": _row("1/1", "1/0", "1/0", "1/0", "1/0"),
    "disputeStatistics": _row(
        "1/1",
        "1/hidden:communityId",
        "hidden:communityId/hidden:communityId",
        "1/hidden:communityId",
        "hidden:communityId/hidden:communityId",
    ),
    "districtSnapshots": _row(
        "seen/seen", "seen/denied", "denied/denied", "denied/denied", "denied/denied"
    ),
    "facility": _row(
        "seen/seen", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id"
    ),
    "feeBills": _row(
        "1/1",
        "1/hidden:communityId",
        "1/hidden:communityId",
        "1/hidden:communityId",
        "denied/hidden:communityId",
    ),
    "feeLedger": _row(
        "2/2",
        "2/hidden:communityId",
        "2/hidden:communityId",
        "2/hidden:communityId",
        "denied/hidden:communityId",
    ),
    "feeRates": _row(
        "seen/seen",
        "seen/hidden:communityId",
        "seen/hidden:communityId",
        "seen/hidden:communityId",
        "denied/hidden:communityId",
    ),
    "feeSchedule": _row(
        "seen/seen",
        "seen/hidden:communityId",
        "seen/hidden:communityId",
        "seen/hidden:communityId",
        "denied/hidden:communityId",
    ),
    "fundLedger": _row(
        "1/1",
        "1/hidden:communityId",
        "1/hidden:communityId",
        "1/hidden:communityId",
        "denied/hidden:communityId",
    ),
    "fundUses": _row(
        "1/1",
        "1/hidden:communityId",
        "1/hidden:communityId",
        "1/hidden:communityId",
        "1/hidden:communityId",
    ),
    "healthConfigs": _row("seen/seen", "seen/seen", "seen/seen", "seen/seen", "seen/seen"),
    "healthRanking": _row("0/0", "0/0", "0/0", "0/0", "0/0"),
    "inspectionRuleSets": _row("seen/seen", "seen/seen", "seen/seen", "seen/seen", "seen/seen"),
    "partyOrganisation": _row(
        "seen/seen", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id"
    ),
    "persons": _row(
        "1/1",
        "1/hidden:communityId",
        "1/hidden:communityId",
        "1/hidden:communityId",
        "1/hidden:communityId",
    ),
    "reinvestmentAllocations": _row(
        "1/1",
        "1/hidden:companyId",
        "hidden:companyId/hidden:companyId",
        "1/hidden:companyId",
        "hidden:companyId/hidden:companyId",
    ),
    "surveyResults": _row(
        "seen/seen", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id"
    ),
    "workOrder": _row(
        "seen/seen", "seen/hidden:id", "seen/hidden:id", "seen/hidden:id", "hidden:id/hidden:id"
    ),
}


def test_access_matrix_across_tenants(api: Api, tenants: tuple[Tenant, Tenant]) -> None:
    mine, theirs = tenants
    recording = Recording(api.client, api.settings, api.platform)
    observed: dict[str, dict[str, object]] = {}
    for query, row in ACROSS_TENANTS.items():
        recording.queries = set()
        observed[query] = {}
        for role, who in across_roles(mine).items():
            own, other = across(recording, query, mine, who), across(recording, query, theirs, who)
            observed[query][role] = f"{own}/{other}"
            if role != "admin":
                text = recording.post(row.document, row.variables(theirs), as_=who).text
                leaked = [value for value in theirs.personal if value in text]
                assert not leaked, (query, role, leaked)
        assert recording.queries == {query}, (query, recording.queries)
    assert observed == ACROSS_EXPECTED
