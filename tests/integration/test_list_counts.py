"""``pageInfo.totalCount``: every list counts its rows once, over the same filters and scope
as its pages, whatever the page size or cursor."""

from __future__ import annotations

from uuid import UUID

from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_contracts import register_company
from tests.integration.test_graphql_fees import billed_estate, pay

PAGE = "pageInfo { hasNextPage endCursor totalCount }"


def test_a_paged_list_counts_every_page_not_only_the_one_read(api: Api) -> None:
    e = billed_estate(api)
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(e.community))
    query = f"""query($c: ID!, $after: String) {{ feeBills(communityId: $c, period: "2026-10",
        first: 3, after: $after) {{ ... on BillConnection {{ bills {{ unitNumber }} {PAGE} }} }} }}"""
    first = api.gql(query, {"c": e.community}, as_=committee)["feeBills"]
    assert len(first["bills"]) == 3
    assert first["pageInfo"]["totalCount"] == 4
    after = first["pageInfo"]["endCursor"]
    rest = api.gql(query, {"c": e.community, "after": after}, as_=committee)["feeBills"]
    assert (len(rest["bills"]), rest["pageInfo"]["totalCount"]) == (1, 4)
    # A filter narrows the count as it narrows the rows: no bills of another period
    other = api.gql(query.replace("2026-10", "2026-11"), {"c": e.community}, as_=committee)
    assert other["feeBills"]["pageInfo"]["totalCount"] == 0


def test_the_ledger_and_the_arrears_count_their_rows(api: Api) -> None:
    e = billed_estate(api)
    pay(api, e, "101", 100, "wx-count-1")
    pay(api, e, "201", 100, "wx-count-2")
    ledger = api.gql(
        f"""query($c: ID!) {{ feeLedger(communityId: $c, first: 1) {{
        ... on FeeLedgerConnection {{ entries {{ kind }} {PAGE} }} }} }}""",
        {"c": e.community},
        as_=e.staff,
    )["feeLedger"]
    # Each payment is booked and allocated to its bill: two entries each
    assert (len(ledger["entries"]), ledger["pageInfo"]["totalCount"]) == (1, 4)
    arrears = api.gql(
        f"""query($c: ID!) {{ arrears(communityId: $c, asOf: "2026-12-01", first: 1) {{
        ... on ArrearsConnection {{ rows {{ unitNumber }} {PAGE} }} }} }}""",
        {"c": e.community},
        as_=e.staff,
    )["arrears"]
    assert arrears["pageInfo"]["totalCount"] == 4
    assert arrears["pageInfo"]["hasNextPage"] is True


def test_a_name_filter_and_a_history_count_what_they_hold(api: Api) -> None:
    for name in ("安居物业", "安泰物业", "乐家物业"):
        register_company(api, name)
    query = f"""query($name: String) {{ companies(nameContains: $name, first: 1) {{
        ... on CompanyConnection {{ edges {{ node {{ name }} }} {PAGE} }} }} }}"""
    assert api.gql(query, {"name": "安"})["companies"]["pageInfo"]["totalCount"] == 2
    assert api.gql(query, {"name": "乐家"})["companies"]["pageInfo"]["totalCount"] == 1
    assert api.gql(query, {"name": None})["companies"]["pageInfo"]["totalCount"] == 3
    e = billed_estate(api, "和美物业")
    history = api.gql(
        f"""query($id: ID!) {{ history(id: $id, first: 2) {{
        ... on HistoryConnection {{ entries {{ eventType }} {PAGE} }} }} }}""",
        {"id": e.community},
    )["history"]
    assert len(history["entries"]) == 2
    assert history["pageInfo"]["totalCount"] > 2
