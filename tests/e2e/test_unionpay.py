"""银联 over real sockets against `gongzhi run` configured for UnionPay (its JSON, the
certificates made here, the gateway a test peer on 127.0.0.1): UnionPay's back notification
of an order pays it once; the same notification resent books nothing more, and one signed by
a certificate outside the configured chain books nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from gongzhi.bootstrap import Platform
from gongzhi.infra.settings import Settings
from gongzhi.infra.statements import SHANGHAI
from tests.e2e.conftest import run_platform
from tests.e2e.test_online_payment import (
    billed_unit,
    caught_up,
    fee_statement,
    ordered,
    read_order,
)
from tests.e2e.test_platform import admin_token
from tests.unit.test_unionpay import FORM, UnionPayPeer, UnionPayWorld


@pytest.fixture
def unionpay_world() -> UnionPayWorld:
    return UnionPayWorld(valid_at=datetime.now(UTC))


@pytest.fixture
def running_unionpay(
    settings: Settings, tmp_path: Path, unionpay_world: UnionPayWorld
) -> Iterator[str]:
    """`gongzhi run` with GONGZHI_PAYMENT_CHANNEL=UNIONPAY, its gateway the test peer."""
    with UnionPayPeer(unionpay_world) as peer:
        config = unionpay_world.configured(tmp_path, back_url=peer.url)
        env = {"GONGZHI_PAYMENT_CHANNEL": "UNIONPAY", "GONGZHI_PAYMENT_KEY_FILE": str(config)}
        with run_platform(settings, **env) as (base_url, _):
            yield base_url


@pytest.mark.slow
def test_a_unionpay_notification_pays_once_and_a_forged_one_nothing(
    platform: Platform,
    running_unionpay: str,
    settings: Settings,
    unionpay_world: UnionPayWorld,
) -> None:
    base_url = running_unionpay
    community, unit = billed_unit(platform)
    token = admin_token(settings)
    caught_up(platform)
    # Given an order on UnionPay for what the unit owes
    order = ordered(platform, base_url, token, community, unit)
    endpoint = f"{base_url}/payments/notify/unionpay"
    # When a notification signed by a certificate of another chain (UnionPay's name, a
    # forger's CA) comes
    forger = UnionPayWorld(valid_at=datetime.now(UTC))
    forged = forger.notice(order["outTradeNo"], order["amountFen"], "QID-forged")
    refused = httpx.post(endpoint, content=forged, headers=FORM, timeout=30)
    # Then it is refused and nothing is booked
    assert (refused.status_code, refused.content) == (401, b"fail")
    # When UnionPay's own notification comes, and is resent as it was
    txn_time = f"{datetime.now(UTC).astimezone(SHANGHAI):%Y%m%d%H%M%S}"
    body = unionpay_world.notice(
        order["outTradeNo"], order["amountFen"], "QID-e2e-1", txnTime=txn_time
    )
    first = httpx.post(endpoint, content=body, headers=FORM, timeout=30)
    resent = httpx.post(endpoint, content=body, headers=FORM, timeout=30)
    # Then the first is taken ("ok" stops UnionPay's resending), the resend books nothing
    assert (first.status_code, first.content) == (200, b"ok")
    assert resent.status_code == 400
    caught_up(platform)
    paid = read_order(base_url, token, order["id"])
    assert (paid["status"], paid["transactionId"]) == ("PAID", "QID-e2e-1")
    fees = fee_statement(base_url, token, unit)
    assert fees["balanceFen"] == 0
    payments = [e["amountFen"] for e in fees["entries"] if e["kind"] == "PAYMENT"]
    assert payments == [order["amountFen"]]
