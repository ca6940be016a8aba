"""What the console's browser tests look at, recorded through the real API over HTTP: a
community served by a company, with two units, an interim committee whose director signs in,
a maintenance fund with first deposits and a top-up given with its reason, a month of
common income published, an owners' decision with two paper ballots (closed by
``close_decision`` once its voting time is over), and the event log sealed. Also usable against a development server (``python -m
tests.e2e.console_world http://127.0.0.1:8000 <admin token> <community id>``)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from gongzhi.application.base import business_today
from gongzhi.graphql.auth import Principal, Role, issue_token
from tests.e2e.test_platform import graphql
from tests.e2e.test_shipped import served_community

TOP_UP_REASON = "101室业主补交维修资金，收据号 WX-2026-0042"
DIRECTOR = "李秀英"
DECISION_TITLE = "续聘安居物业服务企业"
# How long the seeded decision's voting stays open from its proposal: long enough for its
# two ballots on a loaded machine; ``close_decision`` closes it once it is over.
VOTING = timedelta(seconds=30)


@dataclass
class CommitteeWorld:
    community: str
    company: str
    person: str
    units: list[str]
    fund: str
    decision: str
    closes_at: datetime

    def committee_token(self, secret: str) -> str:
        return issue_token(
            secret,
            Principal(
                subject=f"ywh-{self.person[:8]}",
                role=Role.COMMITTEE_MEMBER,
                name=DIRECTOR,
                community_id=UUID(self.community),
                person_id=UUID(self.person),
            ),
        )


def mutate(base: str, token: str, name: str, input_type: str, fields: dict[str, Any]) -> Any:
    """One mutation; its answer must be a success (a payload), not a typed refusal."""
    query = f"""mutation($input: {input_type}!) {{ {name}(input: $input) {{ __typename
        ... on ValidationError {{ field message }} ... on Forbidden {{ message }}
        ... on NotFound {{ field message }} ... on Conflict {{ message }} }} }}"""
    answer = graphql(base, token, query, {"input": fields})[name]
    assert answer["__typename"].endswith("Payload"), (name, answer)
    return answer


def committee_world(
    base: str, admin: str, community: str | None = None, seats: int = 3, building: str = "9栋"
) -> CommitteeWorld:
    company = ""
    if community is None:
        community, company = served_community(base, admin)
    today = business_today()
    buildings = graphql(
        base,
        admin,
        """mutation($id: ID!, $b: String!) { addBuilding(input: {communityId: $id, number: $b,
        floors: 6, hasElevator: false, entranceNumbers: ["1单元"], reason: "测绘入册"}) {
        ... on CommunityPayload { community { buildings { number entrances { id } } } } } }""",
        {"id": community, "b": building},
    )["addBuilding"]["community"]["buildings"]
    entrance = next(b for b in buildings if b["number"] == building)["entrances"][0]["id"]
    units = []
    for number, area in (("101", "80.00"), ("102", "60.50")):
        added = graphql(
            base,
            admin,
            """mutation($c: ID!, $e: ID!, $n: String!, $a: Decimal!) { addUnit(input: {
            communityId: $c, entranceId: $e, number: $n, floor: 1, area: $a,
            areaSource: REGISTER, reason: "不动产登记"}) { ... on CommunityPayload { partId } } }""",
            {"c": community, "e": entrance, "n": number, "a": area},
        )["addUnit"]["partId"]
        units.append(added)
    members = []
    offices = [(DIRECTOR, "DIRECTOR"), ("王建国", "DEPUTY_DIRECTOR")]
    offices += [(name, "MEMBER") for name in ("赵敏", "陈刚", "周丽", "吴强")][: seats - 2]
    for name, office in offices:
        member = graphql(
            base,
            admin,
            """mutation($n: String!) { registerPerson(input: {name: $n, reason: "登记委员"}) {
            ... on PersonPayload { person { id } } } }""",
            {"n": name},
        )["registerPerson"]["person"]["id"]
        mutate(
            base,
            admin,
            "grantRole",
            "RoleInput",
            {
                "personId": member,
                "communityId": community,
                "role": "BUILDING_LEADER",
                "reason": "楼栋长",
            },
        )
        members.append({"personId": member, "name": name, "role": office})
    person = members[0]["personId"]
    # 101 is the director's, 102 the deputy's: the owners who vote on the decision
    for unit, member in zip(units, members, strict=False):
        mutate(
            base,
            admin,
            "recordOwnership",
            "RecordOwnershipInput",
            {
                "communityId": community,
                "unitId": unit,
                "owners": [{"personId": member["personId"]}],
                "on": (today - timedelta(days=60)).isoformat(),
                "reason": "不动产登记",
            },
        )
    decision, closes_at = voted_decision(base, admin, community, units, members)
    mutate(
        base,
        admin,
        "appointInterimCommittee",
        "AppointInterimCommitteeInput",
        {
            "communityId": community,
            "appointedOn": (today - timedelta(days=30)).isoformat(),
            "termEndsOn": (today + timedelta(days=600)).isoformat(),
            "members": members,
            "reason": "街道办组建物业管理委员会",
        },
    )
    base_fields = {"communityId": community}
    mutate(
        base,
        admin,
        "setFundDepositRule",
        "SetFundDepositRuleInput",
        {
            **base_fields,
            "commodityRate": "0.06",
            "buildingCostPerM2": "2000",
            "reformCostPricePerM2": "1500",
            "reason": "按市住建局标准",
        },
    )
    for unit in units:
        mutate(
            base,
            admin,
            "recordFirstDeposit",
            "RecordFirstDepositInput",
            {
                **base_fields,
                "unitId": unit,
                "housingKind": "COMMODITY",
                "depositedOn": (today - timedelta(days=20)).isoformat(),
                "reason": "首期交存",
            },
        )
    mutate(
        base,
        admin,
        "topUpFund",
        "TopUpFundInput",
        {
            **base_fields,
            "unitId": units[0],
            "amountFen": 123_456,
            "on": (today - timedelta(days=2)).isoformat(),
            "reason": TOP_UP_REASON,
        },
    )
    fund = graphql(
        base,
        admin,
        "query($c: ID!) { maintenanceFund(communityId: $c) { ... on MaintenanceFund { id } } }",
        {"c": community},
    )["maintenanceFund"]["id"]
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    mutate(
        base,
        admin,
        "recordCommonIncome",
        "RecordCommonIncomeInput",
        {
            **base_fields,
            "category": "ADVERTISING",
            "period": last_month,
            "grossFen": 600_000,
            "costFen": 50_000,
            "counterparty": "玉溪广告有限公司",
            "reason": "电梯广告收入",
        },
    )
    mutate(
        base,
        admin,
        "publishCommonIncome",
        "PublishCommonIncomeInput",
        {**base_fields, "period": last_month, "reason": "月度公示"},
    )
    # 审计封存: a checkpoint signed now (the scheduler makes one every hour)
    mutate(base, admin, "checkpointAudit", "CheckpointAuditInput", {"reason": "月度封存"})
    return CommitteeWorld(community, company, person, units, fund, decision, closes_at)


def voted_decision(
    base: str, admin: str, community: str, units: list[str], members: list[dict[str, str]]
) -> tuple[str, datetime]:
    """A decision of the whole community, open since yesterday until ``VOTING`` from now,
    with the paper ballots of 101 (同意) and 102 (反对)."""
    now = datetime.now(UTC)
    closes_at = now + VOTING
    mutate(
        base,
        admin,
        "proposeDecision",
        "ProposeDecisionInput",
        {
            "communityId": community,
            "scope": "COMMUNITY",
            "matter": "PROPERTY_COMPANY",
            "title": DECISION_TITLE,
            "opensAt": (now - timedelta(days=1)).isoformat(),
            "closesAt": closes_at.isoformat(),
            "reason": "合同期满，业委会提请表决",
        },
    )
    decisions = graphql(
        base,
        admin,
        """query($c: ID!) { decisions(communityId: $c, first: 20) {
        ... on DecisionConnection { decisions { id title } } } }""",
        {"c": community},
    )["decisions"]["decisions"]
    (found,) = [d["id"] for d in decisions if d["title"] == DECISION_TITLE]
    for unit, member, choice in zip(units, members, ("APPROVE", "OPPOSE"), strict=False):
        mutate(
            base,
            admin,
            "castBallot",
            "CastBallotInput",
            {
                "decisionId": found,
                "unitId": unit,
                "personId": member["personId"],
                "choice": choice,
                "channel": "PAPER",
                "reason": "纸质表决票录入",
            },
        )
    return found, closes_at


def close_decision(base: str, admin: str, world: CommitteeWorld) -> None:
    """Close the seeded decision's voting once its time is over (the platform refuses to
    close it earlier): asked again until the platform's clock has passed ``closes_at``."""
    deadline = time.monotonic() + VOTING.total_seconds() + 60
    while True:
        answer = graphql(
            base,
            admin,
            """mutation($d: ID!) { closeDecision(input: {decisionId: $d, reason: "表决期满"}) {
            __typename ... on ValidationError { field message } ... on Conflict { message } } }""",
            {"d": world.decision},
        )["closeDecision"]
        if answer["__typename"] == "DecisionPayload":
            return
        assert datetime.now(UTC) < world.closes_at + timedelta(seconds=5), answer
        assert time.monotonic() < deadline, answer
        time.sleep(0.5)  # pacing while the voting time runs out, not a synchronisation


if __name__ == "__main__":  # a development server: print the committee director's token
    import os

    world = committee_world(sys.argv[1], sys.argv[2], sys.argv[3], seats=5, building="8栋")
    print(world)
    print(world.committee_token(os.environ["GONGZHI_JWT_SECRET"]))
