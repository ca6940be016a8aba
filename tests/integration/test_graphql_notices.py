"""通知, 公示 and 催缴 over the API, on real PostgreSQL: notices with read receipts and a
resident's feed, 公示 written by the platform from the events (the same rows after a
rebuild), and arrears reminders once per round."""

from __future__ import annotations

import json
import re
from typing import Any

from gongzhi.application.base import Meta
from gongzhi.application.common_income import PublishCommonIncome
from gongzhi.application.fields import Kind
from gongzhi.graphql.auth import Principal
from tests.integration.conftest import Api
from tests.integration.tenants import Tenant

META = Meta(actor="test", reason="测试")

NOTICE = """id type publicityKind title body current read households householdsRead
    members membersRead publishFrom publishUntil details source { aggregateId version event position }"""
PUBLISH = f"""mutation($input: PublishNoticeInput!) {{ publishNotice(input: $input) {{
    __typename ... on NoticePayload {{ notice {{ {NOTICE} }} }}
    ... on ValidationError {{ field message }} ... on Forbidden {{ message }} }} }}"""
MARK = f"""mutation($n: ID!, $u: ID!) {{ markNoticeRead(input: {{noticeId: $n, unitId: $u,
    reason: "已读"}}) {{ __typename ... on NoticePayload {{ position notice {{ {NOTICE} }} }} }} }}"""
COUNTED_FEED = "{ myNotices { ... on NoticeConnection { pageInfo { totalCount } } } }"
FEED = f"""{{ myNotices {{ __typename ... on NoticeConnection {{ notices {{ {NOTICE} }} }} }} }}"""
NOTICES = f"""query($c: ID!, $t: NoticeType) {{ notices(communityId: $c, type: $t, first: 100) {{
    __typename ... on NoticeConnection {{ notices {{ {NOTICE} }} }} }} }}"""
HOUSEHOLDS = """query($n: ID!) { noticeHouseholds(noticeId: $n) { __typename
    ... on NoticeHouseholds { households householdsRead unread { label } } } }"""
REMIND = """mutation($c: ID!, $r: String!) { issueArrearsReminders(input: {communityId: $c,
    round: $r, reason: "催缴"}) { __typename ... on ArrearsRoundPayload { issued
    reminders { label owed bills noticeId read } } ... on Forbidden { message } } }"""


MARK_MEMBER = f"""mutation($n: ID!, $p: ID!) {{ markCommitteeNoticeRead(input: {{noticeId: $n,
    personId: $p, reason: "已读"}}) {{ __typename ... on NoticePayload {{ position
    notice {{ {NOTICE} }} }} ... on ValidationError {{ field message }}
    ... on Forbidden {{ message }} ... on NotFound {{ field message }} }} }}"""
MEMBERS = """query($n: ID!) { noticeMembers(noticeId: $n) { __typename
    ... on NoticeMembers { members membersRead readers { personId name role read readAt } }
    ... on ValidationError { field message } } }"""


def publish(api: Api, who: Principal, **fields: Any) -> dict[str, Any]:
    variables = {"input": {"reason": "通知", "title": "停水", "body": "周三 9-12 时停水", **fields}}
    result: dict[str, Any] = api.gql(PUBLISH, variables, as_=who)["publishNotice"]
    return result


REMINDERS = """query($c: ID!, $r: String!) { arrearsReminders(communityId: $c, round: $r) {
    __typename } }"""


def test_a_notice_reaches_the_households_addressed_and_counts_their_receipts(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, theirs = tenants
    who = mine.principals()
    # Given a notice of the serving company to the whole community, for owners
    published = publish(
        api, who["staff"], communityId=str(mine.community), audience="COMMUNITY", roles="OWNERS"
    )
    assert published["__typename"] == "NoticePayload"
    notice = published["notice"]
    assert notice["households"] == 1 and notice["householdsRead"] == 0
    assert notice["current"] is True
    # (a week by default, Shanghai dates, both included)
    assert notice["publishFrom"] < notice["publishUntil"]
    # When the resident reads the feed, Then it is there, unread, before the read ones
    feed = api.gql(FEED, as_=who["resident"])["myNotices"]["notices"]
    assert notice["id"] in [n["id"] for n in feed]
    assert all(n["read"] is False for n in feed)
    counted = api.gql(COUNTED_FEED, as_=who["resident"])["myNotices"]["pageInfo"]["totalCount"]
    assert counted == len(feed)
    # When the household marks it read, twice
    first = api.gql(MARK, {"n": notice["id"], "u": str(mine.unit)}, as_=who["resident"])
    again = api.gql(MARK, {"n": notice["id"], "u": str(mine.unit)}, as_=who["resident"])
    assert first["markNoticeRead"]["notice"]["read"] is True
    # Then the second records nothing, and the stewards count one household read
    assert again["markNoticeRead"]["position"] == "0"
    households = api.gql(HOUSEHOLDS, {"n": notice["id"]}, as_=who["committee"])
    assert households["noticeHouseholds"] == {
        "__typename": "NoticeHouseholds",
        "households": 1,
        "householdsRead": 1,
        "unread": [],
    }
    feed = api.gql(FEED, as_=who["resident"])["myNotices"]["notices"]
    assert [n["read"] for n in feed if n["id"] == notice["id"]] == [True]
    # And the other tenant's resident neither sees it nor may mark it
    other = theirs.principals()["resident"]
    assert notice["id"] not in [n["id"] for n in api.gql(FEED, as_=other)["myNotices"]["notices"]]
    refused = api.gql(MARK, {"n": notice["id"], "u": str(theirs.unit)}, as_=other)
    assert refused["markNoticeRead"]["__typename"] in {"NotFound", "Forbidden"}


def test_a_notice_names_the_part_its_audience_says(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, _ = tenants
    staff = mine.principals()["staff"]
    # A building notice without its building, and a community notice naming a unit
    missing = publish(api, staff, communityId=str(mine.community), audience="BUILDING")
    extra = publish(
        api, staff, communityId=str(mine.community), audience="COMMUNITY", unitId=str(mine.unit)
    )
    assert (missing["__typename"], missing["field"]) == ("ValidationError", "input.buildingId")
    assert (extra["__typename"], extra["field"]) == ("ValidationError", "input.unitId")
    # A period that ends before it starts
    backwards = publish(
        api,
        staff,
        communityId=str(mine.community),
        audience="COMMUNITY",
        publishFrom="2026-12-10",
        publishUntil="2026-12-01",
    )
    assert (backwards["__typename"], backwards["field"]) == (
        "ValidationError",
        "input.publishUntil",
    )
    # A resident may not publish
    resident = publish(
        api, mine.principals()["resident"], communityId=str(mine.community), audience="COMMUNITY"
    )
    assert resident["__typename"] == "Forbidden"


def _publicity(api: Api, tenant: Tenant) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = api.gql(NOTICES, {"c": str(tenant.community), "t": "PUBLICITY"})[
        "notices"
    ]["notices"]
    return result


def test_the_platform_publishes_from_the_events_exactly_once(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, _ = tenants
    app = api.platform.app
    # Given the tenant's contract award (recorded when it was built), and its common income
    # of last month published by the company
    # (a connection of its own, closed at once: an open one would hold its transaction's
    # table locks while the projector works)
    with api.platform.engine.connect() as connection:
        entry_period = connection.exec_driver_sql(
            "SELECT period FROM common_income_entries WHERE id = %(id)s",
            {"id": mine.things[Kind.COMMON_INCOME_ENTRY]},
        ).scalar_one()
    app.publish_common_income(
        META, PublishCommonIncome(community_id=mine.community, period=entry_period)
    )
    api.settle()
    # Then each is a 公示 of the community, with its period and the event it comes from
    shown = {n["publicityKind"]: n for n in _publicity(api, mine)}
    assert set(shown) == {"CONTRACT_AWARD", "COMMON_INCOME"}
    award, income = shown["CONTRACT_AWARD"], shown["COMMON_INCOME"]
    assert award["source"]["aggregateId"] == mine.things[Kind.CONTRACT]
    assert award["source"]["event"] == "ServiceContract.Awarded"
    assert award["source"]["position"] is not None
    assert "元/㎡·月（包干制）" in award["body"] and "LUMP_SUM" not in award["body"]
    assert income["source"]["event"] == "CommonIncomeLedger.PeriodPublished"
    assert "净收益1000.00元" in income["body"]
    assert '"allocation"' in income["details"]
    # each share names its unit by 楼栋-单元-房号, not by id alone (issue 15, defect 4)
    shares = json.loads(income["details"])["allocation"]
    assert shares and all(re.fullmatch(r".+-.+-.+", share["label"]) for share in shares)
    # the period: 15 days for an award, 30 for common income, that day included
    from datetime import date

    def days(n: dict[str, Any]) -> int:
        return (
            date.fromisoformat(n["publishUntil"]) - date.fromisoformat(n["publishFrom"])
        ).days + 1

    assert (days(award), days(income)) == (15, 30)
    # And a household marks a 公示 read like any notice, and its receipt outlives a rebuild
    resident = mine.principals()["resident"]
    marked = api.gql(MARK, {"n": award["id"], "u": str(mine.unit)}, as_=resident)
    assert marked["markNoticeRead"]["notice"]["read"] is True
    # When the views are rebuilt from the log
    before = _rows(api)
    api.platform.projection_runner(batch_size=7).rebuild()
    # Then the same 公示 rows come back, no more, and the receipt with them
    assert _rows(api) == before
    feed = api.gql(FEED, as_=resident)["myNotices"]["notices"]
    assert [n["read"] for n in feed if n["id"] == award["id"]] == [True]


def _rows(api: Api) -> list[Any]:
    with api.platform.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.exec_driver_sql(
                "SELECT id, community_id, publicity_kind, title, body, details::text, "
                "publish_from, publish_until, source_id, source_version, source_position "
                "FROM notices WHERE kind = 'PUBLICITY' ORDER BY id"
            )
        ]


def test_arrears_reminders_go_once_per_round_to_the_units_in_arrears(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, _ = tenants
    who = mine.principals()
    with api.platform.engine.connect() as conn:
        in_arrears = conn.exec_driver_sql(
            "SELECT count(DISTINCT unit_id) FROM fee_bills WHERE community_id = %(c)s "
            "AND due_on < (now() AT TIME ZONE 'Asia/Shanghai')::date "
            "AND amount_fen - paid_fen - written_off_fen > 0",
            {"c": mine.community},
        ).scalar_one()
    assert in_arrears == 1, "the tenant's unit paid 10 元 of last month's bill"
    # When the company issues round 2026-12, twice
    first = api.gql(REMIND, {"c": str(mine.community), "r": "R1"}, as_=who["staff"])
    again = api.gql(REMIND, {"c": str(mine.community), "r": "R1"}, as_=who["staff"])
    # Then one reminder is issued, and none the second time
    assert first["issueArrearsReminders"]["issued"] == 1
    assert again["issueArrearsReminders"]["issued"] == 0
    (reminder,) = again["issueArrearsReminders"]["reminders"]
    assert reminder["label"] == "1栋-1单元-101" and reminder["owed"] > 0
    # And the household finds it in its feed, with the legal path and no threat to utilities
    feed = api.gql(FEED, as_=who["resident"])["myNotices"]["notices"]
    (shown,) = [n for n in feed if n["id"] == reminder["noticeId"]]
    assert shown["type"] == "ARREARS_REMINDER"
    assert "诉讼或申请仲裁" in shown["body"] and "不会以停止供水" in shown["body"]
    # And the committee may not issue reminders: the claim is the company's
    refused = api.gql(REMIND, {"c": str(mine.community), "r": "R2"}, as_=who["committee"])
    assert refused["issueArrearsReminders"]["__typename"] == "Forbidden"


STATEMENT = """query($u: ID!) { feeStatement(unitId: $u) { __typename ... on FeeStatement {
    outstandingFen lateFeeFen creditFen balanceFen } } }"""


def test_a_reminder_asks_for_what_the_statement_shows_late_fees_included(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    from datetime import timedelta

    from gongzhi.application.base import business_today
    from gongzhi.application.billing import RunBilling

    mine, _ = tenants
    who = mine.principals()
    # Given a bill of two months ago too, overdue for a month: it has run up a late fee
    earlier = (business_today().replace(day=1) - timedelta(days=32)).strftime("%Y-%m")
    api.platform.app.run_billing(META, RunBilling(community_id=mine.community, period=earlier))
    api.settle()
    statement = api.gql(STATEMENT, {"u": str(mine.unit)}, as_=who["staff"])["feeStatement"]
    assert statement["lateFeeFen"] > 0 and statement["balanceFen"] > statement["outstandingFen"]
    # When the company issues a round
    issued = api.gql(REMIND, {"c": str(mine.community), "r": "R1"}, as_=who["staff"])
    # Then the unit is reminded of what its statement shows it owes, late fees included
    (reminder,) = issued["issueArrearsReminders"]["reminders"]
    assert reminder["owed"] == statement["balanceFen"]
    assert reminder["bills"] == 2
    # And the notice says it in 元 with two places, the late fee named
    feed = api.gql(FEED, as_=who["resident"])["myNotices"]["notices"]
    (shown,) = [n for n in feed if n["id"] == reminder["noticeId"]]
    owed, late = statement["balanceFen"], statement["lateFeeFen"]
    assert f"合计{owed // 100}.{owed % 100:02d}元" in shown["body"]
    assert f"含滞纳金{late // 100}.{late % 100:02d}元" in shown["body"]


def _members(api: Api, community: Any) -> list[str]:
    """The person ids of the community's committee, in office order."""
    with api.platform.engine.connect() as conn:
        members = conn.exec_driver_sql(
            "SELECT members FROM committees WHERE community_id = %(c)s", {"c": community}
        ).scalar_one()
    return [str(m["person_id"]) for m in members]


def test_a_notice_to_the_committee_is_read_by_each_member_and_the_sender_sees_who(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    from dataclasses import replace
    from uuid import UUID

    mine, _ = tenants
    who = mine.principals()
    first, second, _third = _members(api, mine.community)
    member = replace(who["committee"], person_id=UUID(first))
    other = replace(who["committee"], person_id=UUID(second))
    # Given the company's notice to the committee (no household is addressed)
    published = publish(
        api, who["staff"], communityId=str(mine.community), audience="COMMUNITY", roles="COMMITTEE"
    )
    notice = published["notice"]
    assert (notice["households"], notice["members"], notice["membersRead"]) == (0, 3, 0)
    # When one member marks it read, twice
    marked = api.gql(MARK_MEMBER, {"n": notice["id"], "p": first}, as_=member)
    again = api.gql(MARK_MEMBER, {"n": notice["id"], "p": first}, as_=member)
    # Then it is read for them, and the second records nothing
    assert marked["markCommitteeNoticeRead"]["notice"]["read"] is True, marked
    assert again["markCommitteeNoticeRead"]["position"] == "0"
    mine_seen = api.gql(NOTICES, {"c": str(mine.community)}, as_=member)["notices"]["notices"]
    theirs_seen = api.gql(NOTICES, {"c": str(mine.community)}, as_=other)["notices"]["notices"]
    assert [n["read"] for n in mine_seen if n["id"] == notice["id"]] == [True]
    assert [n["read"] for n in theirs_seen if n["id"] == notice["id"]] == [False]
    # And the sender sees who of the committee has read it, by name and office
    members = api.gql(MEMBERS, {"n": notice["id"]}, as_=who["staff"])["noticeMembers"]
    assert (members["members"], members["membersRead"]) == (3, 1)
    assert [(r["name"], r["role"], r["read"]) for r in members["readers"]] == [
        ("委员0", "DIRECTOR", True),
        ("委员1", "DEPUTY_DIRECTOR", False),
        ("委员2", "MEMBER", False),
    ]
    assert members["readers"][0]["readAt"] is not None
    counted = api.gql(NOTICES, {"c": str(mine.community)}, as_=who["staff"])["notices"]["notices"]
    assert [n["membersRead"] for n in counted if n["id"] == notice["id"]] == [1]
    # And no member marks it for another, nor a household for itself
    for_another = api.gql(MARK_MEMBER, {"n": notice["id"], "p": second}, as_=member)
    assert for_another["markCommitteeNoticeRead"]["__typename"] == "Forbidden"
    household = api.gql(MARK, {"n": notice["id"], "u": str(mine.unit)}, as_=who["resident"])
    assert household["markNoticeRead"]["__typename"] == "ValidationError"
    # And a notice to households is read by households: not per member
    to_households = publish(
        api, who["staff"], communityId=str(mine.community), audience="COMMUNITY"
    )
    refused = api.gql(MARK_MEMBER, {"n": to_households["notice"]["id"], "p": first}, as_=member)
    assert refused["markCommitteeNoticeRead"]["field"] == "input.noticeId"
    asked = api.gql(MEMBERS, {"n": to_households["notice"]["id"]}, as_=who["staff"])
    assert asked["noticeMembers"]["__typename"] == "ValidationError"
    assert to_households["notice"]["members"] is None
    # And the receipts outlive a rebuild of the views
    api.platform.projection_runner().rebuild()
    members = api.gql(MEMBERS, {"n": notice["id"]}, as_=who["staff"])["noticeMembers"]
    assert members["membersRead"] == 1


# --- the access matrix (tests/integration/test_access_matrix.py) --------------------------

ALLOWED, DENIED = "allowed", "denied"
STEWARDS = dict(
    admin=ALLOWED, regulator=ALLOWED, company=ALLOWED, committee=ALLOWED, resident=DENIED
)


def _outcome(result: dict[str, Any]) -> str:
    kind = result["__typename"]
    if kind == "Forbidden":
        return DENIED
    assert kind.endswith("Payload") or kind in {
        "NoticeHouseholds",
        "NoticeMembers",
        "NoticeConnection",
        "ArrearsReminders",
    }, result
    return ALLOWED


def _admin_notice(api: Api, w: Any) -> str:
    from tests.integration.conftest import ADMIN

    result = publish(api, ADMIN, communityId=w.xingfu, audience="COMMUNITY")
    return str(result["notice"]["id"])


def _own_notice(api: Api, w: Any, p: Principal) -> str:
    """A notice the principal published (its office alone withdraws it), else the admin's."""
    result = publish(api, p, communityId=w.xingfu, audience="COMMUNITY")
    return str(result["notice"]["id"]) if "notice" in result else _admin_notice(api, w)


def _call(api: Api, document: str, variables: dict[str, Any], p: Principal) -> dict[str, Any]:
    data = api.gql(document, variables, as_=p)
    return dict(next(iter(data.values())))


_COMMITTEES: dict[str, str] = {}


def _xingfu_member(api: Api, w: Any) -> str:
    """A member of 幸福里's committee (appointed once per world): the person id."""
    if w.xingfu not in _COMMITTEES:
        from datetime import timedelta
        from uuid import UUID

        from gongzhi.application.base import business_today
        from gongzhi.application.committees import AppointInterimCommittee, CommitteeMember
        from gongzhi.application.owners import RegisterPerson
        from gongzhi.domain.committee_rules import MemberRole

        app = api.platform.app
        people = [app.register_person(META, RegisterPerson(name=f"委员{i}")).id for i in range(3)]
        roles = [MemberRole.DIRECTOR, MemberRole.DEPUTY_DIRECTOR, MemberRole.MEMBER]
        app.appoint_interim_committee(
            META,
            AppointInterimCommittee(
                community_id=UUID(w.xingfu),
                appointed_on=business_today() - timedelta(days=10),
                term_ends_on=business_today() + timedelta(days=600),
                members=[
                    CommitteeMember(person, f"委员{i}", role)
                    for i, (person, role) in enumerate(zip(people, roles, strict=True))
                ],
            ),
        )
        api.settle()
        _COMMITTEES[w.xingfu] = str(people[0])
    return _COMMITTEES[w.xingfu]


def _committee_notice(api: Api, w: Any) -> str:
    from tests.integration.conftest import ADMIN

    result = publish(api, ADMIN, communityId=w.xingfu, audience="COMMUNITY", roles="COMMITTEE")
    return str(result["notice"]["id"])


def _as_member(api: Api, w: Any, p: Principal) -> tuple[str, Principal]:
    """The member's person id, and the committee's principal speaking for that person."""
    from dataclasses import replace
    from uuid import UUID

    from gongzhi.graphql.auth import Role

    person = _xingfu_member(api, w)
    return person, replace(p, person_id=UUID(person)) if p.role is Role.COMMITTEE_MEMBER else p


def _mark_as_member(api: Api, w: Any, p: Principal) -> str:
    person, who = _as_member(api, w, p)
    return _outcome(_call(api, MARK_MEMBER, {"n": _committee_notice(api, w), "p": person}, who))


WITHDRAW = """mutation($n: ID!) { withdrawNotice(input: {noticeId: $n, reason: "撤回"}) {
    __typename } }"""


def _visible(api: Api, w: Any, p: Principal) -> int:
    _admin_notice(api, w)
    result = _call(api, NOTICES, {"c": w.xingfu}, p)
    return len(result["notices"])


NOTICE_OPERATIONS: dict[str, Any] = {
    "publishNotice to 幸福里": lambda api, w, p: _outcome(
        publish(api, p, communityId=w.xingfu, audience="COMMUNITY")
    ),
    "withdrawNotice in 幸福里": lambda api, w, p: _outcome(
        _call(api, WITHDRAW, {"n": _own_notice(api, w, p)}, p)
    ),
    "markNoticeRead for unit 101 of 幸福里": lambda api, w, p: _outcome(
        _call(api, MARK, {"n": _admin_notice(api, w), "u": w.unit}, p)
    ),
    "noticeHouseholds of a 幸福里 notice": lambda api, w, p: _outcome(
        _call(api, HOUSEHOLDS, {"n": _admin_notice(api, w)}, p)
    ),
    "markCommitteeNoticeRead for oneself, of a 幸福里 committee notice": _mark_as_member,
    "noticeMembers of a 幸福里 committee notice": lambda api, w, p: _outcome(
        _call(api, MEMBERS, {"n": _committee_notice(api, w)}, p)
    ),
    "issueArrearsReminders in 幸福里": lambda api, w, p: _outcome(
        _call(api, REMIND, {"c": w.xingfu, "r": "R1"}, p)
    ),
    "myNotices": lambda api, w, p: _outcome(_call(api, FEED, {}, p)),
    "arrearsReminders of 幸福里": lambda api, w, p: _outcome(
        _call(api, REMINDERS, {"c": w.xingfu, "r": "R1"}, p)
    ),
    # One more community notice is published before each role reads (five roles).
    "notices of 幸福里": _visible,
}
NOTICE_EXPECTED: dict[str, dict[str, object]] = {
    "publishNotice to 幸福里": STEWARDS,
    "withdrawNotice in 幸福里": STEWARDS,
    "markNoticeRead for unit 101 of 幸福里": dict(
        admin=ALLOWED, regulator=DENIED, company=DENIED, committee=DENIED, resident=ALLOWED
    ),
    "noticeHouseholds of a 幸福里 notice": STEWARDS,
    "markCommitteeNoticeRead for oneself, of a 幸福里 committee notice": dict(
        admin=ALLOWED, regulator=DENIED, company=DENIED, committee=ALLOWED, resident=DENIED
    ),
    "noticeMembers of a 幸福里 committee notice": STEWARDS,
    "arrearsReminders of 幸福里": STEWARDS,
    "issueArrearsReminders in 幸福里": dict(
        admin=ALLOWED, regulator=DENIED, company=ALLOWED, committee=DENIED, resident=DENIED
    ),
    "myNotices": dict(
        admin=DENIED, regulator=DENIED, company=DENIED, committee=DENIED, resident=ALLOWED
    ),
    "notices of 幸福里": dict(admin=1, regulator=2, company=3, committee=4, resident=5),
}


def test_an_emergency_fund_use_is_published_when_confirmed_and_when_paid(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    from uuid import UUID

    from gongzhi.application.funds import (
        ConfirmEmergencyFundUse,
        PayFundUse,
        ReviewEmergencyFundUse,
    )

    mine, _ = tenants
    app = api.platform.app
    use = UUID(mine.things[Kind.FUND_USE])
    # Given the tenant's emergency use (排水疏通, 1 元), reviewed, confirmed and paid
    step = {"community_id": mine.community, "use_id": use}
    app.review_emergency_use(META, ReviewEmergencyFundUse(**step))
    app.confirm_emergency_use(META, ConfirmEmergencyFundUse(**step))
    app.pay_fund_use(META, PayFundUse(**step))
    api.settle()
    # Then two 公示 name it, its contractor and amount, for 7 days each
    shown = {n["publicityKind"]: n for n in _publicity(api, mine)}
    confirmed, paid = shown["FUND_USE_CONFIRMED"], shown["FUND_USE_PAID"]
    for notice in (confirmed, paid):
        assert "排水疏通" in notice["title"] and "市政公司" in notice["body"]
        assert "1.00元" in notice["body"]
        assert notice["source"]["event"].startswith("MaintenanceFund.")
    assert '"shares"' in paid["details"]


def test_a_closed_vote_is_published_by_room_and_area_never_by_name(api: Api) -> None:
    from uuid import UUID

    from gongzhi.graphql.auth import Role
    from tests.integration.test_ballot_secrecy import ballot, serving_company, vote_on_the_company

    # Given a vote in an entrance, two ballots (one by proxy), and the close
    vote = vote_on_the_company(api)
    ballot(api, vote.decision, vote.units[0], vote.people[0], "APPROVE", vote.owner)
    ballot(
        api,
        vote.decision,
        vote.units[1],
        vote.people[0],
        "OPPOSE",
        vote.committee,
        proxy="委托书7号",
    )
    vote.close(api)
    query = """query($c: ID!) { notices(communityId: $c, type: PUBLICITY) {
        ... on NoticeConnection { notices { publicityKind title body publishFrom publishUntil
        source { aggregateId event position } ballots { rooms area choice } } } } }"""
    # When the committee reads the community's 公示
    (shown,) = api.gql(query, {"c": vote.community_id}, as_=vote.committee)["notices"]["notices"]
    # Then the result is there, with 15 days, from the decision's close
    assert shown["publicityKind"] == "DECISION_RESULT"
    assert shown["source"]["aggregateId"] == vote.decision
    assert shown["source"]["event"] == "Decision.Closed"
    assert "未获通过" in shown["body"] and "同意：面积" in shown["body"]
    assert "APPROVE" not in shown["body"]
    # And each ballot by its rooms and area, never a name, a voter or the proxy
    assert sorted(b["choice"] for b in shown["ballots"]) == ["APPROVE", "OPPOSE"]
    assert all(b["rooms"] and float(b["area"]) > 0 for b in shown["ballots"])
    response = api.post(query, {"c": vote.community_id}, as_=vote.committee)
    assert "委托书7号" not in response.text and "业主1" not in response.text
    # And the serving company sees the 公示 but not the ballots (投票保密)
    company = serving_company(api, vote.community_id)
    staff = Principal(subject="staff-1", role=Role.COMPANY_STAFF, company_id=UUID(company))
    (seen,) = api.gql(query, {"c": vote.community_id}, as_=staff)["notices"]["notices"]
    assert seen["ballots"] is None and seen["body"] == shown["body"]


HISTORY = """query($id: ID!) { history(id: $id) { __typename ... on HistoryConnection {
    entries { eventType actor reason } } } }"""


def test_notices_and_rounds_have_a_history_with_actor_and_reason(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, _ = tenants
    who = mine.principals()
    # Given a notice the company published and withdrew, and a round of reminders
    notice = publish(api, who["staff"], communityId=str(mine.community), audience="COMMUNITY")
    notice_id = notice["notice"]["id"]
    withdrawn = api.gql(
        """mutation($n: ID!) { withdrawNotice(input: {noticeId: $n, reason: "写错了"}) {
        ... on NoticePayload { notice { current } } } }""",
        {"n": notice_id},
        as_=who["staff"],
    )
    assert withdrawn["withdrawNotice"]["notice"]["current"] is False
    # (the committee may not withdraw the company's notice)
    other = publish(api, who["staff"], communityId=str(mine.community), audience="COMMUNITY")
    refused = api.gql(
        """mutation($n: ID!) { withdrawNotice(input: {noticeId: $n, reason: "删"}) {
        __typename ... on ValidationError { field message } } }""",
        {"n": other["notice"]["id"]},
        as_=who["committee"],
    )["withdrawNotice"]
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "input.noticeId")
    api.gql(REMIND, {"c": str(mine.community), "r": "R1"}, as_=who["staff"])
    round_id = api.gql(
        """mutation($c: ID!) { issueArrearsReminders(input: {communityId: $c, round: "R1",
        reason: "催缴"}) { ... on ArrearsRoundPayload { roundId } } }""",
        {"c": str(mine.community)},
        as_=who["staff"],
    )["issueArrearsReminders"]["roundId"]
    # When the committee reads their histories
    trail = api.gql(HISTORY, {"id": notice_id}, as_=who["committee"])["history"]["entries"]
    rounds = api.gql(HISTORY, {"id": round_id}, as_=who["committee"])["history"]["entries"]
    # Then each step names who made it and why
    assert [(e["eventType"], e["reason"]) for e in trail] == [
        ("Published", "通知"),
        ("Withdrawn", "写错了"),
    ]
    assert all(e["actor"] == who["staff"].subject for e in trail)
    assert [e["eventType"] for e in rounds] == ["Opened", "Reminded"]
    # And a resident may not read them
    refused = api.gql(HISTORY, {"id": notice_id}, as_=who["resident"])["history"]
    assert refused["__typename"] == "Forbidden"
    # And a withdrawn notice leaves the feed
    feed = api.gql(FEED, as_=who["resident"])["myNotices"]["notices"]
    assert notice_id not in [n["id"] for n in feed]


LIVE = """subscription($since: String) { myNoticeUpdates(since: $since) { id title current } }"""


def test_a_household_sees_its_notices_live_as_they_are_published_and_withdrawn(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, theirs = tenants
    who = mine.principals()
    token = f"Bearer {api.token(who['resident'])}"
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": token}})
        assert ws.receive_json() == {"type": "connection_ack"}
        # Given the resident subscribed from now on
        start = api.platform.app.recorder.max_notification_id()
        ws.send_json(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": LIVE, "variables": {"since": str(start)}},
            }
        )
        # When the other tenant's company publishes, then the own company, then withdraws
        publish(
            api,
            theirs.principals()["staff"],
            communityId=str(theirs.community),
            audience="COMMUNITY",
            title="别处的通知",
        )
        notice = publish(
            api, who["staff"], communityId=str(mine.community), audience="COMMUNITY", title="停电"
        )["notice"]
        first = ws.receive_json()
        api.gql(
            """mutation($n: ID!) { withdrawNotice(input: {noticeId: $n, reason: "取消"}) {
            __typename } }""",
            {"n": notice["id"]},
            as_=who["staff"],
        )
        second = ws.receive_json()
        # Then only the own community's notice arrives, published, then withdrawn
        assert first["payload"]["data"]["myNoticeUpdates"] == {
            "id": notice["id"],
            "title": "停电",
            "current": True,
        }
        assert second["payload"]["data"]["myNoticeUpdates"]["current"] is False
        ws.send_json({"id": "1", "type": "complete"})


def test_a_committees_filing_is_published_with_its_number(api: Api) -> None:
    from gongzhi.application.base import business_today
    from tests.integration.test_graphql_committees import (
        FILE,
        call,
        community_with_units,
        elected_committee,
    )

    # Given an elected committee, filed with the street office
    community_id = community_with_units(api)
    committee_id = elected_committee(api, community_id)
    filed = call(
        api,
        FILE,
        committeeId=committee_id,
        filedOn=business_today().isoformat(),
        filingNumber="备-7",
    )
    assert filed["__typename"] == "CommitteePayload", filed
    # Then the community's 公示 include the filing, with its number, from the filing event
    shown = {
        n["publicityKind"]: n
        for n in api.gql(NOTICES, {"c": community_id, "t": "PUBLICITY"})["notices"]["notices"]
    }
    filing = shown["COMMITTEE_FILING"]
    assert "备-7" in filing["body"] and filing["body"].startswith("第1届")
    assert filing["source"] == {
        "aggregateId": committee_id,
        "version": filing["source"]["version"],
        "event": "Committee.Filed",
        "position": filing["source"]["position"],
    }
    assert filing["source"]["position"] is not None
    # And the owners' election decision's result is published too
    assert "DECISION_RESULT" in shown
