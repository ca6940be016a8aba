"""住宅专项维修资金 over GraphQL: deposits by rule, interest, the 30 % rule and its notices,
ordinary and emergency uses with their grounds, overdrafts refused, the committee's audit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import ADMIN, Api
from tests.integration.test_graphql_committees import appoint_interim, ensure_interim
from tests.integration.test_graphql_committees import passed_decision as committee_decision
from tests.integration.test_graphql_communities import ADD_UNIT, building_with_entrance, register
from tests.integration.test_graphql_contracts import register_company

REGULATOR = Principal(subject="fund-centre", role=Role.REGULATOR, districts=("红塔区",))
READ_PROBLEMS = """... on ValidationError { field message } ... on NotFound { field message }
    ... on Forbidden { message }"""
PROBLEMS = READ_PROBLEMS + " ... on Conflict { message }"
SUMMARY = """id communityId balanceFen subAccountsTotalFen firstDepositsFen ratio belowThreshold
    subAccounts emergenciesAwaitingAudit rule { version commodityRate }
    unitsBelowThreshold { unitId unitNumber balanceFen firstDepositFen ratio belowThreshold }"""
USE = """id kind emergency decisionId status committeeId committeeOn confirmedOn paidOn
    amountFen shares { unitId fen } auditedOn findings awaitingAudit closedOn closedBy"""
PAYLOAD = f"""__typename ... on FundPayload {{ position noticesSent fund {{ {SUMMARY} }}
    use {{ {USE} }} }} {PROBLEMS}"""
LEDGER = """query($id: ID!) { fundLedger(communityId: $id) { __typename
    ... on FundLedgerConnection { entries { version kind amountFen balanceAfterFen unitId useId
        decisionId emergency committeeId commonIncomeEntryId period } } } }"""
STATEMENT = """query($id: ID!) { fundStatement(unitId: $id) { __typename
    ... on FundStatement { account { unitNumber firstDepositFen balanceFen belowThreshold }
        lines { kind amountFen balanceAfterFen useId } }
    ... on NotFound { field message } } }"""
FUND = f"""query($id: ID!) {{ maintenanceFund(communityId: $id) {{ __typename
    ... on MaintenanceFund {{ {SUMMARY} }} {READ_PROBLEMS} }} }}"""
USES = f"""query($id: ID!, $only: Boolean!) {{ fundUses(communityId: $id, awaitingAuditOnly: $only) {{
    __typename ... on FundUseList {{ uses {{ {USE} }} }} {READ_PROBLEMS} }} }}"""

MUTATIONS = {
    "setFundDepositRule": "SetFundDepositRuleInput",
    "recordFirstDeposit": "RecordFirstDepositInput",
    "topUpFund": "TopUpFundInput",
    "allocateFundInterest": "AllocateFundInterestInput",
    "sendTopUpNotices": "SendTopUpNoticesInput",
    "proposeFundUse": "ProposeFundUseInput",
    "approveFundUse": "FundUseStepInput",
    "reviewEmergencyFundUse": "FundUseStepInput",
    "confirmEmergencyFundUse": "FundUseStepInput",
    "payFundUse": "FundUseStepInput",
    "rejectFundUse": "FundUseStepInput",
    "rejectEmergencyFundUse": "FundUseStepInput",
    "withdrawFundUse": "FundUseStepInput",
    "auditEmergencyFundUse": "AuditEmergencyFundUseInput",
}


def fund_call(api: Api, name: str, as_: Principal = ADMIN, **fields: Any) -> dict[str, Any]:
    query = f"mutation($input: {MUTATIONS[name]}!) {{ {name}(input: $input) {{ {PAYLOAD} }} }}"
    data = api.gql(query, {"input": {"reason": "按规定办理", **fields}}, as_=as_)
    return dict(data[name])


@dataclass
class Estate:
    community: str
    company: str
    units: list[str]  # 101 (80 m²), 102 (60.5 m²), 103 (100 m²)

    @property
    def staff(self) -> Principal:
        return Principal(subject="staff-1", role=Role.COMPANY_STAFF, company_id=UUID(self.company))

    @property
    def committee(self) -> Principal:
        return Principal(
            subject="ywh-1", role=Role.COMMITTEE_MEMBER, community_id=UUID(self.community)
        )

    def resident(self, unit: int = 0) -> Principal:
        return Principal(subject="owner-1", role=Role.RESIDENT, unit_ids=(UUID(self.units[unit]),))


def estate(api: Api, kinds: tuple[str, ...] = ("COMMODITY", "REFORM", "COMMODITY")) -> Estate:
    """幸福里 served by 安居物业, with an interim committee in office and a fund at 6 % of
    2,000 元/m² (商品房) and 2 % of 1,500 元/m² (房改房); every unit has made its first deposit."""
    community = str(register(api)["community"]["id"])
    _, entrance = building_with_entrance(api, community)
    units = []
    for number, area in (("101", "80.00"), ("102", "60.50"), ("103", "100.00")):
        result = api.gql(
            ADD_UNIT,
            {
                "input": {
                    "communityId": community,
                    "entranceId": entrance,
                    "number": number,
                    "floor": 1,
                    "area": area,
                    "areaSource": "REGISTER",
                    "reason": "入册",
                }
            },
        )
        units.append(str(result["addUnit"]["partId"]))
    company = register_company(api, "安居物业")
    api.gql(
        """mutation($input: ChangeManagementModeInput!) { changeManagementMode(input: $input) {
        __typename } }""",
        {
            "input": {
                "communityId": community,
                "mode": "PROFESSIONAL",
                "companyId": company,
                "effectiveFrom": "2024-02-01",
                "reason": "选聘",
            }
        },
    )
    appoint_interim(api, community)
    rule = fund_call(
        api,
        "setFundDepositRule",
        REGULATOR,
        communityId=community,
        commodityRate="0.06",
        buildingCostPerM2="2000",
        reformCostPricePerM2="1500",
    )
    assert rule["__typename"] == "FundPayload", rule
    for unit, kind in zip(units, kinds, strict=True):
        deposit = fund_call(
            api,
            "recordFirstDeposit",
            REGULATOR,
            communityId=community,
            unitId=unit,
            housingKind=kind,
            depositedOn="2024-03-01",
        )
        assert deposit["__typename"] == "FundPayload", deposit
    return Estate(community, company, units)


def emergency(
    api: Api, e: Estate, units: list[str], amount: int, kind: str = "ROOF_OR_WALL_LEAK"
) -> str:
    """An emergency use proposed by the company, reviewed by the committee and confirmed by
    the street office: ready to pay."""
    use = propose_emergency(api, e, units, amount, kind)
    assert use is not None
    step = {"communityId": e.community, "useId": use}
    assert (
        fund_call(api, "reviewEmergencyFundUse", e.committee, **step)["use"]["status"] == "REVIEWED"
    )
    assert (
        fund_call(api, "confirmEmergencyFundUse", REGULATOR, **step)["use"]["status"] == "CONFIRMED"
    )
    return use


def propose_emergency(
    api: Api, e: Estate, units: list[str], amount: int, kind: str = "ROOF_OR_WALL_LEAK"
) -> Any:
    """The company's proposal: the use's id, or the refusal."""
    proposed = fund_call(
        api,
        "proposeFundUse",
        e.staff,
        communityId=e.community,
        kind="EMERGENCY",
        emergency=kind,
        title="屋面渗漏抢修",
        contractor="云南房屋维修公司",
        amountFen=amount,
        unitIds=units,
    )
    return str(proposed["use"]["id"]) if proposed["__typename"] == "FundPayload" else proposed


def balances(api: Api, e: Estate) -> list[int]:
    return [
        api.gql(STATEMENT, {"id": unit})["fundStatement"]["account"]["balanceFen"]
        for unit in e.units
    ]


def test_deposits_follow_the_rule_and_interest_is_shared_by_balance(api: Api) -> None:
    # Given a fund where 101 and 103 are 商品房 and 102 is 房改房
    e = estate(api)
    # Then the first deposits are 6 % × 2,000 × 80, 2 % × 1,500 × 60.5 and 6 % × 2,000 × 100
    assert balances(api, e) == [960_000, 181_500, 1_200_000]
    # When the fund centre allocates 100.01 元 of interest and a top-up of 102
    interest = fund_call(
        api,
        "allocateFundInterest",
        REGULATOR,
        communityId=e.community,
        amountFen=10_001,
        on="2025-01-01",
    )
    fund_call(
        api,
        "topUpFund",
        REGULATOR,
        communityId=e.community,
        unitId=e.units[1],
        amountFen=500,
        on="2025-01-02",
    )
    # Then the interest is shared by balance to the fen and the fund equals its sub-accounts
    summary = interest["fund"]
    assert summary["balanceFen"] == 2_341_500 + 10_001
    after = balances(api, e)
    assert after == [960_000 + 4_100, 181_500 + 775 + 500, 1_200_000 + 5_126]
    fund = api.gql(FUND, {"id": e.community})["maintenanceFund"]
    assert fund["balanceFen"] == fund["subAccountsTotalFen"] == sum(after)
    assert (fund["firstDepositsFen"], fund["belowThreshold"], fund["unitsBelowThreshold"]) == (
        2_341_500,
        False,
        [],
    )
    # And the ledger lists every movement with its running balance
    entries = api.gql(LEDGER, {"id": e.community}, as_=e.committee)["fundLedger"]["entries"]
    assert [x["kind"] for x in entries] == ["FIRST_DEPOSIT"] * 3 + ["INTEREST", "TOP_UP"]
    assert entries[-1]["balanceAfterFen"] == sum(after)


def test_an_ordinary_use_is_paid_on_a_passed_decision_after_committee_approval(api: Api) -> None:
    # Given the owners passed a decision to use the fund for 101's and 103's roof
    e = estate(api)
    decision = committee_decision(api, e.community, matter="USE_MAINTENANCE_FUND")
    api.settle()  # recorded in process: the decision must be in the views to be referred to
    # When the company proposes the use, the committee approves, the fund centre pays
    proposed = fund_call(
        api,
        "proposeFundUse",
        e.staff,
        communityId=e.community,
        kind="ORDINARY",
        decisionId=decision,
        title="屋面防水维修",
        contractor="红塔防水工程公司",
        amountFen=900_000,
        unitIds=[e.units[0], e.units[2]],
    )
    use = proposed["use"]["id"]
    step = {"communityId": e.community, "useId": use}
    approved = fund_call(api, "approveFundUse", e.committee, **step)
    paid = fund_call(api, "payFundUse", REGULATOR, **step)
    # Then 101 and 103 pay by area (80 : 100), 102 pays nothing
    assert approved["use"]["committeeId"] == ensure_interim(api, e.community)["id"]
    assert paid["use"]["status"] == "PAID"
    assert sorted(s["fen"] for s in paid["use"]["shares"]) == [400_000, 500_000]
    assert balances(api, e) == [560_000, 181_500, 700_000]
    # And the payout in the ledger names its use, decision and approving committee
    payout = api.gql(LEDGER, {"id": e.community}, as_=e.committee)["fundLedger"]["entries"][-1]
    assert (payout["kind"], payout["amountFen"], payout["useId"]) == ("PAYOUT", -900_000, use)
    assert payout["decisionId"] == decision
    assert payout["committeeId"] == approved["use"]["committeeId"]


def test_uses_without_their_grounds_are_refused_with_the_field(api: Api) -> None:
    e = estate(api)
    base = {
        "communityId": e.community,
        "title": "外墙维修",
        "contractor": "某公司",
        "amountFen": 1_000,
        "unitIds": [e.units[0]],
    }
    # An ordinary use without a decision, or on a decision of another matter
    refused = fund_call(api, "proposeFundUse", e.staff, kind="ORDINARY", **base)
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "input.decisionId")
    other = committee_decision(api, e.community, matter="COMMITTEE")
    api.settle()
    refused = fund_call(api, "proposeFundUse", e.staff, kind="ORDINARY", decisionId=other, **base)
    assert refused["field"] == "input.decisionId"
    assert "USE_MAINTENANCE_FUND" in refused["message"]
    # An emergency that names none of the six, or a type outside the list
    refused = fund_call(api, "proposeFundUse", e.staff, kind="EMERGENCY", **base)
    assert refused["field"] == "input.emergency"
    response = api.post(
        """mutation($input: ProposeFundUseInput!) { proposeFundUse(input: $input) { __typename } }""",
        {"input": {**base, "kind": "EMERGENCY", "emergency": "FLOOD", "reason": "x"}},
        as_=e.staff,
    )
    assert "FLOOD" in response.json()["errors"][0]["message"]
    # A unit without a sub-account, a negative amount, an unknown unit for a deposit
    refused = fund_call(
        api,
        "proposeFundUse",
        e.staff,
        kind="EMERGENCY",
        emergency="FACADE_HAZARD",
        **{**base, "unitIds": [e.units[0], e.company]},
    )
    # (a company's id is no unit's: not found as a unit before the command runs)
    assert (refused["field"], refused["__typename"]) == ("input.unitIds.1", "NotFound")
    refused = fund_call(
        api,
        "topUpFund",
        REGULATOR,
        communityId=e.community,
        unitId=e.units[0],
        amountFen=-5,
        on="2025-01-01",
    )
    assert refused["field"] == "input.amountFen"
    refused = fund_call(
        api,
        "recordFirstDeposit",
        REGULATOR,
        communityId=e.community,
        unitId=e.company,
        housingKind="COMMODITY",
        depositedOn="2025-01-01",
    )
    assert refused["field"] == "input.unitId"
    # Then nothing was proposed
    assert api.gql(USES, {"id": e.community, "only": False})["fundUses"]["uses"] == []


def test_an_overdraft_is_refused_at_the_proposal_in_yuan_naming_the_unit_by_its_label(
    api: Api,
) -> None:
    # Given 102 (181,500 fen) and 103 (1,200,000 fen), 13,815.00 元 between them
    e = estate(api)
    # When the company proposes 9,999,999.99 元 over them
    refused = propose_emergency(api, e, [e.units[1], e.units[2]], 999_999_999)
    # Then the proposal is refused with the amounts in 元, and nothing was recorded
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "input.amountFen")
    assert refused["message"] == (
        "the use needs 9,999,999.99 元 but the affected sub-accounts hold 13,815.00 元 "
        "(the fund 23,415.00 元): overdraft refused"
    )
    # And an amount the two hold together but 102 cannot carry its share of names 102 by label
    uneven = propose_emergency(api, e, [e.units[1], e.units[2]], 1_000_000)
    assert uneven["message"] == (
        "unit 1栋-1单元-102's sub-account holds 1,815.00 元, 3,769.47 元 are needed: "
        "overdraft refused"
    )
    assert balances(api, e) == [960_000, 181_500, 1_200_000]
    assert api.gql(USES, {"id": e.community, "only": False})["fundUses"]["uses"] == []


def test_an_overdraft_arising_between_steps_is_refused_at_the_next_step(api: Api) -> None:
    # Given two emergencies over 102 that each fit its 1,815.00 元 but not together
    e = estate(api)
    first = emergency(api, e, [e.units[1]], 150_000)
    second = propose_emergency(api, e, [e.units[1]], 100_000)
    # When the first is paid
    paid = fund_call(api, "payFundUse", REGULATOR, communityId=e.community, useId=first)
    assert paid["use"]["status"] == "PAID"
    # Then the committee's review of the second is refused, naming the unit and the 元
    review = fund_call(
        api, "reviewEmergencyFundUse", e.committee, communityId=e.community, useId=second
    )
    assert (review["__typename"], review["field"]) == ("ValidationError", "input.useId")
    assert review["message"] == (
        "the use needs 1,000.00 元 but the affected sub-accounts hold 315.00 元 "
        "(the fund 21,915.00 元): overdraft refused"
    )


def test_the_committee_or_street_office_rejects_and_the_company_withdraws_a_use(
    api: Api,
) -> None:
    # Given three emergency proposals
    e = estate(api)
    rejected, reviewed, withdrawn = (propose_emergency(api, e, [e.units[0]], 100) for _ in "abc")
    step = {"communityId": e.community}
    # When the committee rejects the first
    by_committee = fund_call(api, "rejectFundUse", e.committee, **step, useId=rejected)
    # Then it is closed as rejected by the committee, and cannot be reviewed any more
    assert (by_committee["use"]["status"], by_committee["use"]["closedBy"]) == (
        "REJECTED",
        "COMMITTEE",
    )
    late = fund_call(api, "reviewEmergencyFundUse", e.committee, **step, useId=rejected)
    assert (late["__typename"], late["field"]) == ("ValidationError", "input.useId")
    # When the committee reviews the second and the street office rejects it
    fund_call(api, "reviewEmergencyFundUse", e.committee, **step, useId=reviewed)
    by_street = fund_call(api, "rejectEmergencyFundUse", REGULATOR, **step, useId=reviewed)
    assert (by_street["use"]["status"], by_street["use"]["closedBy"]) == (
        "REJECTED",
        "STREET_OFFICE",
    )
    assert fund_call(api, "payFundUse", REGULATOR, **step, useId=reviewed)["field"] == (
        "input.useId"
    )
    # When the company withdraws the third
    pulled = fund_call(api, "withdrawFundUse", e.staff, **step, useId=withdrawn)
    assert (pulled["use"]["status"], pulled["use"]["closedBy"]) == ("WITHDRAWN", "PROPOSER")
    # And a paid use cannot be withdrawn
    paid = emergency(api, e, [e.units[0]], 100)
    fund_call(api, "payFundUse", REGULATOR, **step, useId=paid)
    too_late = fund_call(api, "withdrawFundUse", e.staff, **step, useId=paid)
    assert too_late["message"] == "the use is PAID; it can be withdrawn until it is paid"
    # And the committee may not withdraw, nor the company reject
    assert fund_call(api, "withdrawFundUse", e.committee, **step, useId=paid)["__typename"] == (
        "Forbidden"
    )
    assert fund_call(api, "rejectFundUse", e.staff, **step, useId=paid)["__typename"] == (
        "Forbidden"
    )
    # And nothing was paid from the closed uses
    assert balances(api, e) == [960_000 - 100, 181_500, 1_200_000]


def test_an_elevator_failure_in_a_building_without_an_elevator_is_refused(api: Api) -> None:
    # Given units in a building registered without an elevator
    e = estate(api)
    # When the company proposes an elevator-failure emergency over them
    refused = propose_emergency(api, e, [e.units[0]], 100, kind="ELEVATOR_FAILURE")
    # Then it is refused, naming the unit
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "input.unitIds.0")
    assert refused["message"].startswith("unit 1栋-1单元-101 is in a building without an elevator")


def test_an_emergency_is_reviewed_confirmed_paid_and_flagged_until_audited(api: Api) -> None:
    # Given an elevator failure reviewed by the committee and confirmed by the street office
    e = estate(api)
    use = emergency(api, e, [e.units[1]], 150_000)
    # When it is paid
    paid = fund_call(api, "payFundUse", REGULATOR, communityId=e.community, useId=use)
    # Then it awaits its audit, and 102 fell below 30 % of its first deposit
    assert paid["use"]["awaitingAudit"] and paid["fund"]["emergenciesAwaitingAudit"] == 1
    assert [u["unitNumber"] for u in paid["fund"]["unitsBelowThreshold"]] == ["102"]
    awaiting = api.gql(USES, {"id": e.community, "only": True}, as_=e.committee)["fundUses"]
    assert [u["id"] for u in awaiting["uses"]] == [use]
    # When top-up notices of one round are sent twice
    first = fund_call(
        api, "sendTopUpNotices", e.committee, communityId=e.community, round="2026-Q4"
    )
    again = fund_call(
        api, "sendTopUpNotices", e.committee, communityId=e.community, round="2026-Q4"
    )
    # Then one notice went out, and the second sending sent nothing new
    assert (first["noticesSent"], again["noticesSent"], again["position"]) == (1, 0, "0")
    # When the audit is recorded
    audited = fund_call(
        api,
        "auditEmergencyFundUse",
        REGULATOR,
        communityId=e.community,
        useId=use,
        findings="票据齐全",
    )
    # Then the emergency no longer awaits it
    assert audited["use"]["status"] == "AUDITED" and not audited["use"]["awaitingAudit"]
    assert api.gql(USES, {"id": e.community, "only": True})["fundUses"]["uses"] == []
    # And the committee's audit trail shows each step with actor and reason
    history = api.gql(
        """query($id: ID!) { history(id: $id) { ... on HistoryConnection { entries {
        eventType actor actorRole reason } } } }""",
        {"id": paid["fund"]["id"]},
        as_=e.committee,
    )["history"]["entries"]
    steps = [h["eventType"] for h in history]
    assert steps[-6:] == [
        "UseProposed",
        "EmergencyReviewed",
        "EmergencyConfirmed",
        "PaidOut",
        "TopUpNoticeSent",
        "EmergencyAudited",
    ]
    assert {h["actor"] for h in history[-6:]} == {"staff-1", "ywh-1", "fund-centre"}
    assert all(h["reason"] == "按规定办理" for h in history)


def test_a_resident_reads_the_own_sub_account_only(api: Api) -> None:
    e = estate(api)
    owner = e.resident(0)
    statement = api.gql(STATEMENT, {"id": e.units[0]}, as_=owner)["fundStatement"]
    assert statement["account"] == {
        "unitNumber": "101",
        "firstDepositFen": 960_000,
        "balanceFen": 960_000,
        "belowThreshold": False,
    }
    assert [line["kind"] for line in statement["lines"]] == ["FIRST_DEPOSIT"]
    assert (
        api.gql(STATEMENT, {"id": e.units[1]}, as_=owner)["fundStatement"]["__typename"]
        == "NotFound"
    )
    # And the fund's ledger of every unit's movements stays with the stewards
    ledger = api.gql(LEDGER, {"id": e.community}, as_=owner)["fundLedger"]
    assert ledger["__typename"] == "Forbidden"


def test_a_resident_reads_the_fund_use_behind_a_payout_and_the_funds_balance(api: Api) -> None:
    # Given a use paid from 101's and 103's sub-accounts
    e = estate(api)
    use = emergency(api, e, [e.units[0], e.units[2]], 180_000)
    fund_call(api, "payFundUse", REGULATOR, communityId=e.community, useId=use)
    owner = e.resident(0)
    # When 101's owner reads the sub-account, it shows a payout naming the use
    lines = api.gql(STATEMENT, {"id": e.units[0]}, as_=owner)["fundStatement"]["lines"]
    assert [(line["kind"], line["useId"]) for line in lines][-1] == ("PAYOUT", use)
    # Then the owner reads that use among the fund's uses, and the fund's balance
    uses = api.gql(USES, {"id": e.community, "only": False}, as_=owner)["fundUses"]
    assert [(u["id"], u["status"], u["amountFen"]) for u in uses["uses"]] == [
        (use, "PAID", 180_000)
    ]
    fund = api.gql(FUND, {"id": e.community}, as_=owner)["maintenanceFund"]
    assert fund["balanceFen"] == 2_341_500 - 180_000
    # And sees no neighbour's account below the line (102's is not the owner's)
    assert all(a["unitId"] == e.units[0] for a in fund["unitsBelowThreshold"])
    # And a resident of another community sees neither
    stranger = Principal(subject="x", role=Role.RESIDENT, unit_ids=(UUID(int=7),))
    hidden = api.gql(USES, {"id": e.community, "only": False}, as_=stranger)["fundUses"]
    assert hidden["__typename"] == "NotFound"


def test_another_companys_staff_asking_for_the_fund_or_a_sub_account_gets_not_found(
    api: Api,
) -> None:
    # Given 幸福里's fund, served by 安居物业, and the staff of another company
    e = estate(api)
    other = Principal(
        subject="staff-ht",
        role=Role.COMPANY_STAFF,
        company_id=UUID(register_company(api, "红塔物业")),
    )

    # When it asks for the fund, its ledger, its uses and a unit's sub-account
    fund = api.gql(FUND, {"id": e.community}, as_=other)["maintenanceFund"]
    ledger = api.gql(
        f"""query($id: ID!) {{ fundLedger(communityId: $id) {{ __typename {READ_PROBLEMS} }} }}""",
        {"id": e.community},
        as_=other,
    )["fundLedger"]
    uses = api.gql(USES, {"id": e.community, "only": False}, as_=other)["fundUses"]
    statement = api.gql(STATEMENT, {"id": e.units[0]}, as_=other)["fundStatement"]

    # Then each is NotFound naming the argument
    community = {
        "__typename": "NotFound",
        "field": "communityId",
        "message": "no community with this id that you may see",
    }
    assert fund == ledger == uses == community
    assert statement == {
        "__typename": "NotFound",
        "field": "unitId",
        "message": "no unit with this id that you may see",
    }


def event_count(api: Api) -> int:
    return api.platform.app.recorder.max_notification_id() or 0


def test_another_communitys_unit_or_use_inside_an_input_is_refused(api: Api) -> None:
    # Given 幸福里 (served by 安居物业, with its committee) and 和平苑, another tenant of the
    # same district, with its own fund, a deposited unit and an emergency use
    e = estate(api)
    heping = str(register(api, name="和平苑")["community"]["id"])
    _, entrance = building_with_entrance(api, heping)
    unit_input = {
        "communityId": heping,
        "entranceId": entrance,
        "number": "201",
        "floor": 2,
        "area": "70.00",
        "areaSource": "REGISTER",
        "reason": "入册",
    }
    their_unit = str(api.gql(ADD_UNIT, {"input": unit_input})["addUnit"]["partId"])
    fund_call(
        api,
        "setFundDepositRule",
        REGULATOR,
        communityId=heping,
        commodityRate="0.05",
        buildingCostPerM2="1000",
        reformCostPricePerM2="1000",
    )
    fund_call(
        api,
        "recordFirstDeposit",
        REGULATOR,
        communityId=heping,
        unitId=their_unit,
        housingKind="COMMODITY",
        depositedOn="2024-03-01",
    )
    their_use = fund_call(
        api,
        "proposeFundUse",
        communityId=heping,
        kind="EMERGENCY",
        emergency="DRAINAGE_BLOCKED",
        title="排水疏通",
        contractor="市政公司",
        amountFen=100,
        unitIds=[their_unit],
    )["use"]["id"]
    before = event_count(api)

    # When 幸福里's committee reviews 和平苑's use as if it were 幸福里's
    review = fund_call(
        api, "reviewEmergencyFundUse", e.committee, communityId=e.community, useId=their_use
    )
    # And 安居物业's staff propose a 幸福里 use that 和平苑's unit would pay for
    propose = fund_call(
        api,
        "proposeFundUse",
        e.staff,
        communityId=e.community,
        kind="EMERGENCY",
        emergency="FACADE_HAZARD",
        title="外墙",
        contractor="某公司",
        amountFen=100,
        unitIds=[e.units[0], their_unit],
    )
    # Then neither thing is confirmed to exist: both are not found, naming the field
    assert (review["__typename"], review["field"]) == ("NotFound", "input.useId")
    assert (propose["__typename"], propose["field"]) == ("NotFound", "input.unitIds.1")
    # And the fund centre, which sees both communities, may not top up 幸福里 from 和平苑's unit
    top_up = fund_call(
        api,
        "topUpFund",
        REGULATOR,
        communityId=e.community,
        unitId=their_unit,
        amountFen=100,
        on="2025-01-01",
    )
    assert (top_up["__typename"], top_up["field"]) == ("ValidationError", "input.unitId")
    # And nothing was recorded
    assert event_count(api) == before


# --- access matrix -----------------------------------------------------------------------


def _outcome(result: dict[str, Any]) -> str:
    kind = result["__typename"]
    if kind == "Forbidden":
        return "denied"
    if kind == "NotFound":
        return "hidden"
    assert kind in {"FundPayload", "MaintenanceFund", "FundStatement", "HistoryConnection"}, result
    return "allowed"


def _funded(api: Api, w: Any) -> str:
    """幸福里's fund with the world's unit deposited; returns the fund's id."""
    fund = api.gql(FUND, {"id": w.xingfu})["maintenanceFund"]
    if fund["__typename"] == "MaintenanceFund":
        return str(fund["id"])
    fund_call(
        api,
        "setFundDepositRule",
        communityId=w.xingfu,
        commodityRate="0.05",
        buildingCostPerM2="1000",
        reformCostPricePerM2="1000",
    )
    done = fund_call(
        api,
        "recordFirstDeposit",
        communityId=w.xingfu,
        unitId=w.unit,
        housingKind="COMMODITY",
        depositedOn="2024-03-01",
    )
    return str(done["fund"]["id"])


def _proposed(api: Api, w: Any, *steps: str) -> str:
    """An emergency use in 幸福里, taken through ``steps`` by the admin."""
    _funded(api, w)
    ensure_interim(api, w.xingfu)
    use = fund_call(
        api,
        "proposeFundUse",
        communityId=w.xingfu,
        kind="EMERGENCY",
        emergency="DRAINAGE_BLOCKED",
        title="排水疏通",
        contractor="市政公司",
        amountFen=100,
        unitIds=[w.unit],
    )["use"]["id"]
    for step in steps:
        fund_call(api, step, communityId=w.xingfu, useId=use)
    return str(use)


FUND_OPERATIONS: dict[str, Any] = {
    "setFundDepositRule in 幸福里": lambda api, w, p: _outcome(
        fund_call(
            api,
            "setFundDepositRule",
            p,
            communityId=w.xingfu,
            commodityRate="0.07",
            buildingCostPerM2="1800",
            reformCostPricePerM2="1200",
        )
    ),
    "topUpFund in 幸福里": lambda api, w, p: _outcome(
        _funded(api, w)
        and fund_call(
            api, "topUpFund", p, communityId=w.xingfu, unitId=w.unit, amountFen=100, on="2025-01-01"
        )
    ),
    "proposeFundUse in 幸福里": lambda api, w, p: _outcome(
        _funded(api, w)
        and fund_call(
            api,
            "proposeFundUse",
            p,
            communityId=w.xingfu,
            kind="EMERGENCY",
            emergency="FACADE_HAZARD",
            title="外墙",
            contractor="某公司",
            amountFen=100,
            unitIds=[w.unit],
        )
    ),
    "reviewEmergencyFundUse in 幸福里": lambda api, w, p: _outcome(
        fund_call(api, "reviewEmergencyFundUse", p, communityId=w.xingfu, useId=_proposed(api, w))
    ),
    "confirmEmergencyFundUse in 幸福里": lambda api, w, p: _outcome(
        fund_call(
            api,
            "confirmEmergencyFundUse",
            p,
            communityId=w.xingfu,
            useId=_proposed(api, w, "reviewEmergencyFundUse"),
        )
    ),
    "payFundUse in 幸福里": lambda api, w, p: _outcome(
        fund_call(
            api,
            "payFundUse",
            p,
            communityId=w.xingfu,
            useId=_proposed(api, w, "reviewEmergencyFundUse", "confirmEmergencyFundUse"),
        )
    ),
    "rejectFundUse in 幸福里": lambda api, w, p: _outcome(
        fund_call(api, "rejectFundUse", p, communityId=w.xingfu, useId=_proposed(api, w))
    ),
    "rejectEmergencyFundUse in 幸福里": lambda api, w, p: _outcome(
        fund_call(
            api,
            "rejectEmergencyFundUse",
            p,
            communityId=w.xingfu,
            useId=_proposed(api, w, "reviewEmergencyFundUse"),
        )
    ),
    "withdrawFundUse in 幸福里": lambda api, w, p: _outcome(
        fund_call(api, "withdrawFundUse", p, communityId=w.xingfu, useId=_proposed(api, w))
    ),
    "sendTopUpNotices in 幸福里": lambda api, w, p: _outcome(
        _funded(api, w)
        and fund_call(api, "sendTopUpNotices", p, communityId=w.xingfu, round=p.subject)
    ),
    "maintenanceFund of 幸福里": lambda api, w, p: _outcome(
        _funded(api, w) and api.gql(FUND, {"id": w.xingfu}, as_=p)["maintenanceFund"]
    ),
    "fundStatement of the resident's unit": lambda api, w, p: _outcome(
        _funded(api, w) and api.gql(STATEMENT, {"id": w.unit}, as_=p)["fundStatement"]
    ),
    "history of 幸福里's fund": lambda api, w, p: _outcome(
        api.gql(
            "query($id: ID!) { history(id: $id) { __typename } }", {"id": _funded(api, w)}, as_=p
        )["history"]
    ),
}

_REGULATOR_ONLY = dict(
    admin="allowed", regulator="allowed", company="denied", committee="denied", resident="denied"
)
_STEWARDS = dict(
    admin="allowed", regulator="allowed", company="allowed", committee="allowed", resident="denied"
)
FUND_EXPECTED: dict[str, dict[str, object]] = {
    "setFundDepositRule in 幸福里": _REGULATOR_ONLY,
    "topUpFund in 幸福里": _REGULATOR_ONLY,
    "proposeFundUse in 幸福里": dict(
        admin="allowed",
        regulator="denied",
        company="allowed",
        committee="denied",
        resident="denied",
    ),
    "reviewEmergencyFundUse in 幸福里": dict(
        admin="allowed",
        regulator="denied",
        company="denied",
        committee="allowed",
        resident="denied",
    ),
    "confirmEmergencyFundUse in 幸福里": _REGULATOR_ONLY,
    "payFundUse in 幸福里": _REGULATOR_ONLY,
    "rejectFundUse in 幸福里": dict(
        admin="allowed",
        regulator="denied",
        company="denied",
        committee="allowed",
        resident="denied",
    ),
    "rejectEmergencyFundUse in 幸福里": _REGULATOR_ONLY,
    "withdrawFundUse in 幸福里": dict(
        admin="allowed",
        regulator="denied",
        company="allowed",
        committee="denied",
        resident="denied",
    ),
    "sendTopUpNotices in 幸福里": dict(
        admin="allowed",
        regulator="allowed",
        company="denied",
        committee="allowed",
        resident="denied",
    ),
    "maintenanceFund of 幸福里": dict(_STEWARDS, resident="allowed"),
    "fundStatement of the resident's unit": dict(
        admin="allowed",
        regulator="allowed",
        company="allowed",
        committee="allowed",
        resident="allowed",
    ),
    "history of 幸福里's fund": _STEWARDS,
}
