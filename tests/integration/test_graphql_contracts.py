"""Service contracts over GraphQL: award on a real passed decision, start, notices, hand-over,
and the community's management mode following its contracts."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from uuid import UUID, uuid4

from gongzhi.application.base import Meta, business_today
from gongzhi.application.estate import estate_read
from gongzhi.demo import credit_code
from gongzhi.domain.decision import Decision
from gongzhi.domain.holding import UnitHolding
from gongzhi.domain.tally import VotingUnit
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_communities import register

META = Meta(actor="test", reason="业主大会表决", actor_role="PLATFORM_ADMIN")
TODAY = business_today()

CONTRACT_FIELDS = """
    id number mode companyName decisionId predecessorId successorId termStart termEnd
    feePerM2Month pricing commissionRate signedOn startedOn handedOverOn status version
    notice { kind givenOn effectiveOn decisionId }
"""
RESULT = f"""
    __typename
    ... on ServiceContractPayload {{ contract {{ {CONTRACT_FIELDS} }} successor {{ id status }} }}
    ... on ValidationError {{ field message }}
    ... on NotFound {{ field message }}
    ... on Forbidden {{ message }}
"""
AWARD = f"mutation($input: AwardContractInput!) {{ awardContract(input: $input) {{ {RESULT} }} }}"
START = f"mutation($input: StartContractInput!) {{ startContract(input: $input) {{ {RESULT} }} }}"
DISMISS = f"""mutation($input: GiveDismissalNoticeInput!) {{
    giveDismissalNotice(input: $input) {{ {RESULT} }} }}"""
DECLINE = f"""mutation($input: GiveNonRenewalNoticeInput!) {{
    giveNonRenewalNotice(input: $input) {{ {RESULT} }} }}"""
HAND_OVER = f"""mutation($input: HandOverContractInput!) {{
    handOverContract(input: $input) {{ {RESULT} }} }}"""


def new_community(api: Api, name: str = "幸福里", district: str = "红塔区") -> str:
    """A community registered in 2020, well before any contract of these tests."""
    result = register(
        api, name=name, district=district, registeredOn="2020-01-01", renovationCompletedOn=None
    )
    return str(result["community"]["id"])


def register_company(api: Api, name: str) -> str:
    result = api.gql(
        """mutation($name: String!, $code: String!) { registerCompany(input: {
        name: $name, creditCode: $code, reason: "备案"}) {
        ... on CompanyPayload { company { id } } } }""",
        {"name": name, "code": credit_code(random.Random(name))},
    )
    return str(result["registerCompany"]["company"]["id"])


def passed_decision(
    api: Api,
    community_id: str,
    *,
    closes: date,
    matter: str = "PROPERTY_COMPANY",
    approve: bool = True,
) -> str:
    """An owners' decision of the whole community, recorded through the domain: the owners
    of five units (added on first use) vote, and the voting closes on ``closes``."""
    app = api.platform.app
    community = app.community(UUID(community_id))
    if not any(b.number == "合同楼" for b in community.buildings.values()):
        building = community.add_building("合同楼", 5, False, ["1单元"])
        entrance = next(iter(community.buildings[building].entrances))
        holdings = [
            UnitHolding.open(
                community.id,
                community.add_unit(entrance, f"{floor}01", floor, "100", "REGISTER"),
                owners=[(uuid4(), Fraction(1))],
            )
            for floor in range(1, 6)
        ]
        app.record(META, community, *holdings)
    closes_at = datetime(closes.year, closes.month, closes.day, tzinfo=UTC)
    decision = Decision.propose(
        community_id=community.id,
        scope="COMMUNITY",
        scope_id=community.id,
        matter=matter,
        title="选聘物业服务企业",
        opens_at=closes_at - timedelta(days=14),
        closes_at=closes_at,
    )
    # Each unit's voter and owners are its holding's (issue 13)
    units = estate_read(
        app,
        community.id,
        "communityId",
        lambda c, e: [
            (VotingUnit(str(u.id), u.area, e.holding(u.id).voter), e.holding(u.id).owners)
            for u in c.units_in("COMMUNITY", c.id)
        ],
    )
    voters = [unit.voter for unit, _ in units]
    # Ballots are aggregates of their own (issue 13): recorded with the decision.
    ballots = [
        decision.cast_ballot(
            voter=unit.voter,
            eligible_voters=voters,
            choice="APPROVE" if approve else "OPPOSE",
            channel="PAPER",
            cast_by=owners[0][0],
            at=closes_at - timedelta(days=1),
        )
        for unit, owners in units
        if owners
    ]
    decision.close([unit for unit, _ in units], closes_at, ballots)
    assert decision.passed() is approve
    app.record(META, decision, *ballots)
    api.settle()  # the mutations find the decision in the views
    return str(decision.id)


def award(
    api: Api,
    community_id: str,
    *,
    as_: Principal | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    data = {
        "communityId": community_id,
        "mode": "PROFESSIONAL",
        "termStart": "2024-07-01",
        "termEnd": "2027-06-30",
        "feePerM2Month": "1.35",
        "pricing": "LUMP_SUM",
        "signedOn": "2024-06-01",
        "reason": "依业主大会决定选聘",
        **overrides,
    }
    kwargs = {"as_": as_} if as_ is not None else {}
    result: dict[str, Any] = api.gql(AWARD, {"input": data}, **kwargs)["awardContract"]
    return result


def run(api: Api, mutation: str, as_: Principal | None = None, **data: Any) -> dict[str, Any]:
    kwargs = {"as_": as_} if as_ is not None else {}
    result = api.gql(mutation, {"input": {"reason": "合同管理", **data}}, **kwargs)
    value: dict[str, Any] = next(iter(result.values()))
    return value


def hired(api: Api, community_id: str, company_id: str, start: date, end: date) -> str:
    """A started contract for ``company_id``, on a decision that closed before it was signed."""
    decision = passed_decision(api, community_id, closes=start - timedelta(days=40))
    contract = award(
        api,
        community_id,
        companyId=company_id,
        decisionId=decision,
        termStart=start.isoformat(),
        termEnd=end.isoformat(),
        signedOn=(start - timedelta(days=30)).isoformat(),
    )
    assert contract["__typename"] == "ServiceContractPayload", contract
    contract_id = str(contract["contract"]["id"])
    started = run(api, START, contractId=contract_id)
    assert started["__typename"] == "ServiceContractPayload", started
    return contract_id


def management(api: Api, community_id: str, *days: date) -> list[str | None]:
    """The serving company's name today and on each of ``days``."""
    fields = " ".join(
        f'd{i}: managementOn(date: "{day.isoformat()}") {{ companyName }}'
        for i, day in enumerate(days)
    )
    data = api.gql(
        f"""query($id: ID!) {{ community(id: $id) {{ ... on Community {{
        management {{ companyName }} {fields} }} }} }}""",
        {"id": community_id},
    )["community"]
    names = [data["management"]] + [data[f"d{i}"] for i in range(len(days))]
    return [n["companyName"] if n else None for n in names]


def test_a_company_hired_on_a_passed_decision_manages_the_community_from_the_start(
    api: Api,
) -> None:
    # Given a community and the owners' passed decision to hire 安居物业
    community = new_community(api)
    anju = register_company(api, "安居物业")
    decision = passed_decision(api, community, closes=date(2024, 5, 15))

    # When the street office awards a 酬金制 contract on it
    awarded = award(
        api,
        community,
        companyId=anju,
        decisionId=decision,
        pricing="COMMISSION",
        commissionRate="0.1",
        feePerM2Month="0.855",
    )

    # Then the contract is the community's first, awarded and not yet in force
    assert awarded["__typename"] == "ServiceContractPayload", awarded
    contract = awarded["contract"]
    assert contract["number"] == 1 and contract["status"] == "AWARDED"
    assert contract["companyName"] == "安居物业" and contract["decisionId"] == decision
    assert contract["feePerM2Month"] == "0.8550" and contract["commissionRate"] == "0.1000"
    assert management(api, community) == [None]

    # When it starts
    started = run(api, START, contractId=contract["id"])["contract"]

    # Then the community is managed by 安居物业 from the term's start
    assert started["startedOn"] == "2024-07-01"
    assert management(api, community, date(2024, 6, 30), date(2024, 7, 1)) == [
        "安居物业",
        None,
        "安居物业",
    ]
    # And after its term, with no decision, the contract runs on indefinitely
    statuses = api.gql(
        """query($id: ID!) { contract(id: $id) { ... on ServiceContract {
        during: statusOn(date: "2027-06-30") after: statusOn(date: "2027-07-01") } } }""",
        {"id": contract["id"]},
    )["contract"]
    assert statuses == {"during": "IN_FORCE", "after": "RUNNING_ON_INDEFINITELY"}
    # And its history is readable
    history = api.gql(
        """query($id: ID!) { history(id: $id) { ... on HistoryConnection {
        entries { eventType reason } } } }""",
        {"id": contract["id"]},
    )["history"]["entries"]
    assert [e["eventType"] for e in history] == ["Awarded", "Started"]


def test_the_old_company_serves_until_the_successor_takes_over(api: Api) -> None:
    # Given 安居物业 in force since 400 days ago, for three years
    community = new_community(api)
    anju, hongta = register_company(api, "安居物业"), register_company(api, "红塔物业")
    start = TODAY - timedelta(days=400)
    old = hired(api, community, anju, start, start + timedelta(days=3 * 365))

    # When the owners decide to dismiss it and the committee gives 60 days' notice
    dismissal = passed_decision(api, community, closes=TODAY - timedelta(days=100))
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(community))
    given_on = TODAY - timedelta(days=90)
    noticed = run(
        api,
        DISMISS,
        as_=committee,
        contractId=old,
        decisionId=dismissal,
        givenOn=given_on.isoformat(),
        effectiveOn=(given_on + timedelta(days=60)).isoformat(),
    )
    assert noticed["__typename"] == "ServiceContractPayload", noticed
    assert noticed["contract"]["status"] == "ENDING"
    assert noticed["contract"]["notice"]["kind"] == "DISMISSAL"

    # And 红塔物业 is awarded the successor on the same decision
    successor = award(
        api,
        community,
        companyId=hongta,
        decisionId=dismissal,
        predecessorId=old,
        termStart=(TODAY - timedelta(days=30)).isoformat(),
        termEnd=(TODAY + timedelta(days=1000)).isoformat(),
        signedOn=(TODAY - timedelta(days=60)).isoformat(),
    )
    assert successor["__typename"] == "ServiceContractPayload", successor
    new = successor["contract"]["id"]
    assert successor["contract"]["number"] == 2 and successor["contract"]["predecessorId"] == old

    # When the hand-over happens 20 days ago, ten days after the notice took effect
    hand_over_on = TODAY - timedelta(days=20)
    handed = run(api, HAND_OVER, contractId=old, on=hand_over_on.isoformat())

    # Then the old contract is handed over and the new one in force
    assert handed["__typename"] == "ServiceContractPayload", handed
    assert handed["contract"]["status"] == "HANDED_OVER"
    assert handed["contract"]["handedOverOn"] == hand_over_on.isoformat()
    assert handed["successor"] == {"id": new, "status": "IN_FORCE"}
    # And 安居物业 served until the day before, 红塔物业 from the hand-over on
    assert management(api, community, hand_over_on - timedelta(days=1), hand_over_on) == [
        "红塔物业",
        "安居物业",
        "红塔物业",
    ]
    # And the community's contracts list both, in order, with their status today
    listed = api.gql(
        """query($id: ID!) { contracts(communityId: $id) { ... on ServiceContractList {
        contracts { number companyName status startedOn } } } }""",
        {"id": community},
    )["contracts"]["contracts"]
    assert listed == [
        {
            "number": 1,
            "companyName": "安居物业",
            "status": "HANDED_OVER",
            "startedOn": start.isoformat(),
        },
        {
            "number": 2,
            "companyName": "红塔物业",
            "status": "IN_FORCE",
            "startedOn": hand_over_on.isoformat(),
        },
    ]


def test_community_custody_is_arranged_without_company_or_decision(api: Api) -> None:
    # Given a community without a company
    community = new_community(api)

    # When the street office arranges 社区托管 with no end date, and it starts
    awarded = award(
        api,
        community,
        mode="COMMUNITY_CUSTODY",
        termEnd=None,
        feePerM2Month="0.3",
    )
    assert awarded["__typename"] == "ServiceContractPayload", awarded
    run(api, START, contractId=awarded["contract"]["id"])

    # Then the community is in community custody, and the contract in force
    mode = api.gql(
        """query($id: ID!) { community(id: $id) { ... on Community { management { mode } } } }""",
        {"id": community},
    )["community"]["management"]
    assert mode == {"mode": "COMMUNITY_CUSTODY"}
    contract = api.gql(
        """query($id: ID!) { contract(id: $id) { ... on ServiceContract { status termEnd } } }""",
        {"id": awarded["contract"]["id"]},
    )["contract"]
    assert contract == {"status": "IN_FORCE", "termEnd": None}


def test_a_company_declines_renewal_ninety_days_ahead(api: Api) -> None:
    # Given 安居物业's contracts in two communities, ending in 89 and in 90 days
    anju = register_company(api, "安居物业")
    staff = Principal(subject="staff", role=Role.COMPANY_STAFF, company_id=UUID(anju))
    contracts = {}
    for days in (89, 90):
        end = TODAY + timedelta(days=days)
        contracts[days] = hired(
            api, new_community(api, f"小区{days}"), anju, end - timedelta(days=700), end
        )

    # When its staff decline renewal today, 89 days before the end, it is refused
    late = run(api, DECLINE, as_=staff, contractId=contracts[89])
    assert late["__typename"] == "ValidationError"
    assert late["field"] == "input.givenOn" and "90 days' notice" in late["message"]

    # When they decline today, 90 days before the end, it is accepted
    declined = run(api, DECLINE, as_=staff, contractId=contracts[90])

    # Then the contract is ending with its term
    assert declined["__typename"] == "ServiceContractPayload", declined
    assert declined["contract"]["notice"] == {
        "kind": "NON_RENEWAL",
        "givenOn": TODAY.isoformat(),
        "effectiveOn": (TODAY + timedelta(days=91)).isoformat(),
        "decisionId": None,
    }
    assert declined["contract"]["status"] == "ENDING"


def test_bad_decisions_companies_and_notices_are_refused_with_the_field(api: Api) -> None:
    # Given a community, another one, and a company
    community = new_community(api)
    other = new_community(api, "和平苑")
    anju = register_company(api, "安居物业")
    may = date(2024, 5, 15)

    def refused(**overrides: Any) -> tuple[str, str, str]:
        result = award(api, community, companyId=anju, **overrides)
        return result["__typename"], result["field"], result["message"]

    # Then a decision on another matter, of another community, or not passed is refused
    committee_matter = passed_decision(api, community, closes=may, matter="COMMITTEE")
    assert refused(decisionId=committee_matter)[:2] == ("ValidationError", "input.decisionId")
    assert "PROPERTY_COMPANY" in refused(decisionId=committee_matter)[2]
    elsewhere = passed_decision(api, other, closes=may)
    # (refused before the command runs: the decision must belong to the input's community)
    assert refused(decisionId=elsewhere) == (
        "ValidationError",
        "input.decisionId",
        "this decision is not in that community",
    )
    rejected = passed_decision(api, community, closes=may, approve=False)
    assert "did not pass" in refused(decisionId=rejected)[2]
    # And an unknown company or decision is not found
    decision = passed_decision(api, community, closes=may)
    unknown = award(api, community, companyId=str(uuid4()), decisionId=decision)
    assert (unknown["__typename"], unknown["field"]) == ("NotFound", "input.companyId")
    missing = refused(decisionId=str(uuid4()))
    assert missing[:2] == ("NotFound", "input.decisionId")
    # And an inexact fee or a commission rate for 包干制 names its field
    assert refused(decisionId=decision, feePerM2Month="1.23456")[1] == "input.feePerM2Month"
    assert refused(decisionId=decision, commissionRate="0.1")[1] == "input.commissionRate"

    # Given a contract in force
    first = award(api, community, companyId=anju, decisionId=decision)["contract"]["id"]
    run(api, START, contractId=first)

    # Then a second contract that is not the successor is refused
    second = passed_decision(api, community, closes=date(2025, 1, 1))
    again = refused(
        decisionId=second, termStart="2025-03-01", termEnd="2028-02-28", signedOn="2025-02-01"
    )
    assert again[:2] == ("ValidationError", "input.predecessorId")
    # And the decision that backs the first contract cannot back another
    reused = refused(
        decisionId=decision,
        predecessorId=first,
        termStart="2025-03-01",
        termEnd="2028-02-28",
        signedOn="2025-02-01",
    )
    assert "already backs" in reused[2]
    # And a dismissal with 59 days' notice is refused, naming the earliest day
    short = run(
        api,
        DISMISS,
        contractId=first,
        decisionId=second,
        givenOn="2025-01-02",
        effectiveOn="2025-03-02",
    )
    assert short["__typename"] == "ValidationError" and short["field"] == "input.effectiveOn"
    assert "2025-03-03 at the earliest" in short["message"]
    # And an unknown or malformed contract id is named
    nowhere = run(api, START, contractId=str(uuid4()))
    assert (nowhere["__typename"], nowhere["field"]) == ("NotFound", "input.contractId")
    malformed = run(api, START, contractId="not-an-id")
    assert (malformed["__typename"], malformed["field"]) == ("ValidationError", "input.contractId")
    # And a hand-over without a successor is refused
    lone = run(api, HAND_OVER, contractId=first, on="2025-06-01")
    assert (lone["__typename"], lone["field"]) == ("ValidationError", "input.contractId")


def test_only_the_committee_dismisses_and_only_the_company_declines(api: Api) -> None:
    # Given 安居物业's contract in force in 幸福里, in 红塔区
    community = new_community(api)
    anju = register_company(api, "安居物业")
    contract = hired(api, community, anju, date(2024, 7, 1), date(2027, 6, 30))
    dismissal = passed_decision(api, community, closes=date(2025, 1, 1))
    others = [
        Principal(subject="staff", role=Role.COMPANY_STAFF, company_id=UUID(anju)),
        Principal(subject="reg", role=Role.REGULATOR, districts=("红塔区",)),
        Principal(subject="other", role=Role.COMMITTEE_MEMBER, community_id=uuid4()),
    ]

    # Then neither the company, nor the regulator, nor another committee dismisses it
    for who in others:
        result = run(
            api,
            DISMISS,
            as_=who,
            contractId=contract,
            decisionId=dismissal,
            givenOn="2025-01-02",
            effectiveOn="2025-03-03",
        )
        assert result["__typename"] == "Forbidden", (who.subject, result)
    # And another company's staff cannot decline on 安居物业's behalf
    stranger = Principal(subject="x", role=Role.COMPANY_STAFF, company_id=uuid4())
    assert run(api, DECLINE, as_=stranger, contractId=contract)["__typename"] == "Forbidden"


def test_another_communitys_decision_or_contract_is_refused_and_records_nothing(
    api: Api,
) -> None:
    # Given 安居物业's contracts in force in 幸福里 and in 和平苑, and a passed decision of each
    xingfu, heping = new_community(api), new_community(api, "和平苑", "江川区")
    anju = register_company(api, "安居物业")
    ours = hired(api, xingfu, anju, date(2024, 7, 1), date(2027, 6, 30))
    theirs = hired(api, heping, anju, date(2024, 7, 1), date(2027, 6, 30))
    their_decision = passed_decision(api, heping, closes=date(2025, 1, 1))
    our_decision = passed_decision(api, xingfu, closes=date(2025, 1, 1))
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(xingfu))
    before = api.platform.app.recorder.max_notification_id()
    # When 幸福里's committee dismisses its company on 和平苑's decision
    dismissal = {"decisionId": their_decision, "givenOn": "2025-01-02", "effectiveOn": "2025-03-03"}
    named = run(api, DISMISS, as_=committee, contractId=ours, **dismissal)
    # Then the decision is not found for it, named by its field
    assert (named["__typename"], named["field"]) == ("NotFound", "input.decisionId")
    # And it may not dismiss the company from 和平苑's contract
    other = run(api, DISMISS, as_=committee, contractId=theirs, **dismissal)
    assert other["__typename"] == "Forbidden"
    # And 红塔区's regulator may not award 幸福里's next contract as 和平苑's contract's successor
    regulator = Principal(subject="reg", role=Role.REGULATOR, districts=("红塔区",))
    successor = award(
        api,
        xingfu,
        as_=regulator,
        companyId=anju,
        decisionId=our_decision,
        predecessorId=theirs,
    )
    assert (successor["__typename"], successor["field"]) == ("NotFound", "input.predecessorId")
    # And nothing was recorded
    assert api.platform.app.recorder.max_notification_id() == before


def test_another_tenants_contract_is_not_found_by_name(api: Api) -> None:
    # Given 安居物业's contract in 幸福里 and 红塔物业's in 和平苑
    xingfu, heping = new_community(api), new_community(api, "和平苑", "江川区")
    anju, hongta = register_company(api, "安居物业"), register_company(api, "红塔物业")
    hired(api, xingfu, anju, date(2024, 7, 1), date(2027, 6, 30))
    theirs = hired(api, heping, hongta, date(2024, 7, 1), date(2027, 6, 30))
    staff = Principal(subject="aj", role=Role.COMPANY_STAFF, company_id=UUID(anju))
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(xingfu))
    one = """query($id: ID!) { contract(id: $id) { __typename
        ... on ServiceContract { companyName } ... on NotFound { field message } } }"""
    listed = """query($id: ID!) { contracts(communityId: $id) { __typename
        ... on NotFound { field message } } }"""

    # When 安居物业's staff or 幸福里's committee name 和平苑's contract or 和平苑
    for who in (staff, committee):
        contract = api.gql(one, {"id": theirs}, as_=who)["contract"]
        contracts = api.gql(listed, {"id": heping}, as_=who)["contracts"]
        # Then each is NotFound naming the argument, and shows nothing of the contract
        assert (contract["__typename"], contract["field"]) == ("NotFound", "id")
        assert (contracts["__typename"], contracts["field"]) == ("NotFound", "communityId")
        assert "红塔物业" not in str(contract)


# --- operations of the access matrix (tests/integration/test_access_matrix.py) ---
# Roles that may act get a community of their own, so that the second allowed call does
# not collide with the first; the others act on 幸福里, where they are in scope.

LIST = """query($id: ID!) { contracts(communityId: $id) { __typename
    ... on ServiceContractList { contracts { id startedOn successorId notice { kind } } } } }"""


def _community_for(api: Api, world: Any, who: Principal) -> str:
    if who.role in {Role.PLATFORM_ADMIN, Role.REGULATOR}:
        return str(register(api, name=f"合同-{who.subject}", district="红塔区")["community"]["id"])
    return str(world.xingfu)


def _contract_in(api: Api, community: str, world: Any, stage: str) -> str:
    """Contract no. 1 of 安居物业 in ``community``, brought (as an admin) to ``stage``:
    "awarded", "started" or "succeeded" (dismissed with notice, successor awarded)."""
    contracts = api.gql(LIST, {"id": community})["contracts"]["contracts"]
    if not contracts:
        decision = passed_decision(api, community, closes=date(2024, 5, 15))
        award(api, community, companyId=world.anju, decisionId=decision)
        contracts = api.gql(LIST, {"id": community})["contracts"]["contracts"]
    first = contracts[0]
    if stage in {"started", "succeeded"} and first["startedOn"] is None:
        run(api, START, contractId=first["id"])
    if stage == "succeeded" and first["successorId"] is None:
        decision = passed_decision(api, community, closes=date(2024, 9, 1))
        run(
            api,
            DISMISS,
            contractId=first["id"],
            decisionId=decision,
            givenOn="2024-09-02",
            effectiveOn="2024-11-01",
        )
        award(
            api,
            community,
            companyId=world.hongta,
            decisionId=decision,
            predecessorId=first["id"],
            termStart="2024-11-01",
            termEnd="2027-10-31",
            signedOn="2024-09-10",
        )
    return str(first["id"])


def matrix_award(api: Api, world: Any, who: Principal) -> str:
    community = _community_for(api, world, who)
    result = award(api, community, as_=who, mode="COMMUNITY_CUSTODY", termEnd=None)
    return str(result["__typename"])


def matrix_start(api: Api, world: Any, who: Principal) -> str:
    contract = _contract_in(api, _community_for(api, world, who), world, "awarded")
    return str(run(api, START, as_=who, contractId=contract)["__typename"])


def matrix_dismiss(api: Api, world: Any, who: Principal) -> str:
    community = _community_for(api, world, who)
    contract = _contract_in(api, community, world, "started")
    decision = passed_decision(api, community, closes=date(2024, 9, 1))
    result = run(
        api,
        DISMISS,
        as_=who,
        contractId=contract,
        decisionId=decision,
        givenOn="2024-09-02",
        effectiveOn="2024-11-01",
    )
    return str(result["__typename"])


def matrix_decline(api: Api, world: Any, who: Principal) -> str:
    contract = _contract_in(api, _community_for(api, world, who), world, "started")
    result = run(api, DECLINE, as_=who, contractId=contract, givenOn="2024-09-02")
    return str(result["__typename"])


def matrix_hand_over(api: Api, world: Any, who: Principal) -> str:
    contract = _contract_in(api, _community_for(api, world, who), world, "succeeded")
    return str(run(api, HAND_OVER, as_=who, contractId=contract, on="2024-11-01")["__typename"])


def matrix_read(api: Api, community: str, who: Principal) -> str:
    kind = api.gql(LIST, {"id": community}, as_=who)["contracts"]["__typename"]
    return {"ServiceContractList": "visible", "NotFound": "hidden"}[kind]
