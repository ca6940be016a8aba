"""支付订单: what the order allows (issue 16 §1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from gongzhi.domain.errors import RuleViolated
from gongzhi.domain.payment_order import ORDER_LIFETIME, OnlinePaymentOrder

NOW = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)


def _order(amount_fen: int = 12_345) -> OnlinePaymentOrder:
    return OnlinePaymentOrder.place(
        community_id=uuid4(), unit_id=uuid4(), channel="SANDBOX", amount_fen=amount_fen, now=NOW
    )


def test_an_order_expires_fifteen_minutes_after_it_is_placed_stored_in_utc() -> None:
    shanghai = NOW.astimezone(datetime.now().astimezone().tzinfo)
    order = OnlinePaymentOrder.place(
        community_id=uuid4(), unit_id=uuid4(), channel="SANDBOX", amount_fen=1, now=shanghai
    )
    assert order.expires_at - order.created_at == ORDER_LIFETIME == timedelta(minutes=15)
    assert order.created_at.utcoffset() == timedelta(0)


def test_nothing_owed_is_no_order() -> None:
    with pytest.raises(RuleViolated, match="nothing is owed"):
        _order(0)


def test_a_different_amount_is_refused() -> None:
    with pytest.raises(RuleViolated, match="12344 fen for an order of 12345"):
        _order().check_amount(12_344)


def test_a_resent_notification_is_noted_a_replay_recognised_a_second_payment_refused() -> None:
    order, payment = _order(), uuid4()
    order.settle(payment, "T-1", "EV-1", NOW)
    order.settle(payment, "T-1", "EV-2", NOW)  # the channel resends the payment
    order.settle(payment, "T-1", "EV-2", NOW)  # the same notification again: nothing new
    kinds = [type(e).__name__ for e in order.collect_events()]
    assert kinds == ["Created", "Paid", "NoticeRepeated"]
    assert order.replayed("EV-1") and order.replayed("EV-2") and not order.replayed("EV-3")
    with pytest.raises(RuleViolated, match="paid already by transaction T-1"):
        order.settle(uuid4(), "T-2", "EV-3", NOW)


def test_a_paid_order_cannot_be_closed() -> None:
    order = _order()
    order.settle(uuid4(), "T-1", "EV-1", NOW)
    with pytest.raises(RuleViolated, match="refund"):
        order.close(NOW)


def test_an_order_is_placed_once_per_answer_and_never_once_paid_closed_or_expired() -> None:
    # Given an order waiting for its money
    order = _order()
    # When the channel's answer is recorded, then the same answer again
    order.record_placed("weixin://wxpay/bizpayurl?pr=abc", "", NOW)
    order.record_placed("weixin://wxpay/bizpayurl?pr=abc", "", NOW + timedelta(minutes=1))
    # Then it is kept once
    kinds = [type(e).__name__ for e in order.collect_events()]
    assert kinds == ["Created", "Placed"] and order.pay_url.endswith("pr=abc")
    # An expired order is not placed again
    with pytest.raises(RuleViolated, match="expired"):
        order.check_placeable(NOW + ORDER_LIFETIME)
    # nor a closed one, nor a paid one
    closed = _order()
    closed.close(NOW)
    with pytest.raises(RuleViolated, match="closed"):
        closed.record_placed("weixin://x", "", NOW)
    paid = _order()
    paid.settle(uuid4(), "4200000001", "EV-1", NOW)
    with pytest.raises(RuleViolated, match="paid already"):
        paid.check_placeable(NOW)
