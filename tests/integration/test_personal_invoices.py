"""电子发票 for a person (个人抬头) on PostgreSQL: the name is stored sealed (in the log and in the
views), shown in full to who issues invoices and to the unit's resident, masked for the
committee and the regulators, never echoed in an error, and read as 已删除 once the request's
text is erased; an organisation's title and tax number are as before."""

from __future__ import annotations

import random
from typing import Any
from uuid import UUID

from gongzhi.demo import credit_code
from gongzhi.domain.invoice import invoice_request_id
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import PROBLEMS, billed_estate, pay
from tests.integration.test_graphql_receipts import INVOICE
from tests.integration.test_personal_data import clear_values_found
from tests.integration.test_record_erasure import ERASE

BUYER = "欧阳春晓"
KIND_INVOICE = INVOICE.replace("invoice {", "invoice { buyerKind")


def request(api: Api, payment_id: str, as_: Principal, **values: Any) -> Any:
    query = f"""mutation($input: RequestInvoiceInput!) {{ requestInvoice(input: $input) {{
        __typename ... on InvoicePayload {{ receipt {{ {KIND_INVOICE} }} }} {PROBLEMS} }} }}"""
    variables = {"input": {"paymentId": payment_id, "reason": "交款人要发票", **values}}
    return api.gql(query, variables, as_=as_)["requestInvoice"]


def invoice_seen_by(api: Api, payment_id: str, as_: Principal) -> Any:
    query = f"""query($id: ID!) {{ paymentReceipt(paymentId: $id) {{ __typename
        ... on Receipt {{ {KIND_INVOICE} }} }} }}"""
    answer = api.gql(query, {"id": payment_id}, as_=as_)["paymentReceipt"]
    assert answer["__typename"] == "Receipt", answer
    return answer["invoice"]


def test_a_personal_invoice_is_sealed_and_masked_for_who_need_not_see_the_name(
    api: Api,
) -> None:
    # Given a payment of 101
    e = billed_estate(api)
    paid = pay(api, e, "101", 1000, "wx-personal")["paymentId"]
    # When its resident's personal invoice is requested at the counter
    done = request(api, paid, e.staff, buyerTitle=BUYER, buyerKind="PERSON")
    assert done["__typename"] == "InvoicePayload", done
    shown = done["receipt"]["invoice"]
    assert (shown["buyerKind"], shown["buyerTitle"], shown["taxNumber"]) == ("PERSON", BUYER, "")
    assert shown["status"] == "ISSUED"
    # Then the name is stored nowhere in clear: not in the log, not in the views
    api.settle()
    assert clear_values_found(api.platform, {BUYER}) == []
    # and it reads in full for the staff and the unit's resident, masked for the committee
    # and the district's regulator
    community = UUID(e.community)
    resident = Principal(
        subject="resident-101",
        role=Role.RESIDENT,
        community_id=community,
        unit_ids=(UUID(e.units["101"]),),
    )
    committee = Principal(subject="ywh-1", role=Role.COMMITTEE_MEMBER, community_id=community)
    regulator = Principal(subject="street-9", role=Role.REGULATOR, districts=("红塔区",))
    seen = {
        name: invoice_seen_by(api, paid, who)["buyerTitle"]
        for name, who in (
            ("staff", e.staff),
            ("resident", resident),
            ("committee", committee),
            ("regulator", regulator),
        )
    }
    assert seen == {
        "staff": BUYER,
        "resident": BUYER,
        "committee": "欧***",
        "regulator": "欧***",
    }
    # And once the request's text is erased, it reads 已删除 for everyone
    erased = api.gql(
        ERASE,
        {
            "input": {
                "recordId": str(invoice_request_id(UUID(paid))),
                "requestedBySubject": True,
                "reason": "本人申请删除",
            }
        },
    )["eraseRecordText"]
    assert erased["__typename"] == "RecordTextErasedPayload", erased
    assert invoice_seen_by(api, paid, e.staff)["buyerTitle"] == "已删除"
    assert invoice_seen_by(api, paid, committee)["buyerTitle"] == "已删除"


def test_a_personal_invoice_has_no_tax_number_and_an_organisations_needs_one(api: Api) -> None:
    e = billed_estate(api)
    paid = pay(api, e, "101", 1000, "wx-kinds")["paymentId"]
    code = credit_code(random.Random(21))
    refusals = [
        ({"buyerTitle": BUYER, "buyerKind": "PERSON", "taxNumber": code}, "input.taxNumber"),
        ({"buyerTitle": "云南某某科技有限公司"}, "input.taxNumber"),
        ({"buyerTitle": "欧" * 51, "buyerKind": "PERSON"}, "input.buyerTitle"),
    ]
    for values, field in refusals:
        refused = request(api, paid, e.staff, **values)
        assert (refused["__typename"], refused["field"]) == ("ValidationError", field), refused
        assert BUYER not in refused["message"] and "欧欧" not in refused["message"]
    # an organisation's invoice, as before: its title and tax number, in full for anyone
    done = request(api, paid, e.staff, buyerTitle="云南某某科技有限公司", taxNumber=code)
    invoice = done["receipt"]["invoice"]
    assert (invoice["buyerKind"], invoice["buyerTitle"], invoice["taxNumber"]) == (
        "ORGANISATION",
        "云南某某科技有限公司",
        code,
    )
    committee = Principal(
        subject="ywh-1", role=Role.COMMITTEE_MEMBER, community_id=UUID(e.community)
    )
    assert invoice_seen_by(api, paid, committee)["buyerTitle"] == "云南某某科技有限公司"
