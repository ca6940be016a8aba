"""在线缴费 (issue 16 §1): a payment order over GraphQL, paid by the sandbox channel's signed
notification posted to ``/payments/notify/sandbox`` through the app, on real PostgreSQL."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from gongzhi.application.base import business_today
from gongzhi.application.billing import RunBilling
from gongzhi.domain.payment import PaymentChannel
from gongzhi.domain.payment_order import OnlinePaymentOrder
from gongzhi.graphql.auth import Principal, Role
from gongzhi.infra.payment_channels import Notice, SandboxChannel, read_key
from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import (
    LOOKUP_PROBLEMS,
    META,
    PROBLEMS,
    Estate,
    _billed,
    billed_estate,
    statement,
)

ORDER_FIELDS = """id unitId channel outTradeNo amountFen status createdAt expiresAt paymentId
    transactionId paidAt closedAt payUrl"""


def create_order(api: Api, e: Estate, unit: str, as_: Principal) -> Any:
    return api.gql(
        f"""mutation($input: CreatePaymentOrderInput!) {{ createPaymentOrder(input: $input) {{
            __typename ... on OnlinePaymentOrderPayload {{ order {{ {ORDER_FIELDS} }} }}
            ... on ChannelUnavailable {{ orderId code message }} {PROBLEMS} }} }}""",
        {"input": {"communityId": e.community, "unitId": unit, "reason": "在线缴费"}},
        as_=as_,
    )["createPaymentOrder"]


def place_order(api: Api, order_id: str, as_: Principal) -> Any:
    """统一下单 again (placePaymentOrder), answered with its order or its typed error."""
    return api.gql(
        f"""mutation($input: PlacePaymentOrderInput!) {{ placePaymentOrder(input: $input) {{
            __typename ... on OnlinePaymentOrderPayload {{ order {{ {ORDER_FIELDS} }} }}
            ... on ChannelUnavailable {{ orderId code message }} {PROBLEMS} }} }}""",
        {"input": {"orderId": order_id, "reason": "重新发起支付"}},
        as_=as_,
    )["placePaymentOrder"]


def read_order(api: Api, order_id: str, as_: Principal | None = None) -> Any:
    return api.gql(
        f"""query($id: ID!) {{ onlinePaymentOrder(id: $id) {{ __typename
            ... on OnlinePaymentOrder {{ {ORDER_FIELDS} }} {LOOKUP_PROBLEMS} }} }}""",
        {"id": order_id},
        **({"as_": as_} if as_ else {}),
    )["onlinePaymentOrder"]


def sandbox(api: Api) -> SandboxChannel:
    """The channel as the test's settings configure it: the key the platform verifies with."""
    assert api.settings.payment_key_file is not None
    return SandboxChannel(read_key(api.settings.payment_key_file))


def notify(
    api: Api,
    order: dict[str, Any],
    *,
    transaction_id: str,
    notification_id: str | None = None,
    amount_fen: int | None = None,
    channel: SandboxChannel | None = None,
    signed_at: datetime | None = None,
    order_no: str | None = None,
) -> Any:
    """Post the sandbox's notification of a successful payment, as the channel does."""
    moment = signed_at or datetime.now(UTC)
    headers, body = (channel or sandbox(api)).notification(
        notification_id=notification_id or f"EV-{uuid4().hex}",
        order_no=order_no or order["outTradeNo"],
        transaction_id=transaction_id,
        amount_fen=order["amountFen"] if amount_fen is None else amount_fen,
        paid_at=moment,
        timestamp=int(moment.timestamp()),
    )
    return api.client.post(
        "/payments/notify/sandbox",
        content=body,
        headers={**headers, "Content-Type": "application/json"},
    )


def booked(api: Api, unit: str) -> list[Any]:
    api.settle()
    return [entry for entry in statement(api, unit)["entries"] if entry["kind"] == "PAYMENT"]


def test_a_resident_pays_what_is_owed_online_and_sees_it_paid(api: Api) -> None:
    # Given 幸福里 billed for October, and the owner of 101 signed in
    e = billed_estate(api)
    owner = Principal(subject="owner-101", role=Role.RESIDENT, unit_ids=(UUID(e.units["101"]),))
    owed = statement(api, e.units["101"], as_=owner)["balanceFen"]
    assert owed > 0
    # When the owner orders the payment of the unit's fees
    created = create_order(api, e, e.units["101"], owner)
    assert created["__typename"] == "OnlinePaymentOrderPayload", created
    order = created["order"]
    # Then the order is for exactly the balance the statement shows, on the sandbox, for
    # fifteen minutes (shown in Asia/Shanghai time)
    assert (order["amountFen"], order["status"], order["channel"]) == (owed, "CREATED", "SANDBOX")
    created_at = datetime.fromisoformat(order["createdAt"])
    assert created_at.utcoffset() == timedelta(hours=8)
    assert datetime.fromisoformat(order["expiresAt"]) - created_at == timedelta(minutes=15)
    # When the channel notifies the payment
    response = notify(api, order, transaction_id="SBX-4200001")
    # Then it is accepted as WeChat Pay v3 expects (204, no body), the order reads PAID by
    # that payment, and the unit owes nothing
    assert response.status_code == 204, response.text
    api.settle()
    paid = read_order(api, order["id"], as_=owner)
    assert (paid["status"], paid["transactionId"]) == ("PAID", "SBX-4200001")
    assert paid["paymentId"] is not None
    after = statement(api, e.units["101"], as_=owner)
    assert after["balanceFen"] == 0
    assert [(p["amountFen"], p["channel"]) for p in booked(api, e.units["101"])] == [
        (owed, "SANDBOX")
    ]
    # And the unit's orders list it
    listed = api.gql(
        """query($u: ID!) { onlinePaymentOrders(unitId: $u) { __typename
        ... on OnlinePaymentOrderList { orders { id status } } } }""",
        {"u": e.units["101"]},
        as_=owner,
    )["onlinePaymentOrders"]
    assert listed["orders"] == [{"id": order["id"], "status": "PAID"}]


def test_a_resent_notification_books_nothing_twice_and_a_replayed_one_is_refused(
    api: Api,
) -> None:
    # Given an order paid by its first notification
    e = billed_estate(api)
    order = create_order(api, e, e.units["101"], e.staff)["order"]
    assert notify(api, order, transaction_id="SBX-1", notification_id="EV-1").status_code == 204
    # When the channel resends the payment (a new notification, same transaction) twice
    for n in (2, 3):
        resent = notify(api, order, transaction_id="SBX-1", notification_id=f"EV-{n}")
        # Then each is accepted, so the channel stops, and nothing more is booked
        assert resent.status_code == 204, resent.text
    # When someone replays the first notification as it was
    replay = notify(api, order, transaction_id="SBX-1", notification_id="EV-1")
    # Then it is refused, in the channel's convention
    assert replay.status_code == 400
    assert replay.json()["code"] == "REPLAYED"
    assert [p["amountFen"] for p in booked(api, e.units["101"])] == [order["amountFen"]]


def test_forged_stale_unknown_and_wrong_amount_notifications_book_nothing(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="gongzhi.graphql.fees.notify")
    # Given an order not paid yet
    e = billed_estate(api)
    order = create_order(api, e, e.units["201"], e.staff)["order"]
    api.settle()
    before = api.platform.app.recorder.max_notification_id()
    forger = SandboxChannel(b"not-the-platform-key-0123456789abcdef")
    attempts = [
        # signed with another key
        (notify(api, order, transaction_id="F-1", channel=forger), 401, "SIGN_ERROR"),
        # signed an hour ago: a replay of a captured notification
        (
            notify(
                api, order, transaction_id="F-2", signed_at=datetime.now(UTC) - timedelta(hours=1)
            ),
            400,
            "REPLAYED",
        ),
        # for an order that does not exist
        (notify(api, order, transaction_id="F-3", order_no=uuid4().hex), 400, "UNKNOWN_ORDER"),
        # for one fen less than the order
        (
            notify(api, order, transaction_id="F-4", amount_fen=order["amountFen"] - 1),
            400,
            "AMOUNT_DIFFERS",
        ),
    ]
    for response, status, code in attempts:
        assert (response.status_code, response.json()["code"]) == (status, code)
        # and each refusal is logged by its code
        assert f"payment notification refused: SANDBOX {code}" in caplog.text
    # And a body changed after signing fails the signature
    headers, body = sandbox(api).notification(
        notification_id="EV-x",
        order_no=order["outTradeNo"],
        transaction_id="F-5",
        amount_fen=order["amountFen"],
        paid_at=datetime.now(UTC),
        timestamp=int(time.time()),
    )
    tampered = api.client.post(
        "/payments/notify/sandbox", content=body.replace(b"F-5", b"F-6"), headers=headers
    )
    assert tampered.status_code == 401
    # Then nothing at all was recorded, and the order still waits
    assert api.platform.app.recorder.max_notification_id() == before
    assert read_order(api, order["id"])["status"] == "CREATED"
    # And another channel's endpoint does not exist
    assert api.client.post("/payments/notify/wechat", content=b"{}").status_code == 404


def test_a_resident_orders_for_own_units_only_and_a_closed_order_reads_closed(
    api: Api,
) -> None:
    e = billed_estate(api)
    owner = Principal(subject="owner-101", role=Role.RESIDENT, unit_ids=(UUID(e.units["101"]),))
    # A resident ordering for a neighbour's unit is refused
    assert create_order(api, e, e.units["201"], owner)["__typename"] == "Forbidden"
    order = create_order(api, e, e.units["101"], owner)["order"]
    # and may not read the neighbour's orders
    other = Principal(subject="owner-201", role=Role.RESIDENT, unit_ids=(UUID(e.units["201"]),))
    assert read_order(api, order["id"], as_=other)["__typename"] == "Forbidden"
    # Closing the order
    closed = api.gql(
        """mutation($input: ClosePaymentOrderInput!) { closePaymentOrder(input: $input) {
        __typename ... on OnlinePaymentOrderPayload { order { status closedAt } } } }""",
        {"input": {"orderId": order["id"], "reason": "改用现金"}},
        as_=owner,
    )["closePaymentOrder"]
    assert closed["order"]["status"] == "CLOSED"
    assert closed["order"]["closedAt"] is not None


# --- the access matrix (tests/integration/test_access_matrix.py) ---
# ``w`` is that file's World: 幸福里, served by 安居物业, its unit ``w.unit`` the resident's.


def _outcome(result: dict[str, Any]) -> str:
    kind = result["__typename"]
    if kind == "Forbidden":
        return "denied"
    assert kind.startswith("OnlinePaymentOrder"), result
    return "allowed"


def _order_of_the_residents_unit(api: Api, w: Any) -> str:
    """A fresh order of 1 元 for the resident's unit (recorded as is: what the unit owes
    depends on the rows run before)."""
    order = OnlinePaymentOrder.place(
        community_id=UUID(w.xingfu),
        unit_id=UUID(w.unit),
        channel="SANDBOX",
        amount_fen=100,
        now=datetime.now(UTC),
    )
    api.platform.app.record(META, order)
    api.settle()
    return str(order.id)


def _close(api: Api, w: Any, p: Principal) -> str:
    return _outcome(
        api.gql(
            """mutation($input: ClosePaymentOrderInput!) { closePaymentOrder(input: $input) {
            __typename } }""",
            {"input": {"orderId": _order_of_the_residents_unit(api, w), "reason": "关闭"}},
            as_=p,
        )["closePaymentOrder"]
    )


PAYMENT_ORDER_OPERATIONS: dict[str, Any] = {
    "createPaymentOrder for the resident's unit": lambda api, w, p: (
        _billed(api, w)
        and _outcome(
            api.gql(
                """mutation($input: CreatePaymentOrderInput!) {
                createPaymentOrder(input: $input) { __typename } }""",
                {"input": {"communityId": w.xingfu, "unitId": w.unit, "reason": "在线缴费"}},
                as_=p,
            )["createPaymentOrder"]
        )
    ),
    "closePaymentOrder of the resident's unit": _close,
    "placePaymentOrder of the resident's unit": lambda api, w, p: _outcome(
        place_order(api, _order_of_the_residents_unit(api, w), p)
    ),
    "onlinePaymentOrder of the resident's unit": lambda api, w, p: _outcome(
        api.gql(
            "query($id: ID!) { onlinePaymentOrder(id: $id) { __typename } }",
            {"id": _order_of_the_residents_unit(api, w)},
            as_=p,
        )["onlinePaymentOrder"]
    ),
    "onlinePaymentOrders of the resident's unit": lambda api, w, p: _outcome(
        api.gql(
            "query($u: ID!) { onlinePaymentOrders(unitId: $u) { __typename } }",
            {"u": w.unit},
            as_=p,
        )["onlinePaymentOrders"]
    ),
}
# Residents pay for their own units, staff for the units they serve (PAY_FEES_ONLINE); an
# order is read as the unit's statement is.
_PAYERS = dict(
    admin="allowed", regulator="denied", company="allowed", committee="denied", resident="allowed"
)
_STATEMENT_READERS = dict(
    admin="allowed", regulator="allowed", company="allowed", committee="allowed", resident="allowed"
)
PAYMENT_ORDER_EXPECTED: dict[str, dict[str, object]] = {
    "createPaymentOrder for the resident's unit": _PAYERS,
    "closePaymentOrder of the resident's unit": _PAYERS,
    "placePaymentOrder of the resident's unit": _PAYERS,
    "onlinePaymentOrder of the resident's unit": _STATEMENT_READERS,
    "onlinePaymentOrders of the resident's unit": _STATEMENT_READERS,
}


def test_an_order_for_a_unit_that_owes_nothing_is_a_typed_error(api: Api) -> None:
    # Given a unit whose fees are all paid
    e = billed_estate(api)
    order = create_order(api, e, e.units["101"], e.staff)["order"]
    assert notify(api, order, transaction_id="SBX-all").status_code == 204
    api.settle()
    # When another order is asked for it
    again = create_order(api, e, e.units["101"], e.staff)
    # Then the answer says why, on the unit
    assert (again["__typename"], again["field"]) == ("ValidationError", "input.unitId")
    assert "nothing is owed" in again["message"]


def test_a_resident_watching_the_order_sees_it_paid_live(api: Api) -> None:
    # Given the owner's order, and the owner subscribed to it over graphql-transport-ws
    e = billed_estate(api)
    owner = Principal(subject="owner-101", role=Role.RESIDENT, unit_ids=(UUID(e.units["101"]),))
    order = create_order(api, e, e.units["101"], owner)["order"]
    subscription = """subscription($id: ID!) { onlinePaymentOrderUpdates(id: $id) {
        id status transactionId } }"""
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {api.token(owner)}"}}
        )
        assert ws.receive_json() == {"type": "connection_ack"}
        ws.send_json(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": subscription, "variables": {"id": order["id"]}},
            }
        )
        # Then the order arrives as it stands
        first = ws.receive_json()["payload"]["data"]["onlinePaymentOrderUpdates"]
        assert first == {"id": order["id"], "status": "CREATED", "transactionId": None}
        # When the channel notifies its payment, then it arrives paid
        assert notify(api, order, transaction_id="SBX-live").status_code == 204
        second = ws.receive_json()["payload"]["data"]["onlinePaymentOrderUpdates"]
        assert (second["status"], second["transactionId"]) == ("PAID", "SBX-live")
        ws.send_json({"id": "1", "type": "complete"})
    # And a neighbour may not watch it
    neighbour = Principal(subject="n", role=Role.RESIDENT, unit_ids=(UUID(e.units["201"]),))
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json(
            {
                "type": "connection_init",
                "payload": {"authorization": f"Bearer {api.token(neighbour)}"},
            }
        )
        assert ws.receive_json() == {"type": "connection_ack"}
        ws.send_json(
            {
                "id": "2",
                "type": "subscribe",
                "payload": {"query": subscription, "variables": {"id": order["id"]}},
            }
        )
        refused = ws.receive_json()["payload"]
        assert refused["data"] is None
        assert "no payment order" in refused["errors"][0]["message"]


def test_the_order_history_names_the_channel_and_a_late_payment_is_still_booked(
    api: Api,
) -> None:
    # Given an order placed 20 minutes ago for what unit 401 owes: it reads EXPIRED
    e = billed_estate(api)
    app = api.platform.app
    owed = app.owed_fen(UUID(e.community), UUID(e.units["401"]), business_today())
    late = OnlinePaymentOrder.place(
        community_id=UUID(e.community),
        unit_id=UUID(e.units["401"]),
        channel="SANDBOX",
        amount_fen=owed,
        now=datetime.now(UTC) - timedelta(minutes=20),
    )
    app.record(META, late)
    api.settle()
    order = read_order(api, str(late.id))
    assert order["status"] == "EXPIRED"
    # When the channel notifies a payment of it all the same (it took the money)
    assert notify(api, order, transaction_id="SBX-late").status_code == 204
    api.settle()
    # Then the money is booked and the order reads PAID: refusing would leave it unbooked
    assert read_order(api, str(late.id))["status"] == "PAID"
    assert statement(api, e.units["401"])["balanceFen"] == 0
    # And the order's history says the channel did it, and on which notification
    entries = api.gql(
        """query($id: ID!) { history(id: $id) { ... on HistoryConnection {
        entries { eventType actor actorRole reason } } } }""",
        {"id": str(late.id)},
    )["history"]["entries"]
    paid = entries[-1]
    assert (paid["eventType"], paid["actor"], paid["actorRole"]) == (
        "Paid",
        "channel:SANDBOX",
        "PAYMENT_CHANNEL",
    )
    assert paid["reason"].startswith("支付通知 EV-")


def test_two_notifications_of_one_payment_at_the_same_time_book_it_once(api: Api) -> None:
    # Given an order, and two deliveries of its payment arriving together
    e = billed_estate(api)
    order = create_order(api, e, e.units["101"], e.staff)["order"]
    notices = [
        Notice(
            notification_id=f"EV-{n}",
            order_no=order["outTradeNo"],
            transaction_id="SBX-race",
            amount_fen=order["amountFen"],
            paid_at=datetime.now(UTC),
        )
        for n in (1, 2)
    ]
    both = threading.Barrier(2)

    def deliver(notice: Notice) -> UUID:
        both.wait()
        return api.platform.app.settle_notice(PaymentChannel.SANDBOX, notice)

    # When both are settled at once
    with ThreadPoolExecutor(2) as pool:
        payments = list(pool.map(deliver, notices))
    # Then they name one payment, booked once, and the order is paid
    assert payments[0] == payments[1]
    assert [p["amountFen"] for p in booked(api, e.units["101"])] == [order["amountFen"]]
    assert read_order(api, order["id"])["status"] == "PAID"


def test_chosen_bills_are_the_oldest_open_ones_and_the_payment_settles_exactly_them(
    api: Api,
) -> None:
    # Given 101 billed for October and November
    e = billed_estate(api)
    api.platform.app.run_billing(META, RunBilling(UUID(e.community), "2026-11"))
    api.settle()
    october, november = statement(api, e.units["101"])["bills"]
    assert (october["period"], november["period"]) == ("2026-10", "2026-11")

    def order_for(bills: list[str]) -> Any:
        return api.gql(
            f"""mutation($input: CreatePaymentOrderInput!) {{ createPaymentOrder(input: $input) {{
            __typename ... on OnlinePaymentOrderPayload {{ order {{ {ORDER_FIELDS} }} }}
            {PROBLEMS} }} }}""",
            {
                "input": {
                    "communityId": e.community,
                    "unitId": e.units["101"],
                    "billIds": bills,
                    "reason": "在线缴费",
                }
            },
            as_=e.staff,
        )["createPaymentOrder"]

    # When November alone is chosen, it is refused: a payment pays October first
    skipped = order_for([november["id"]])
    assert (skipped["__typename"], skipped["field"]) == ("ValidationError", "input.billIds")
    # When October is chosen, the order is for its outstanding amount (late fees come after
    # all bills under these terms, so they are not part of it)
    order = order_for([october["id"]])["order"]
    assert order["amountFen"] == october["outstandingFen"]
    # And once paid, October is settled and November is still owed in full
    assert notify(api, order, transaction_id="SBX-oct").status_code == 204
    api.settle()
    after = {b["period"]: b for b in statement(api, e.units["101"])["bills"]}
    assert after["2026-10"]["outstandingFen"] == 0
    assert after["2026-11"]["outstandingFen"] == november["outstandingFen"]


def test_an_order_is_placed_at_the_sandbox_as_it_is_created_and_not_once_paid(api: Api) -> None:
    # Given an order created for what a unit owes
    e = billed_estate(api)
    order = create_order(api, e, e.units["101"], e.staff)["order"]
    # Then it is placed at once: its payUrl is the sandbox's cashier for the order
    assert order["payUrl"].endswith(f"/sandbox/pay/{order['outTradeNo']}")
    history = api.platform.app.repository.get(UUID(order["id"]))
    assert history.pay_url == order["payUrl"]
    # When it is placed again: the same answer, nothing new recorded
    again = place_order(api, order["id"], e.staff)
    assert again["order"]["payUrl"] == order["payUrl"]
    assert api.platform.app.repository.get(UUID(order["id"])).version == history.version
    # When it is paid, placing it again is refused in plain words
    assert notify(api, order, transaction_id="SBX-placed").status_code == 204
    api.settle()
    refused = place_order(api, order["id"], e.staff)
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "input.orderId")
    assert "paid already" in refused["message"]


def test_an_order_is_placed_even_while_the_views_are_behind(api: Api) -> None:
    # Given a unit that owes, and the orders' view held back: a transaction of the test
    # holds its table, so the projector cannot write the new order's row
    e = billed_estate(api)
    with api.platform.engine.connect() as holding:
        holding.exec_driver_sql("LOCK TABLE payment_orders IN ACCESS EXCLUSIVE MODE")
        # When the order is created
        answer = api.gql(
            """mutation($input: CreatePaymentOrderInput!) { createPaymentOrder(input: $input) {
                __typename ... on Recorded { id } } }""",
            {"input": {"communityId": e.community, "unitId": e.units["101"], "reason": "缴费"}},
            as_=e.staff,
        )["createPaymentOrder"]
        holding.rollback()
    # Then the answer says it is recorded (the views could not show it in time) ...
    assert answer["__typename"] == "Recorded", answer
    # ... and the order was placed at the channel all the same: the payer has its pay_url
    # without asking again (the placing waits for no view, only the answer does)
    order = api.platform.app.repository.get(UUID(answer["id"]))
    assert isinstance(order, OnlinePaymentOrder) and order.pay_url, order
    api.settle()
    assert read_order(api, answer["id"])["payUrl"] == order.pay_url
