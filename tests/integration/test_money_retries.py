"""Money commands are safe to retry: a payment's transaction id is the receiving company's
own, and a command with no natural key carries the client's command id, so that a repeat (or
a retry after a lost connection, even racing the first) returns the first answer and books
nothing twice."""

from __future__ import annotations

import threading
import typing
from dataclasses import fields
from datetime import date
from typing import Any
from uuid import UUID

from gongzhi.application.base import Done
from gongzhi.application.commands import handled_commands, handler_of
from gongzhi.domain.fee_account import account_id
from gongzhi.domain.payment import Payment, unscoped_payment_id
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_common_income import LAST_MONTH, income_call
from tests.integration.test_graphql_fees import META, billed_estate, pay, statement
from tests.integration.test_graphql_fund import LEDGER, REGULATOR, estate, fund_call

OTHER_REGULATOR = Principal(subject="fund-centre-2", role=Role.REGULATOR, districts=("红塔区",))


# ---------------------------------------------------------------------------------------------
# Payments: the transaction id is unique per company


def test_two_companies_cash_receipt_0001_are_two_payments(api: Api) -> None:
    # Given two communities served by two companies, each with October billed
    first, second = billed_estate(api, "安居物业"), billed_estate(api, "宜家物业")
    # When each company records its own cash receipt "0001"
    one = pay(api, first, "101", 1000, "0001", channel="CASH")
    two = pay(api, second, "101", 2500, "0001", channel="CASH")
    # Then both are new payments, neither refused nor told of the other
    assert one["__typename"] == two["__typename"] == "PaymentPayload", (one, two)
    assert one["duplicate"] is two["duplicate"] is False
    assert one["paymentId"] != two["paymentId"]
    # And each unit's account holds its own payment only
    app = api.platform.app
    for estate_, amount in ((first, 1000), (second, 2500)):
        account = app.repository.get(account_id(UUID(estate_.units["101"])))
        assert [p.amount_fen for p in account.payments.values()] == [amount]


def test_a_repeated_receipt_of_one_company_is_the_original_payment(api: Api) -> None:
    # Given a cash receipt "0001" recorded by the company
    e = billed_estate(api)
    paid = pay(api, e, "101", 1000, "0001", channel="CASH")
    # When it is sent again
    again = pay(api, e, "101", 1000, "0001", channel="CASH")
    # Then the answer is the original payment and nothing is counted twice
    assert again["duplicate"] is True
    assert again["paymentId"] == paid["paymentId"]
    assert statement(api, e.units["101"])["entries"] == paid["statement"]["entries"]
    # And the same receipt for another amount is refused, not booked
    other = pay(api, e, "101", 999, "0001", channel="CASH")
    assert other["__typename"] == "Conflict", other


# ---------------------------------------------------------------------------------------------
# Command ids


def top_ups(api: Api, community: str) -> list[dict[str, Any]]:
    entries = api.gql(LEDGER, {"id": community})["fundLedger"]["entries"]
    return [entry for entry in entries if entry["kind"] == "TOP_UP"]


def top_up(api: Api, community: str, unit: str, amount: int, command_id: str, **extra: Any) -> Any:
    return fund_call(
        api,
        "topUpFund",
        extra.pop("as_", REGULATOR),
        communityId=community,
        unitId=unit,
        amountFen=amount,
        on="2025-01-02",
        commandId=command_id,
    )


def test_a_top_up_sent_twice_with_one_command_id_is_booked_once_with_the_same_answer(
    api: Api,
) -> None:
    # Given a fund
    e = estate(api)
    # When the fund centre sends a top-up, and sends it again (its connection was lost)
    first = top_up(api, e.community, e.units[1], 500, "top-up-7f3a")
    again = top_up(api, e.community, e.units[1], 500, "top-up-7f3a")
    # Then the second answer is the first one, position included
    assert first["__typename"] == "FundPayload", first
    assert again == first
    # And the ledger holds one top-up
    assert [entry["amountFen"] for entry in top_ups(api, e.community)] == [500]
    # When another top-up of the same amount is sent with a new command id
    third = top_up(api, e.community, e.units[1], 500, "top-up-8b21")
    # Then it is a second booking
    assert third["fund"]["balanceFen"] == first["fund"]["balanceFen"] + 500
    assert len(top_ups(api, e.community)) == 2


def test_a_command_id_reused_for_another_input_is_a_conflict_and_books_nothing(api: Api) -> None:
    e = estate(api)
    top_up(api, e.community, e.units[1], 500, "top-up-1")
    # When the same command id comes with another amount, or on another command
    other_amount = top_up(api, e.community, e.units[1], 600, "top-up-1")
    other_command = fund_call(
        api,
        "allocateFundInterest",
        REGULATOR,
        communityId=e.community,
        amountFen=600,
        on="2025-01-02",
        commandId="top-up-1",
    )
    # Then both are conflicts saying so, and only the first top-up is booked
    for answer in (other_amount, other_command):
        assert answer["__typename"] == "Conflict", answer
        assert "command id" in answer["message"]
    assert [entry["amountFen"] for entry in top_ups(api, e.community)] == [500]
    entries = api.gql(LEDGER, {"id": e.community})["fundLedger"]["entries"]
    assert "INTEREST" not in [entry["kind"] for entry in entries]


def test_another_sender_with_the_same_command_id_books_its_own(api: Api) -> None:
    # A command id is unique among its sender's commands: another's does not collide.
    e = estate(api)
    top_up(api, e.community, e.units[0], 500, "1")
    other = top_up(api, e.community, e.units[0], 700, "1", as_=OTHER_REGULATOR)
    assert other["__typename"] == "FundPayload", other
    assert sorted(entry["amountFen"] for entry in top_ups(api, e.community)) == [500, 700]


def test_two_concurrent_sends_of_one_command_id_book_once(api: Api) -> None:
    # Given a fund
    e = estate(api)
    answers: list[Any] = []
    start = threading.Barrier(2)

    def send() -> None:
        start.wait()
        answers.append(
            fund_call(
                api,
                "allocateFundInterest",
                REGULATOR,
                communityId=e.community,
                amountFen=10_001,
                on="2025-01-01",
                commandId="interest-2025",
            )
        )

    # When two threads send the same interest allocation at once
    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then both are answered with the one booking
    assert [answer["__typename"] for answer in answers] == ["FundPayload"] * 2, answers
    assert answers[0]["position"] == answers[1]["position"]
    entries = api.gql(LEDGER, {"id": e.community})["fundLedger"]["entries"]
    assert [entry["amountFen"] for entry in entries if entry["kind"] == "INTEREST"] == [10_001]


def test_an_entry_of_common_income_sent_twice_is_one_entry(api: Api) -> None:
    e = estate(api)
    values = {
        "communityId": e.community,
        "category": "PARKING",
        "period": LAST_MONTH,
        "grossFen": 120_000,
        "costFen": 20_000,
        "counterparty": "幸福里停车场",
        "commandId": "parking-last-month",
    }
    first = income_call(api, "recordCommonIncome", e.staff, **values)
    again = income_call(api, "recordCommonIncome", e.staff, **values)
    assert first["__typename"] == "CommonIncomePayload", first
    assert again == first
    assert len(first["ledger"]["entries"]) == 1


def test_every_command_with_a_command_id_answers_with_a_plain_done() -> None:
    # A repeat is answered from the receipt (the ids and the position): a handler whose
    # answer carries more would lose it on a repeat.
    declaring = [c for c in handled_commands() if "command_id" in {f.name for f in fields(c)}]
    assert {c.__name__ for c in declaring} >= {
        "TopUpFund",
        "AllocateFundInterest",
        "RecordCommonIncome",
        "RefundPayment",
        "WriteOffBill",
        "WaiveLateFee",
    }
    for command in declaring:
        answer = typing.get_type_hints(handler_of(command))["return"]
        assert answer is Done, command.__name__


def test_a_retry_of_a_payment_recorded_before_ids_were_scoped_finds_it(api: Api) -> None:
    # Given a payment recorded under the id of before (channel and transaction id only)
    e = billed_estate(api)
    legacy = Payment._create(
        Payment.Received,
        id=unscoped_payment_id("WECHAT", "wx-legacy"),
        channel="WECHAT",
        transaction_id="wx-legacy",
        community_id=UUID(e.community),
        unit_id=UUID(e.units["101"]),
        amount_fen=1000,
        received_on=date(2026, 10, 20),
    )
    api.platform.app.record(META, legacy)
    # When the payment platform sends it again
    again = pay(api, e, "101", 1000, "wx-legacy")
    # Then it is the original payment, not a second one
    assert (again["duplicate"], again["paymentId"]) == (True, str(legacy.id))
    # And another community's receipt of the same number is its own payment
    other = billed_estate(api, "宜家物业")
    theirs = pay(api, other, "101", 1000, "wx-legacy")
    assert theirs["duplicate"] is False and theirs["paymentId"] != str(legacy.id)
