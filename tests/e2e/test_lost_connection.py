"""Over real HTTP against `gongzhi run`: a client that loses its connection while an entry of
common income is booked sends it again with the same command id, and it is booked once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from gongzhi.application.base import business_today
from gongzhi.infra.settings import Settings
from tests.e2e.test_platform import admin_token, graphql, register_community

LAST_MONTH = (business_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
RECORD = """mutation($input: RecordCommonIncomeInput!) { recordCommonIncome(input: $input) {
    __typename ... on CommonIncomePayload { entryId position } ... on Conflict { message } } }"""
LEDGER = """query($id: ID!, $period: String!) { commonIncomeLedger(communityId: $id,
    period: $period) { ... on CommonIncomeLedger { entries { id grossFen } } } }"""


@pytest.mark.slow
def test_a_retry_after_a_lost_connection_books_the_entry_once(
    running: tuple[str, Any], settings: Settings
) -> None:
    base_url, _ = running
    admin = admin_token(settings)
    community = register_community(base_url, admin)
    entry = {
        "communityId": community,
        "category": "PARKING",
        "period": LAST_MONTH,
        "grossFen": 120_000,
        "costFen": 20_000,
        "counterparty": "幸福里停车场",
        "commandId": "5b0f3c1e-parking",
        "reason": "按月入账",
    }
    # When the client sends the entry and gives up waiting for the answer at once (its
    # connection is closed with the request sent and the answer not read)
    with pytest.raises(httpx.TimeoutException):
        httpx.post(
            f"{base_url}/graphql",
            json={"query": RECORD, "variables": {"input": entry}},
            headers={"Authorization": f"Bearer {admin}"},
            timeout=httpx.Timeout(30, read=0.001),
        )
    # And sends it again with the same command id
    again = graphql(base_url, admin, RECORD, {"input": entry})["recordCommonIncome"]
    # Then the answer is the entry, and the ledger holds it once
    assert again["__typename"] == "CommonIncomePayload", again
    entries = graphql(base_url, admin, LEDGER, {"id": community, "period": LAST_MONTH})
    booked = entries["commonIncomeLedger"]["entries"]
    assert [(e["id"], e["grossFen"]) for e in booked] == [(again["entryId"], 120_000)]
    # And a third send, long after, is answered the same
    assert graphql(base_url, admin, RECORD, {"input": entry})["recordCommonIncome"] == again
