"""投诉 complaints and 矛盾纠纷 disputes over GraphQL: each step, bad input, who may do what,
the figures other modules read, and the access-matrix rows of the engagement slice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from gongzhi.graphql.auth import Principal, Role
from gongzhi.projections.engagement import (
    ComplaintFigures,
    DisputeFigures,
    community_complaint_figures,
    community_dispute_figures,
    company_complaint_figures,
)
from tests.integration.conftest import Api
from tests.integration.test_graphql_communities import ADD_UNIT, building_with_entrance, register
from tests.integration.test_graphql_red_property import new_company, serve

PROBLEMS = """
    ... on ValidationError { field message }
    ... on NotFound { field message }
    ... on Conflict { message }
    ... on Forbidden { message }
"""
COMPLAINT_FIELDS = """id communityId companyId unitId category channel description status
    filedAt acceptedAt reply repliedAt outcome satisfaction closedAt version"""
DISPUTE_FIELDS = """id communityId subject parties { name kind unitId companyId } openedOn
    status sessions { heldOn mediator attendees notes } outcome terms referredTo closedOn
    version"""


@dataclass
class Estate:
    """A community served by a company, with its units (户)."""

    community: str
    company: str
    units: list[str]


def estate(api: Api, name: str = "幸福里", households: int = 4, district: str = "红塔区") -> Estate:
    company = new_company(api, f"{name}物业", name)
    community = register(api, name=name, district=district)["community"]["id"]
    serve(api, community, company)
    _, entrance = building_with_entrance(api, community)
    units = []
    for n in range(households):
        data = {
            "communityId": community,
            "entranceId": entrance,
            "number": f"{101 + n}",
            "floor": 1 + n // 2,
            "area": "80.00",
            "areaSource": "REGISTER",
            "reason": "入册",
        }
        units.append(api.gql(ADD_UNIT, {"input": data})["addUnit"]["partId"])
    return Estate(community, company, units)


def run(
    api: Api,
    name: str,
    input_type: str,
    data: dict[str, Any],
    fields: str,
    as_: Principal | None = None,
) -> dict[str, Any]:
    """One mutation; its result (payload or typed problem)."""
    query = f"""mutation($input: {input_type}!) {{ {name}(input: $input) {{ __typename
        ... on {fields} {PROBLEMS} }} }}"""
    kwargs = {"as_": as_} if as_ is not None else {}
    result: dict[str, Any] = api.gql(query, {"input": data}, **kwargs)[name]
    return result


def complaint_op(
    api: Api, name: str, data: dict[str, Any], as_: Principal | None = None
) -> dict[str, Any]:
    input_type = name[0].upper() + name[1:] + "Input"
    fields = f"ComplaintPayload {{ position complaint {{ {COMPLAINT_FIELDS} }} }}"
    return run(api, name, input_type, data, fields, as_)


def dispute_op(
    api: Api, name: str, data: dict[str, Any], as_: Principal | None = None
) -> dict[str, Any]:
    input_type = name[0].upper() + name[1:] + "Input"
    fields = f"DisputePayload {{ position dispute {{ {DISPUTE_FIELDS} }} }}"
    return run(api, name, input_type, data, fields, as_)


def file(api: Api, e: Estate, as_: Principal | None = None, **extra: Any) -> dict[str, Any]:
    data = {
        "communityId": e.community,
        "unitId": e.units[0],
        "category": "CLEANLINESS",
        "channel": "RESIDENT",
        "description": "楼道垃圾三天未清运",
        "reason": "业主投诉",
        **extra,
    }
    return complaint_op(api, "fileComplaint", data, as_)


def staff(company: str) -> Principal:
    return Principal(subject="staff", role=Role.COMPANY_STAFF, company_id=UUID(company))


def committee(community: str) -> Principal:
    return Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(community))


def resident(*units: str) -> Principal:
    return Principal(subject="owner", role=Role.RESIDENT, unit_ids=tuple(UUID(u) for u in units))


REGULATOR = Principal(subject="reg", role=Role.REGULATOR, districts=("红塔区",))


def test_a_complaint_goes_from_filing_to_a_rated_finding(api: Api) -> None:
    # Given a community served by a company and a resident of unit 101
    e = estate(api)
    owner = resident(e.units[0])
    # When the resident files, the company accepts and replies, the committee closes it
    filed = file(api, e, owner, filedAt="2026-03-01T09:00:00+08:00")
    assert filed["__typename"] == "ComplaintPayload", filed
    complaint = filed["complaint"]
    assert (complaint["companyId"], complaint["status"]) == (e.company, "FILED")
    cid = complaint["id"]
    steps = [
        ("acceptComplaint", {"acceptedAt": "2026-03-01T10:00:00+08:00"}, staff(e.company)),
        (
            "replyToComplaint",
            {"reply": "已安排清运", "repliedAt": "2026-03-01T15:00:00+08:00"},
            staff(e.company),
        ),
        (
            "closeComplaint",
            {
                "outcome": "SUBSTANTIATED",
                "satisfaction": 4,
                "closedAt": "2026-03-02T09:00:00+08:00",
            },
            committee(e.community),
        ),
    ]
    for name, data, who in steps:
        result = complaint_op(api, name, {"complaintId": cid, "reason": "办理", **data}, who)
        assert result["__typename"] == "ComplaintPayload", result
    # Then the complaint is closed as substantiated with the resident's rating
    done = result["complaint"]
    assert (done["status"], done["outcome"], done["satisfaction"]) == ("CLOSED", "SUBSTANTIATED", 4)
    assert done["reply"] == "已安排清运" and done["version"] == 4
    # stored in UTC, answered in Asia/Shanghai
    assert done["closedAt"] == "2026-03-02T09:00:00+08:00"


def test_complaint_steps_out_of_order_or_malformed_are_refused(api: Api) -> None:
    e = estate(api)
    # A resident's complaint without a unit, a bad category and an empty description
    bad = file(api, e, unitId=None)
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "input.unitId")
    empty = file(api, e, description="  ")
    assert (empty["__typename"], empty["field"]) == ("ValidationError", "input.description")
    naive = file(api, e, filedAt="2026-03-01T09:00:00")
    assert (naive["__typename"], naive["field"]) == ("ValidationError", "input.filedAt")
    cid = file(api, e)["complaint"]["id"]
    # A finding before the company replied; a reply before acceptance; a rating of 6
    early = complaint_op(
        api, "closeComplaint", {"complaintId": cid, "outcome": "SUBSTANTIATED", "reason": "结案"}
    )
    assert (early["__typename"], early["field"]) == ("ValidationError", "input.outcome")
    reply = complaint_op(api, "replyToComplaint", {"complaintId": cid, "reply": "x", "reason": "r"})
    assert reply["__typename"] == "ValidationError"
    complaint_op(api, "acceptComplaint", {"complaintId": cid, "reason": "受理"})
    complaint_op(api, "replyToComplaint", {"complaintId": cid, "reply": "已处理", "reason": "r"})
    rating = complaint_op(
        api,
        "closeComplaint",
        {"complaintId": cid, "outcome": "NOT_SUBSTANTIATED", "satisfaction": 6, "reason": "结案"},
    )
    assert (rating["__typename"], rating["field"]) == ("ValidationError", "input.satisfaction")
    missing = complaint_op(
        api,
        "acceptComplaint",
        {"complaintId": "00000000-0000-0000-0000-000000000000", "reason": "r"},
    )
    assert missing["__typename"] == "NotFound"


def test_residents_see_own_complaints_and_staff_those_against_their_company(api: Api) -> None:
    # Given complaints from units 101 and 102 of one community and one in another
    e, other = estate(api), estate(api, "和平苑")
    file(api, e)
    file(api, e, unitId=e.units[1], category="FEES")
    file(api, other, channel="HOTLINE_12345", unitId=None)
    query = """query($c: ID, $co: ID, $first: Int!, $after: String) {
        complaints(communityId: $c, companyId: $co, first: $first, after: $after) {
        __typename ... on ComplaintConnection { complaints { unitId category }
        pageInfo { hasNextPage endCursor } } } }"""

    def seen(who: Principal, **args: Any) -> list[dict[str, Any]]:
        return api.gql(query, {"first": 20, **args}, as_=who)["complaints"]["complaints"]

    # Then each role sees its share
    assert [c["unitId"] for c in seen(resident(e.units[1]))] == [e.units[1]]
    assert len(seen(staff(e.company))) == 2
    assert len(seen(committee(e.community))) == 2
    assert len(seen(REGULATOR)) == 3
    assert len(seen(REGULATOR, co=other.company)) == 1
    # And pages of one walk all three newest first, each once
    first = api.gql(query, {"first": 2})["complaints"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = api.gql(query, {"first": 2, "after": first["pageInfo"]["endCursor"]})["complaints"]
    assert len(first["complaints"]) + len(rest["complaints"]) == 3
    assert rest["pageInfo"]["hasNextPage"] is False
    forged = api.gql(query, {"first": 2, "after": "bm9wZQ"})["complaints"]
    assert forged["__typename"] == "ValidationError"


def test_company_figures_count_complaints_per_100_households(api: Api) -> None:
    # Given 4 households served, 3 complaints in March, 1 of them substantiated, 1 in April
    e = estate(api)
    ids = [
        file(api, e, filedAt=f"2026-03-0{d}T09:00:00+08:00")["complaint"]["id"] for d in (1, 2, 3)
    ]
    file(api, e, filedAt="2026-04-01T09:00:00+08:00")
    complaint_op(api, "acceptComplaint", {"complaintId": ids[0], "reason": "受理"})
    complaint_op(api, "replyToComplaint", {"complaintId": ids[0], "reply": "已改", "reason": "r"})
    complaint_op(
        api, "closeComplaint", {"complaintId": ids[0], "outcome": "SUBSTANTIATED", "reason": "属实"}
    )
    # When the figures of March are read through the functions other modules call
    start, end = datetime(2026, 2, 28, 16, tzinfo=UTC), datetime(2026, 3, 31, 16, tzinfo=UTC)
    with api.platform.engine.connect() as conn:
        company = company_complaint_figures(conn, UUID(e.company), start, end)
        community = community_complaint_figures(conn, UUID(e.community), start, end)
    # Then 3 filed, 1 substantiated, 3 ÷ 4 households × 100 = 75.00, the same for both
    assert company == ComplaintFigures(filed=3, substantiated=1, households=4)
    assert company.rate_per_100_households == Decimal("75.00")
    assert community == company


def test_a_dispute_is_mediated_to_an_agreement_and_counted(api: Api) -> None:
    # Given a dispute between two neighbours in the community
    e = estate(api)
    opened = dispute_op(
        api,
        "openDispute",
        {
            "communityId": e.community,
            "subject": "楼上漏水",
            "openedOn": "2026-03-01",
            "parties": [
                {"name": "张三", "kind": "OWNER", "unitId": e.units[0]},
                {"name": "李四", "kind": "NEIGHBOUR", "unitId": e.units[2]},
            ],
            "reason": "居民反映",
        },
        committee(e.community),
    )
    assert opened["__typename"] == "DisputePayload", opened
    did = opened["dispute"]["id"]
    # When an agreement is tried before any session, then after one
    early = dispute_op(
        api,
        "closeDispute",
        {
            "disputeId": did,
            "outcome": "AGREEMENT",
            "terms": "维修",
            "closedOn": "2026-03-02",
            "reason": "结案",
        },
    )
    assert (early["__typename"], early["field"]) == ("ValidationError", "input.outcome")
    session = dispute_op(
        api,
        "recordMediation",
        {
            "disputeId": did,
            "heldOn": "2026-03-03",
            "mediator": "王调解员",
            "attendees": ["张三", "李四"],
            "notes": "双方同意维修",
            "reason": "调解",
        },
    )
    assert session["dispute"]["sessions"][0]["mediator"] == "王调解员"
    closed = dispute_op(
        api,
        "closeDispute",
        {
            "disputeId": did,
            "outcome": "AGREEMENT",
            "terms": "李四负责维修",
            "closedOn": "2026-03-04",
            "reason": "结案",
        },
        REGULATOR,
    )
    assert closed["dispute"]["status"] == "CLOSED", closed
    # And a second dispute that failed goes to court
    second = dispute_op(
        api,
        "openDispute",
        {
            "communityId": e.community,
            "subject": "停车位",
            "openedOn": "2026-03-05",
            "parties": [
                {"name": "王五", "kind": "OWNER"},
                {"name": "物业", "kind": "COMPANY", "companyId": e.company},
            ],
            "reason": "居民反映",
        },
    )["dispute"]["id"]
    unreferred = dispute_op(
        api,
        "closeDispute",
        {
            "disputeId": second,
            "outcome": "NO_AGREEMENT",
            "closedOn": "2026-03-06",
            "reason": "结案",
        },
    )
    assert (unreferred["__typename"], unreferred["field"]) == (
        "ValidationError",
        "input.referredTo",
    )
    dispute_op(
        api,
        "closeDispute",
        {
            "disputeId": second,
            "outcome": "NO_AGREEMENT",
            "referredTo": "COURT",
            "closedOn": "2026-03-06",
            "reason": "结案",
        },
    )
    # Then March shows 2 opened, 1 resolved by mediation: 50.00 %
    stats = api.gql(
        """query($c: ID!) { disputeStatistics(communityId: $c,
        openedFrom: "2026-03-01", openedUntil: "2026-04-01") { __typename
        ... on DisputeStatistics { opened resolvedByMediation closed resolvedPercentage } } }""",
        {"c": e.community},
    )["disputeStatistics"]
    assert stats == {
        "__typename": "DisputeStatistics",
        "opened": 2,
        "resolvedByMediation": 1,
        "closed": 2,
        "resolvedPercentage": "50.00",
    }
    with api.platform.engine.connect() as conn:
        figures = community_dispute_figures(
            conn, UUID(e.community), date(2026, 3, 1), date(2026, 4, 1)
        )
    assert figures == DisputeFigures(opened=2, resolved_by_mediation=1, closed=2)
    # And the committee lists them, the company does not see them
    query = """query($c: ID!) { disputes(communityId: $c) { __typename
        ... on DisputeConnection { disputes { subject } } } }"""
    listed = api.gql(query, {"c": e.community}, as_=committee(e.community))["disputes"]
    assert [d["subject"] for d in listed["disputes"]] == ["停车位", "楼上漏水"]
    assert api.gql(query, {"c": e.community}, as_=staff(e.company))["disputes"]["__typename"] == (
        "NotFound"
    )


def test_a_dispute_needs_two_parties_and_attendees(api: Api) -> None:
    e = estate(api, households=1)
    one = dispute_op(
        api,
        "openDispute",
        {
            "communityId": e.community,
            "subject": "噪音",
            "openedOn": "2026-03-01",
            "reason": "r",
            "parties": [{"name": "张三", "kind": "OWNER"}],
        },
    )
    assert (one["__typename"], one["field"]) == ("ValidationError", "input.parties")


def test_history_of_a_complaint_is_read_by_its_parties_not_by_other_companies(api: Api) -> None:
    e, other = estate(api), estate(api, "和平苑")
    cid = file(api, e)["complaint"]["id"]
    query = "query($id: ID!) { history(id: $id) { __typename } }"
    kinds = {
        who.subject + str(i): api.gql(query, {"id": cid}, as_=who)["history"]["__typename"]
        for i, who in enumerate(
            [staff(e.company), staff(other.company), resident(e.units[0]), resident(e.units[1])]
        )
    }
    assert list(kinds.values()) == [
        "HistoryConnection",
        "Forbidden",
        "HistoryConnection",
        "Forbidden",
    ]


def test_ids_of_another_community_inside_an_input_are_refused_before_anything_is_recorded(
    api: Api,
) -> None:
    # Given two communities of one district, each served by its own company, with a
    # complaint and a dispute in the second
    e, other = estate(api), estate(api, "和平苑")
    their_complaint = file(api, other)["complaint"]["id"]
    parties = [{"name": "甲", "kind": "OWNER"}, {"name": "乙", "kind": "NEIGHBOUR"}]
    dispute = {"subject": "噪音", "openedOn": "2026-03-01", "reason": "r", "parties": parties}
    their_dispute = dispute_op(api, "openDispute", {"communityId": other.community, **dispute})
    their_dispute_id = their_dispute["dispute"]["id"]
    before = api.platform.app.recorder.max_notification_id()
    # When the first community's committee names a unit of the second as a party, files a
    # complaint for it, or mediates the second's dispute
    ours = committee(e.community)
    party = dispute_op(
        api,
        "openDispute",
        {
            "communityId": e.community,
            **dispute,
            "parties": [{**parties[0], "unitId": other.units[0]}, parties[1]],
        },
        ours,
    )
    filed = file(api, e, ours, unitId=other.units[0])
    mediation = dispute_op(
        api,
        "recordMediation",
        {
            "disputeId": their_dispute_id,
            "heldOn": "2026-03-02",
            "mediator": "调解员",
            "attendees": ["甲"],
            "reason": "调解",
        },
        ours,
    )
    # and the first community's company accepts the complaint against the second's company,
    # and an admin files a complaint in the first community for a unit of the second
    accepted = complaint_op(
        api, "acceptComplaint", {"complaintId": their_complaint, "reason": "受理"}, staff(e.company)
    )
    mixed = file(api, e, unitId=other.units[0])
    # Then each is refused, naming the field, and nothing is recorded
    assert (party["__typename"], party["field"]) == ("NotFound", "input.parties.0.unitId")
    assert (filed["__typename"], filed["field"]) == ("NotFound", "input.unitId")
    assert mediation["__typename"] == "Forbidden"
    assert accepted["__typename"] == "Forbidden"
    assert (mixed["__typename"], mixed["field"]) == ("ValidationError", "input.unitId")
    assert api.platform.app.recorder.max_notification_id() == before


def test_queries_naming_another_tenants_community_or_company_are_not_found(api: Api) -> None:
    # Given two communities of one district, each served by its own company
    e, other = estate(api), estate(api, "和平苑")
    file(api, other)
    complaints = """query($c: ID, $co: ID) { complaints(communityId: $c, companyId: $co) {
        __typename ... on NotFound { field } } }"""
    disputes = """query($c: ID!) { disputes(communityId: $c) {
        __typename ... on NotFound { field } } }"""
    statistics = """query($c: ID!) { disputeStatistics(communityId: $c, openedFrom: "2026-01-01",
        openedUntil: "2026-02-01") { __typename ... on NotFound { field } } }"""
    # When the first's staff, committee and resident name the second's community or company
    asked = [
        api.gql(complaints, {"co": other.company}, as_=staff(e.company))["complaints"],
        api.gql(complaints, {"c": other.community}, as_=staff(e.company))["complaints"],
        api.gql(complaints, {"c": other.community}, as_=resident(e.units[0]))["complaints"],
        api.gql(disputes, {"c": other.community}, as_=committee(e.community))["disputes"],
        api.gql(statistics, {"c": other.community}, as_=committee(e.community))[
            "disputeStatistics"
        ],
    ]
    # Then each is NotFound naming the argument
    assert [(a["__typename"], a["field"]) for a in asked] == [
        ("NotFound", "companyId"),
        ("NotFound", "communityId"),
        ("NotFound", "communityId"),
        ("NotFound", "communityId"),
        ("NotFound", "communityId"),
    ]


# --- Access matrix rows (wired into test_access_matrix.py) -------------------------------

ALLOWED, DENIED = "allowed", "denied"


def matrix_outcome(result: dict[str, Any]) -> str:
    """A payload (or a read result) is "allowed", Forbidden is "denied"."""
    kind = result["__typename"]
    if kind == "Forbidden":
        return DENIED
    assert kind.endswith("Payload") or kind == "PointsAccount", result
    return ALLOWED


def _matrix_complaint(api: Api, w: Any) -> str:
    data = {
        "communityId": w.xingfu,
        "category": "OTHER",
        "channel": "HOTLINE_12345",
        "description": "12345 转办",
        "reason": "热线",
    }
    return str(complaint_op(api, "fileComplaint", data)["complaint"]["id"])


def _matrix_dispute(api: Api, w: Any) -> str:
    data = {
        "communityId": w.xingfu,
        "subject": "噪音",
        "openedOn": "2026-03-01",
        "reason": "r",
        "parties": [{"name": "甲", "kind": "OWNER"}, {"name": "乙", "kind": "NEIGHBOUR"}],
    }
    return str(dispute_op(api, "openDispute", data)["dispute"]["id"])


def matrix_count(api: Api, query: str, key: str, p: Principal, **v: Any) -> object:
    """How many rows a list query gives the principal, or "hidden" for a NotFound."""
    result = api.gql(query, v, as_=p)[key]
    items = [value for value in result.values() if isinstance(value, list)]
    return len(items[0]) if items else "hidden"


ENGAGEMENT_OPERATIONS: dict[str, Any] = {
    "fileComplaint for unit 101 of 幸福里": lambda api, w, p: matrix_outcome(
        complaint_op(
            api,
            "fileComplaint",
            {
                "communityId": w.xingfu,
                "unitId": w.unit,
                "category": "FEES",
                "channel": "RESIDENT",
                "description": "乱收费",
                "reason": "投诉",
            },
            p,
        )
    ),
    "acceptComplaint against 安居物业": lambda api, w, p: matrix_outcome(
        complaint_op(
            api, "acceptComplaint", {"complaintId": _matrix_complaint(api, w), "reason": "受理"}, p
        )
    ),
    "closeComplaint in 幸福里": lambda api, w, p: matrix_outcome(
        complaint_op(
            api,
            "closeComplaint",
            {"complaintId": _matrix_complaint(api, w), "outcome": "WITHDRAWN", "reason": "撤回"},
            p,
        )
    ),
    "withdrawComplaint in 幸福里": lambda api, w, p: matrix_outcome(
        complaint_op(
            api,
            "withdrawComplaint",
            {"complaintId": _matrix_complaint(api, w), "reason": "撤回"},
            p,
        )
    ),
    "openDispute in 幸福里": lambda api, w, p: matrix_outcome(
        dispute_op(
            api,
            "openDispute",
            {
                "communityId": w.xingfu,
                "subject": "噪音",
                "openedOn": "2026-03-01",
                "reason": "r",
                "parties": [{"name": "甲", "kind": "OWNER"}, {"name": "乙", "kind": "NEIGHBOUR"}],
            },
            p,
        )
    ),
    "recordMediation in 幸福里": lambda api, w, p: matrix_outcome(
        dispute_op(
            api,
            "recordMediation",
            {
                "disputeId": _matrix_dispute(api, w),
                "heldOn": "2026-03-02",
                "mediator": "调解员",
                "attendees": ["甲"],
                "reason": "调解",
            },
            p,
        )
    ),
    "complaints of 幸福里": lambda api, w, p: (
        _matrix_complaint(api, w)
        and matrix_count(
            api,
            """query($c: ID!) { complaints(communityId: $c) { ... on ComplaintConnection {
            complaints { id } } } }""",
            "complaints",
            p,
            c=w.xingfu,
        )
    ),
    "disputes of 幸福里": lambda api, w, p: (
        _matrix_dispute(api, w)
        and matrix_count(
            api,
            """query($c: ID!) { disputes(communityId: $c) { ... on DisputeConnection {
            disputes { id } } } }""",
            "disputes",
            p,
            c=w.xingfu,
        )
    ),
}

_ROW = dict[str, object]
ENGAGEMENT_EXPECTED: dict[str, _ROW] = {
    "fileComplaint for unit 101 of 幸福里": dict(
        admin=ALLOWED, regulator=ALLOWED, company=DENIED, committee=ALLOWED, resident=ALLOWED
    ),
    "acceptComplaint against 安居物业": dict(
        admin=ALLOWED, regulator=DENIED, company=ALLOWED, committee=DENIED, resident=DENIED
    ),
    "closeComplaint in 幸福里": dict(
        admin=ALLOWED, regulator=ALLOWED, company=DENIED, committee=ALLOWED, resident=DENIED
    ),
    "withdrawComplaint in 幸福里": dict(
        admin=ALLOWED, regulator=ALLOWED, company=DENIED, committee=ALLOWED, resident=DENIED
    ),
    "openDispute in 幸福里": dict(
        admin=ALLOWED, regulator=ALLOWED, company=DENIED, committee=ALLOWED, resident=DENIED
    ),
    "recordMediation in 幸福里": dict(
        admin=ALLOWED, regulator=ALLOWED, company=DENIED, committee=ALLOWED, resident=DENIED
    ),
    # Complaints accumulate: one more is filed before each role reads (five roles).
    "complaints of 幸福里": dict(admin=1, regulator=2, company=3, committee=4, resident=0),
    "disputes of 幸福里": dict(
        admin=1, regulator=2, company="hidden", committee=4, resident="hidden"
    ),
}
