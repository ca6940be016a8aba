"""对账 totals per kind of item (the console's summary of a reconciliation): counts, open
items and amounts in fen, as the items add up."""

from __future__ import annotations

from gongzhi.application.base import business_today
from tests.integration.conftest import Api
from tests.integration.test_graphql_reconciliation import (
    a_day_of_payments,
    import_statement,
    items_of,
    sandbox,
)

TOTALS = """query($id: ID!) { reconciliation(id: $id) { ... on Reconciliation {
    totals { kind refund items openItems statementFen bookedFen feeFen } } } }"""


def test_a_reconciliations_totals_per_kind_add_up_its_items(api: Api) -> None:
    # Given a day's statement reconciled with one item of each kind
    e, transactions, _ = a_day_of_payments(api)
    content = sandbox(api).statement(business_today(), transactions, "CSV")
    r = import_statement(api, e, content)["reconciliation"]
    # When its totals are read
    totals = api.gql(TOTALS, {"id": r["id"]}, as_=e.staff)["reconciliation"]["totals"]
    # Then each kind's count and amounts are those of its items, differences open
    items = items_of(r).values()
    expected = [
        {
            "kind": kind,
            "refund": False,
            "items": 1,
            "openItems": 0 if kind == "MATCHED" else 1,
            "statementFen": sum(i["statementFen"] or 0 for i in items if i["kind"] == kind),
            "bookedFen": sum(i["bookedFen"] or 0 for i in items if i["kind"] == kind),
            "feeFen": sum(i["feeFen"] for i in items if i["kind"] == kind),
        }
        for kind in sorted(
            ("MATCHED", "AMOUNT_DIFFERS", "MISSING_IN_PLATFORM", "MISSING_IN_STATEMENT")
        )
    ]
    assert totals == expected
    assert sum(t["feeFen"] for t in totals) == r["feeFen"]
