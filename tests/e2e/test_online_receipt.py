"""收据 of an online payment over real sockets against `gongzhi run`: the sandbox's signed
notification pays the order, the receipt's number is read over GraphQL by the unit's
resident, and the printed receipt's PDF is downloaded over HTTP by its signed link."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any
from uuid import UUID

import httpx
import pytest
from pypdf import PdfReader

from gongzhi.application.base import business_today
from gongzhi.application.owners import OwnerShare, RecordOwnership, RegisterPerson
from gongzhi.bootstrap import Platform
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.settings import Settings
from tests.e2e.test_online_payment import (
    META,
    billed_unit,
    caught_up,
    ordered,
    sandbox_pays,
)
from tests.e2e.test_platform import admin_token, graphql

RECEIPT = """query($id: ID!) { paymentReceipt(paymentId: $id) { __typename
    ... on Receipt { receiptNumber companyName unitLabel channel transactionId amountFen
        prints { copy } }
    ... on NotFound { message } ... on Forbidden { message } } }"""
PRINT = """mutation($input: PrintReceiptInput!) { printReceipt(input: $input) { __typename
    ... on ReceiptPrintPayload { copy reprint download { url fileName } }
    ... on Recorded { position } ... on NotFound { message } ... on Forbidden { message } } }"""


@pytest.mark.slow
def test_an_online_payment_gets_its_receipt_number_and_pdf_over_the_network(
    platform: Platform, running: tuple[str, Any], settings: Settings
) -> None:
    base_url, _ = running
    community, unit = billed_unit(platform)
    admin = admin_token(settings)
    # the unit's owner, signed in as its resident
    owner = platform.app.register_person(META, RegisterPerson(name="张三")).id
    platform.app.record_ownership(
        META, RecordOwnership(community, unit, [OwnerShare(owner, "1")], date(2024, 1, 1))
    )
    resident = issue_token(
        settings.jwt_secret,
        Principal(
            subject="resident-101",
            role=Role.RESIDENT,
            community_id=community,
            unit_ids=(unit,),
            person_id=owner,
        ),
    )
    caught_up(platform)
    # Given the resident's order for what the unit owes, paid through the sandbox
    order = ordered(platform, base_url, resident, community, unit)
    sandbox_pays(base_url, settings, order, "SBX-receipt-1")
    caught_up(platform)

    # When the resident reads the order's payment's receipt over GraphQL
    paid = graphql(
        base_url,
        resident,
        """query($id: ID!) { onlinePaymentOrder(id: $id) { ... on OnlinePaymentOrder {
        status paymentId } } }""",
        {"id": order["id"]},
    )["onlinePaymentOrder"]
    assert paid["status"] == "PAID" and paid["paymentId"]
    receipt = graphql(base_url, resident, RECEIPT, {"id": paid["paymentId"]})["paymentReceipt"]
    # Then it carries the first number of the receiver's book this year
    assert receipt["__typename"] == "Receipt", receipt
    number = receipt["receiptNumber"]
    assert re.fullmatch(rf"[0-9A-Z]{{9}}-{business_today().year}-000001", number), number
    assert (receipt["channel"], receipt["transactionId"], receipt["amountFen"]) == (
        "SANDBOX",
        "SBX-receipt-1",
        order["amountFen"],
    )

    # And when staff print it (the platform's operator here), the PDF comes over HTTP
    printed = graphql(
        base_url,
        admin,
        PRINT,
        {"input": {"paymentId": paid["paymentId"], "reason": "住户要收据"}},
    )["printReceipt"]
    assert printed["__typename"] == "ReceiptPrintPayload", printed
    assert printed["download"]["fileName"] == f"收据-{number}.pdf"
    url = printed["download"]["url"]
    url = url if url.startswith("http") else base_url + url
    pdf = httpx.get(url, headers={"Authorization": f"Bearer {admin}"}, timeout=30)
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    yuan = f"{order['amountFen'] / 100:,.2f}"
    for shown in (number, "幸福里", "1栋", "沙箱支付", "SBX-receipt-1", yuan):
        assert shown in text, (shown, text)
    assert "补打" not in text
    # and the link is its holder's only: the resident's token gets nothing from it
    other = httpx.get(url, headers={"Authorization": f"Bearer {resident}"}, timeout=30)
    assert other.status_code == 404
    assert UUID(paid["paymentId"])
