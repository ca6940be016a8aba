"""收据 over GraphQL on PostgreSQL: gap-free receipt numbers per company and year (also under
concurrent payments and refused ones), cash without a transaction id, the receipt's PDF (补打
on a reprint, recorded) downloaded through the exports' signed links."""

from __future__ import annotations

import io
import random
import threading
from typing import Any
from uuid import UUID

import pytest
from pypdf import PdfReader

from gongzhi.application.base import business_today
from gongzhi.application.fee_payments import RecordPayment
from gongzhi.application.invoices import InvoiceOutcome
from gongzhi.bootstrap import Platform
from gongzhi.demo import credit_code
from gongzhi.domain.company import PropertyCompany
from gongzhi.domain.payment import Payment, PaymentChannel
from gongzhi.graphql.auth import Principal, Role
from gongzhi.projections.runner import wait_for_position
from gongzhi.projections.views import PROJECTION_NAME
from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import (
    META,
    PROBLEMS,
    Estate,
    billed_estate,
    pay,
)

RECEIPT = """receiptNumber companyName unitLabel payer channel transactionId amountFen
    receivedOn items { what amountFen } prints { copy reprint actor }"""


def prefix(api: Api, e: Estate) -> str:
    company = api.platform.app.repository.get(UUID(e.company))
    assert isinstance(company, PropertyCompany)
    return f"{company.credit_code[8:17]}-{business_today().year}-"


def receipt(api: Api, payment_id: str, as_: Principal) -> Any:
    query = f"""query($id: ID!) {{ paymentReceipt(paymentId: $id) {{ __typename
        ... on Receipt {{ {RECEIPT} }}
        ... on ValidationError {{ field message }} ... on NotFound {{ field message }}
        ... on Forbidden {{ message }} }} }}"""
    return api.gql(query, {"id": payment_id}, as_=as_)["paymentReceipt"]


def print_receipt(api: Api, payment_id: str, as_: Principal) -> Any:
    query = f"""mutation($input: PrintReceiptInput!) {{ printReceipt(input: $input) {{
        __typename ... on ReceiptPrintPayload {{ copy reprint receipt {{ {RECEIPT} }}
            download {{ url fileName }} }} {PROBLEMS} }} }}"""
    variables = {"input": {"paymentId": payment_id, "reason": "交款人要收据"}}
    return api.gql(query, variables, as_=as_)["printReceipt"]


def pdf_text(api: Api, url: str, as_: Principal) -> str:
    response = api.client.get(url, headers={"Authorization": f"Bearer {api.token(as_)}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_payments_are_numbered_one_after_another_and_a_refused_one_takes_no_number(
    api: Api,
) -> None:
    e = billed_estate(api)
    first = pay(api, e, "101", 1000, "wx-1")
    # refused inside the save's attempt, after the number was drawn: more than 12 months
    refused = pay(api, e, "201", 100_000_000, "wx-2")
    assert refused["__typename"] == "ValidationError", refused
    second = pay(api, e, "201", 500, "wx-3")
    again = pay(api, e, "101", 1000, "wx-1")  # a repeated notification: no new number
    numbers = [
        receipt(api, p["paymentId"], e.staff)["receiptNumber"] for p in (first, second, again)
    ]
    assert numbers == [prefix(api, e) + n for n in ("000001", "000002", "000001")]
    assert again["duplicate"] is True


def test_cash_needs_no_transaction_id_other_channels_do(api: Api) -> None:
    e = billed_estate(api)
    cash = pay(api, e, "101", 1000, None, channel="CASH")  # type: ignore[arg-type]
    assert cash["__typename"] == "PaymentPayload", cash
    shown = receipt(api, cash["paymentId"], e.staff)
    assert shown["receiptNumber"] == prefix(api, e) + "000001"
    assert shown["transactionId"] == shown["receiptNumber"]
    # a second cash payment of the same amount is another payment, not a repeat
    other = pay(api, e, "101", 1000, None, channel="CASH")  # type: ignore[arg-type]
    assert other["paymentId"] != cash["paymentId"]
    assert receipt(api, other["paymentId"], e.staff)["receiptNumber"].endswith("000002")
    wechat = pay(api, e, "101", 1000, None)  # type: ignore[arg-type]
    assert wechat["__typename"] == "ValidationError", wechat
    assert wechat["field"] == "input.transactionId"


def test_payments_recorded_at_once_take_consecutive_numbers(api: Api) -> None:
    # Given two processes (their own applications on the one store), three threads each: in
    # a process they queue for the receipt book, the processes race for it in the store
    e = billed_estate(api)
    other = Platform(api.settings)
    answers: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def record(app: Any, unit: str, n: int) -> None:
        barrier.wait()
        try:
            answers.append(
                app.record_payment(
                    META,
                    RecordPayment(
                        community_id=UUID(e.community),
                        unit_id=UUID(e.units[unit]),
                        channel=PaymentChannel.CASH,
                        amount_fen=100 + n,
                    ),
                )
            )
        except BaseException as error:  # the assertion below names it
            errors.append(error)

    # When six payments are recorded at once
    apps = [api.platform.app, other.app]
    threads = [
        threading.Thread(target=record, args=(apps[n % 2], unit, n))
        for n, unit in enumerate(["101", "201", "301", "401", "101", "201"])
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        other.close()
    # Then all are recorded, numbered 1 to 6: none skipped, none twice
    assert errors == []
    app = api.platform.app
    numbers = sorted(app.repository.get(answer.id).receipt_number for answer in answers)
    assert numbers == [f"{prefix(api, e)}{n:06d}" for n in range(1, 7)]


def test_a_receipt_prints_as_pdf_and_a_reprint_says_so(api: Api) -> None:
    e = billed_estate(api)
    paid = pay(api, e, "101", 50_000, "wx-pdf")
    payment_id = paid["paymentId"]
    first = print_receipt(api, payment_id, e.staff)
    assert first["__typename"] == "ReceiptPrintPayload", first
    assert (first["copy"], first["reprint"]) == (1, False)
    shown = first["receipt"]
    number = shown["receiptNumber"]
    assert shown["unitLabel"] == "1栋-1单元-101"
    assert shown["companyName"] == "安居物业"
    assert sum(item["amountFen"] for item in shown["items"]) == 50_000
    assert any("2026-10" in item["what"] for item in shown["items"])
    text = pdf_text(api, first["download"]["url"], e.staff)
    assert "收" in text and number in text and "安居物业" in text and "1栋-1单元-101" in text
    assert "500.00" in text and "微信支付" in text and "wx-pdf" in text
    assert "补打" not in text

    second = print_receipt(api, payment_id, e.staff)
    assert (second["copy"], second["reprint"]) == (2, True)
    assert [p["copy"] for p in second["receipt"]["prints"]] == [1, 2]
    assert all(p["actor"] for p in second["receipt"]["prints"])
    reprint = pdf_text(api, second["download"]["url"], e.staff)
    assert "补打" in reprint and number in reprint
    # the first copy's link still makes the original
    assert "补打" not in pdf_text(api, first["download"]["url"], e.staff)


def test_a_link_is_its_subjects_only_and_another_company_sees_no_receipt(api: Api) -> None:
    e = billed_estate(api)
    paid = pay(api, e, "101", 1000, "wx-mine")
    printed = print_receipt(api, paid["paymentId"], e.staff)
    url = printed["download"]["url"]
    other = billed_estate(api, "宜居物业")
    stranger = Principal(subject="staff-2", role=Role.COMPANY_STAFF, company_id=UUID(other.company))
    response = api.client.get(url, headers={"Authorization": f"Bearer {api.token(stranger)}"})
    assert response.status_code == 404  # not the subject the link was made for
    # the link's own subject, now staff of another company: checked again at download
    moved = other.staff
    assert moved.subject == e.staff.subject
    response = api.client.get(url, headers={"Authorization": f"Bearer {api.token(moved)}"})
    assert response.status_code == 403
    assert receipt(api, paid["paymentId"], moved)["__typename"] == "NotFound"
    refused = print_receipt(api, paid["paymentId"], moved)
    assert refused["__typename"] in {"NotFound", "Forbidden"}, refused
    assert [p["copy"] for p in receipt(api, paid["paymentId"], e.staff)["prints"]] == [1]


INVOICE = "invoice { buyerTitle taxNumber amountFen status invoiceNumber failure }"


def request_invoice(api: Api, payment_id: str, code: str, as_: Principal) -> Any:
    query = f"""mutation($input: RequestInvoiceInput!) {{ requestInvoice(input: $input) {{
        __typename ... on InvoicePayload {{ receipt {{ {INVOICE} }} }} {PROBLEMS} }} }}"""
    variables = {
        "input": {
            "paymentId": payment_id,
            "buyerTitle": "云南某某科技有限公司",
            "taxNumber": code,
            "reason": "交款人要发票",
        }
    }
    return api.gql(query, variables, as_=as_)["requestInvoice"]


class Refusing:
    """An invoicing service that refuses (the tax platform's answer, not ours to fake)."""

    def submit(self, request: Any) -> InvoiceOutcome:
        return InvoiceOutcome(failure="税号与名称不符")


class Later:
    """An invoicing service that answers later."""

    def submit(self, request: Any) -> InvoiceOutcome:
        return InvoiceOutcome()


def test_an_invoice_is_requested_per_payment_and_issued_by_the_sandbox(api: Api) -> None:
    e = billed_estate(api)
    code = credit_code(random.Random(16))
    paid = pay(api, e, "101", 1000, "wx-inv")["paymentId"]
    issued = request_invoice(api, paid, code.lower(), e.staff)
    assert issued["__typename"] == "InvoicePayload", issued
    invoice = issued["receipt"]["invoice"]
    assert (invoice["status"], invoice["taxNumber"], invoice["amountFen"]) == ("ISSUED", code, 1000)
    assert invoice["invoiceNumber"].startswith("SANDBOX-")
    assert receipt(api, paid, e.staff)["__typename"] == "Receipt"
    again = request_invoice(api, paid, code, e.staff)
    assert again["__typename"] == "Conflict", again


@pytest.mark.parametrize(
    ("code", "typename"),
    [
        ("91530100MA6K0000X", "ValidationError"),  # 17 characters
        ("91530100MA6K0000X00", "ValidationError"),  # 19
        ("91530100MA6K0000XA", "ValidationError"),  # a wrong check character
    ],
)
def test_a_tax_number_is_a_valid_credit_code(api: Api, code: str, typename: str) -> None:
    e = billed_estate(api)
    paid = pay(api, e, "101", 1000, "wx-inv")["paymentId"]
    refused = request_invoice(api, paid, code, e.staff)
    assert refused["__typename"] == typename, refused
    assert refused["field"] == "input.taxNumber"
    assert receipt(api, paid, e.staff).get("invoice") is None


def test_a_refused_or_pending_invoice_shows_its_status(api: Api) -> None:
    e = billed_estate(api)
    app = api.platform.app
    code = credit_code(random.Random(17))
    first = pay(api, e, "101", 1000, "wx-refused")["paymentId"]
    second = pay(api, e, "101", 2000, "wx-later")["paymentId"]
    try:
        app.invoice_channel = Refusing()  # type: ignore[misc]
        failed = request_invoice(api, first, code, e.staff)["receipt"]["invoice"]
        app.invoice_channel = Later()  # type: ignore[misc]
        pending = request_invoice(api, second, code, e.staff)["receipt"]["invoice"]
    finally:
        del app.invoice_channel
    assert (failed["status"], failed["failure"], failed["invoiceNumber"]) == (
        "FAILED",
        "税号与名称不符",
        None,
    )
    assert (pending["status"], pending["invoiceNumber"]) == ("REQUESTED", None)


def test_a_payment_recorded_before_numbering_has_no_number_and_prints_as_such(api: Api) -> None:
    # Given a payment as recorded before receipts were numbered (no number in its event)
    e = billed_estate(api)
    app = api.platform.app
    old = Payment.receive(
        receiver=UUID(e.company),
        channel="WECHAT",
        transaction_id="wx-2025",
        community_id=UUID(e.community),
        unit_id=UUID(e.units["101"]),
        amount_fen=700,
        received_on=business_today(),
    )
    assert wait_for_position(api.platform.engine, PROJECTION_NAME, app.record(META, old), 30)
    # Then it shows no number, and its receipt says why; no number is taken for it
    assert receipt(api, str(old.id), e.staff)["receiptNumber"] is None
    printed = print_receipt(api, str(old.id), e.staff)
    assert "编号启用前" in pdf_text(api, printed["download"]["url"], e.staff)
    assert pay(api, e, "101", 100, "wx-new")["receiptNumber"] == prefix(api, e) + "000001"
