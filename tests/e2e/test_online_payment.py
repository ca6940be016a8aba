"""在线缴费 over real sockets against `gongzhi run`: an order, the sandbox's signed
notification posted to the running server, the order paid and the unit owing nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from gongzhi.application.base import Meta, business_today
from gongzhi.application.billing import RunBilling
from gongzhi.application.fee_schedules import SetFeeStandard
from gongzhi.bootstrap import Platform
from gongzhi.domain.community import Community, ImportedUnit
from gongzhi.domain.contract import PricingModel
from gongzhi.domain.fee_schedule import PropertyType
from gongzhi.infra.payment_channels import SandboxChannel, read_key
from gongzhi.infra.settings import Settings
from gongzhi.projections.runner import wait_for_position
from gongzhi.projections.views import PROJECTION_NAME
from tests.e2e.test_platform import admin_token, graphql

META = Meta(actor="test", reason="入册", actor_role="PLATFORM_ADMIN")


def billed_unit(platform: Platform) -> tuple[UUID, UUID]:
    """A community of one unit, billed for last month: (community, unit)."""
    app = platform.app
    community = Community.register(
        name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2020, 1, 1)
    )
    community.import_units(
        "1栋",
        6,
        False,
        [
            ImportedUnit(
                entrance="1单元", number="101", floor=1, area="88.5", area_source="REGISTER"
            )
        ],
        date(2020, 1, 1),
    )
    community.change_management_mode("PROFESSIONAL", UUID(int=1), date(2024, 1, 1))
    app.record(META, community)
    app.set_fee_standard(
        META,
        SetFeeStandard(
            community_id=community.id,
            property_type=PropertyType.RESIDENTIAL,
            unit_price=Decimal("1.65"),
            pricing=PricingModel.LUMP_SUM,
            effective_from=date(2024, 1, 1),
        ),
    )
    last_month = (business_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    app.run_billing(META, RunBilling(community_id=community.id, period=last_month))
    return community.id, next(iter(community.unit_index))


ORDER = "id outTradeNo amountFen status transactionId"


def fee_statement(base_url: str, token: str, unit: UUID) -> dict[str, Any]:
    """The unit's fee statement: its balance and its entries."""
    found: dict[str, Any] = graphql(
        base_url,
        token,
        """query($u: ID!) { feeStatement(unitId: $u) { ... on FeeStatement { balanceFen
        entries { kind amountFen paymentId } } } }""",
        {"u": str(unit)},
    )["feeStatement"]
    return found


def caught_up(platform: Platform) -> None:
    """Wait until the views hold everything recorded so far."""
    position = platform.app.recorder.max_notification_id() or 0
    assert wait_for_position(platform.engine, PROJECTION_NAME, position, timeout=30)


def ordered(
    platform: Platform, base_url: str, token: str, community: UUID, unit: UUID
) -> dict[str, Any]:
    """An order created over the API for what the unit owes, read back once the views hold
    it (a loaded server may answer Recorded before they do)."""
    created = graphql(
        base_url,
        token,
        """mutation($input: CreatePaymentOrderInput!) { createPaymentOrder(input: $input) {
        __typename ... on OnlinePaymentOrderPayload { order { id } } ... on Recorded { id } } }""",
        {"input": {"communityId": str(community), "unitId": str(unit), "reason": "在线缴费"}},
    )["createPaymentOrder"]
    order_id = created["order"]["id"] if "order" in created else created["id"]
    caught_up(platform)
    return read_order(base_url, token, order_id)


def read_order(base_url: str, token: str, order_id: str) -> dict[str, Any]:
    order: dict[str, Any] = graphql(
        base_url,
        token,
        f"""query($id: ID!) {{ onlinePaymentOrder(id: $id) {{ __typename
        ... on OnlinePaymentOrder {{ {ORDER} }} ... on NotFound {{ message }} }} }}""",
        {"id": order_id},
    )["onlinePaymentOrder"]
    assert order["__typename"] == "OnlinePaymentOrder", order
    return order


def sandbox_pays(
    base_url: str, settings: Settings, order: dict[str, Any], transaction_id: str, times: int = 1
) -> None:
    """The sandbox posts its signed notification of the order's payment to the server,
    ``times`` times (each a new notification of the one payment: a resend); each taken."""
    assert settings.payment_key_file is not None
    channel, now = SandboxChannel(read_key(settings.payment_key_file)), datetime.now(UTC)
    for _ in range(times):
        headers, body = channel.notification(
            notification_id=f"EV-{uuid4().hex}",
            order_no=order["outTradeNo"],
            transaction_id=transaction_id,
            amount_fen=order["amountFen"],
            paid_at=now,
            timestamp=int(now.timestamp()),
        )
        response = httpx.post(
            f"{base_url}/payments/notify/sandbox", content=body, headers=headers, timeout=30
        )
        assert response.status_code == 204, response.text


@pytest.mark.slow
def test_a_unit_pays_online_through_the_running_server(
    platform: Platform, running: tuple[str, Any], settings: Settings
) -> None:
    base_url, _ = running
    community, unit = billed_unit(platform)
    token = admin_token(settings)
    # The order is priced from the unit's statement, which the server reads from its views
    billed = platform.app.recorder.max_notification_id() or 0
    assert wait_for_position(platform.engine, PROJECTION_NAME, billed, timeout=30)
    # Given an order for what the unit owes
    created = graphql(
        base_url,
        token,
        """mutation($input: CreatePaymentOrderInput!) { createPaymentOrder(input: $input) {
        __typename ... on OnlinePaymentOrderPayload { order { id } }
        ... on Recorded { id position } ... on NotFound { message } ... on Conflict { message }
        ... on ValidationError { message } } }""",
        {"input": {"communityId": str(community), "unitId": str(unit), "reason": "在线缴费"}},
    )["createPaymentOrder"]
    # A loaded server may answer before its views hold the order: then read it back
    if created["__typename"] == "Recorded":
        assert wait_for_position(
            platform.engine, PROJECTION_NAME, int(created["position"]), timeout=30
        )
        order_id = created["id"]
    else:
        assert created["__typename"] == "OnlinePaymentOrderPayload", created
        order_id = created["order"]["id"]
    order = read_order(base_url, token, order_id)
    assert order["amountFen"] > 0 and order["status"] == "CREATED"
    # When the sandbox posts its signed notification to the server, twice (a resend)
    sandbox_pays(base_url, settings, order, "SBX-e2e-1", times=2)
    # Then the order reads paid and the unit's statement shows one payment and nothing owed
    caught_up(platform)
    paid = read_order(base_url, token, order["id"])
    assert (paid["status"], paid["transactionId"]) == ("PAID", "SBX-e2e-1")
    statement = fee_statement(base_url, token, unit)
    assert statement["balanceFen"] == 0
    assert [e["amountFen"] for e in statement["entries"] if e["kind"] == "PAYMENT"] == [
        order["amountFen"]
    ]
