"""对账 of the real channels' statements (issue 16 §2), over GraphQL on real PostgreSQL:
Alipay's 业务明细 (GBK, refunds negative) and UnionPay's portal export, each with every kind
of difference, payments and refunds, and a refund the platform lacks booked through the
ordinary refund."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from gongzhi.application.base import business_today
from gongzhi.infra.statements import SHANGHAI
from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import billed_estate, pay, statement
from tests.integration.test_graphql_reconciliation import (
    import_statement,
    items_of,
    refund,
    resolve,
)
from tests.unit.test_channel_statements import AlipayRow, alipay_bill, unionpay_export

STATEMENTS: dict[str, Callable[[date, list[AlipayRow]], bytes]] = {
    "ALIPAY": alipay_bill,
    "UNIONPAY": unionpay_export,
}


@pytest.mark.parametrize("channel", ["ALIPAY", "UNIONPAY"])
def test_a_channels_statement_reconciles_with_each_kind_of_difference(
    api: Api, channel: str
) -> None:
    # Given a day on the channel: 101, 201 and 301 booked; a refund of 101's booked under
    # the channel's refund id RF-1
    e = billed_estate(api)
    paid = {}
    for unit, txn, amount in (
        ("101", "T-101", 5000),
        ("201", "T-201", 5000),
        ("301", "T-301", 3000),
    ):
        done = pay(api, e, unit, amount, txn, channel=channel)
        assert done["__typename"] == "PaymentPayload", done
        paid[txn] = done["paymentId"]
    refund(api, e, "101", paid["T-101"], 1000, "RF-1", channel=channel)
    api.settle()
    # And the channel's statement of the day: 101 as booked, 201 for 1 元 more, 401 that
    # nobody booked, not 301; RF-1 as booked and RF-2 of 201 that nobody booked
    at = datetime.now(UTC).astimezone(SHANGHAI).replace(microsecond=0)
    rows = [
        AlipayRow("T-101", "", 5000, at, fee_fen=30),
        AlipayRow("T-201", "", 5100, at, fee_fen=31),
        AlipayRow("T-401", "", 4000, at, fee_fen=24),
        AlipayRow("T-101", "", 1000, at, refund_id="RF-1"),
        AlipayRow("T-201", "", 700, at, refund_id="RF-2"),
    ]
    content = STATEMENTS[channel](business_today(), rows)
    # When the company's staff import it
    result = import_statement(api, e, content, channel=channel)
    # Then each payment and refund is found as what it is
    assert result["__typename"] == "ReconciliationPayload", result
    r = result["reconciliation"]
    items = items_of(r)
    assert {
        key: (i["kind"], i["refund"], i["refundOf"], i["statementFen"], i["bookedFen"], i["feeFen"])
        for key, i in items.items()
    } == {
        "T-101": ("MATCHED", False, "", 5000, 5000, 30),
        "T-201": ("AMOUNT_DIFFERS", False, "", 5100, 5000, 31),
        "T-401": ("MISSING_IN_PLATFORM", False, "", 4000, None, 24),
        "T-301": ("MISSING_IN_STATEMENT", False, "", None, 3000, 0),
        "RF-1": ("MATCHED", True, "T-101", 1000, 1000, 0),
        "RF-2": ("MISSING_IN_PLATFORM", True, "T-201", 700, None, 0),
    }
    assert (r["channel"], r["grossFen"], r["feeFen"], r["refundFen"]) == (
        channel,
        14100,
        85,
        1700,
    )
    # When the refund the platform lacks is booked
    resolved = resolve(api, e, r["id"], items["RF-2"]["seq"], "BOOK_REFUND")
    assert resolved["__typename"] == "ReconciliationPayload", resolved
    # Then it is the refund of 201's payment, on the channel, under the channel's refund id
    assert items_of(resolved["reconciliation"])["RF-2"]["resolution"] == "BOOKED"
    refunds = [x for x in statement(api, e.units["201"])["entries"] if x["kind"] == "REFUND"]
    assert [(x["amountFen"], x["paymentId"]) for x in refunds] == [(700, paid["T-201"])]
