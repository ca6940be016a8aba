"""补收 over real sockets against `gongzhi run`: a billed water reading found too low is
corrected over HTTP, the unit's bills show the supplementary bill (补收单), and the unit
pays it online through the sandbox."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from gongzhi.application.base import Meta, business_today
from gongzhi.application.billing import RunBilling
from gongzhi.application.meters import (
    EnterReading,
    InstallMeter,
    OpenReadingRound,
    PriceTier,
    SetMeterPrice,
)
from gongzhi.bootstrap import Platform
from gongzhi.domain.meter import MeterKind
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.settings import Settings
from tests.e2e.test_online_payment import billed_unit, caught_up, read_order, sandbox_pays
from tests.e2e.test_platform import graphql

META = Meta(actor="test", reason="入册", actor_role="PLATFORM_ADMIN")
COMPANY = UUID(int=1)  # the company billed_unit has serve the community


def metered_unit(platform: Platform) -> tuple[UUID, UUID, UUID, str]:
    """A community of one unit billed for last month (``billed_unit``) with a water meter
    from this month (3.00 元/吨), this month read (10 吨) and billed: (community, unit,
    meter, month)."""
    app = platform.app
    community, unit = billed_unit(platform)
    month = business_today().strftime("%Y-%m")
    meter = app.install_meter(
        META,
        InstallMeter(
            community_id=community,
            kind=MeterKind.WATER,
            number="W-101",
            installed_in=month,
            unit_id=unit,
        ),
    ).part_id
    assert meter is not None
    price = [PriceTier(price=Decimal("3.00"))]
    app.set_meter_price(META, SetMeterPrice(community, MeterKind.WATER, price))
    app.open_reading_round(META, OpenReadingRound(community, month))
    app.enter_reading(META, EnterReading(community, meter, month, Decimal(10)))
    app.run_billing(META, RunBilling(community_id=community, period=month))
    return community, unit, meter, month


BILLS = """query($u: ID!) { feeStatement(unitId: $u) { ... on FeeStatement {
    balanceFen outstandingFen
    bills { id supplementary amountFen outstandingFen dueOn lines { kind label amountFen } }
    entries { kind amountFen } } } }"""


@pytest.mark.slow
def test_a_billed_reading_found_too_low_is_billed_and_paid_online_over_real_sockets(
    platform: Platform, running: tuple[str, Any], settings: Settings
) -> None:
    base_url, _ = running
    community, unit, meter, month = metered_unit(platform)
    staff = Principal(subject="staff-1", role=Role.COMPANY_STAFF, company_id=COMPANY)
    token = issue_token(settings.jwt_secret, staff)
    caught_up(platform)
    billed = graphql(base_url, token, BILLS, {"u": str(unit)})["feeStatement"]
    [_, regular] = billed["bills"]  # last month's, this month's with its meter line
    assert [(x["kind"], x["amountFen"]) for x in regular["lines"] if x["kind"] == "METERED"] == [
        ("METERED", 3000)
    ]
    # When the staff correct the billed reading upward over HTTP: 12 吨, not 10
    corrected = graphql(
        base_url,
        token,
        """mutation($input: CorrectReadingInput!) { correctReading(input: $input) {
        __typename ... on MeterBookPayload { position } ... on Recorded { position }
        ... on ValidationError { field message } } }""",
        {
            "input": {
                "communityId": str(community),
                "meterId": str(meter),
                "period": month,
                "reading": "12",
                "reason": "抄表员漏读 2 吨",
            }
        },
    )["correctReading"]
    assert corrected["__typename"] in ("MeterBookPayload", "Recorded"), corrected
    caught_up(platform)
    # Then the unit's bills show a 补收单 of 600 fen due 30 days from today, line by line
    statement = graphql(base_url, token, BILLS, {"u": str(unit)})["feeStatement"]
    [supplement] = [b for b in statement["bills"] if b["supplementary"]]
    assert (supplement["amountFen"], supplement["outstandingFen"]) == (600, 600)
    assert supplement["dueOn"] == (business_today() + timedelta(days=30)).isoformat()
    [line] = supplement["lines"]
    assert (line["kind"], line["amountFen"]) == ("METERED", 600)
    assert "12吨 (表 W-101 0→12)" in line["label"] and "10吨 (表 W-101 0→10)" in line["label"]
    assert statement["outstandingFen"] == billed["outstandingFen"] + 600
    # When the unit pays what it owes online (last month's late fee too) and the sandbox
    # notifies the server
    created = graphql(
        base_url,
        token,
        """mutation($input: CreatePaymentOrderInput!) { createPaymentOrder(input: $input) {
        __typename ... on OnlinePaymentOrderPayload { order { id } }
        ... on Recorded { id position } ... on ValidationError { message } } }""",
        {"input": {"communityId": str(community), "unitId": str(unit), "reason": "在线缴费"}},
    )["createPaymentOrder"]
    if created["__typename"] == "Recorded":
        caught_up(platform)
        order_id = created["id"]
    else:
        assert created["__typename"] == "OnlinePaymentOrderPayload", created
        order_id = created["order"]["id"]
    order = read_order(base_url, token, order_id)
    assert order["amountFen"] == statement["balanceFen"]
    sandbox_pays(base_url, settings, order, "SBX-补收-1")
    caught_up(platform)
    # Then the order is paid and every bill with it: the unit owes nothing
    assert read_order(base_url, token, order_id)["status"] == "PAID"
    paid = graphql(base_url, token, BILLS, {"u": str(unit)})["feeStatement"]
    assert [b["outstandingFen"] for b in paid["bills"]] == [0, 0, 0]
    assert paid["balanceFen"] == 0
