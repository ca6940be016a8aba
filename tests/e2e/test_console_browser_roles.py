"""The console's company (物业) and resident (H5) journeys in a real browser, against the real
platform (``serve``, ``project``, ``work`` as processes), offline: data through the API over
HTTP, a bill paid through the sandbox channel's cashier page (the platform's own, which
delivers the sandbox's signed notification).
The browser helpers and the server fixture are test_console_browser.py's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import openpyxl
import pytest

from gongzhi.application.base import business_today
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.settings import Settings
from tests.e2e.console_world import committee_world, mutate
from tests.e2e.test_console_browser import ARTIFACTS, browser, needs_chromium, served
from tests.e2e.test_platform import graphql
from tests.e2e.test_shipped import DISPATCH, REPORT

__all__ = ["served"]  # the fixture, used by name

PHONE = {"width": 375, "height": 812}
RESIDENT = "刘小红"
DECISION = "关于修订管理规约的表决"
NOTICE = "12月10日停水通知"
LATE_NOTICE = "便民服务活动通知"


def resident_world(base: str, admin: str) -> dict[str, Any]:
    """The committee's community, billed for last month, with an owner of its first unit, a
    vote open now and a notice to everyone."""
    world = committee_world(base, admin)
    community, unit = world.community, world.units[0]
    today = business_today()
    owner = graphql(
        base,
        admin,
        """mutation($n: String!) { registerPerson(input: {name: $n, reason: "业主登记"}) {
        ... on PersonPayload { person { id } } } }""",
        {"n": RESIDENT},
    )["registerPerson"]["person"]["id"]
    mutate(
        base,
        admin,
        "recordOwnership",
        "RecordOwnershipInput",
        {
            "communityId": community,
            "unitId": unit,
            "owners": [{"personId": owner, "share": "1"}],
            "on": "2024-01-01",
            "reason": "不动产登记",
        },
    )
    mutate(
        base,
        admin,
        "setFeeStandard",
        "SetFeeStandardInput",
        {
            "communityId": community,
            "propertyType": "RESIDENTIAL",
            "unitPrice": "1.65",
            "pricing": "LUMP_SUM",
            "effectiveFrom": "2024-01-01",
            "reason": "物业服务合同约定",
        },
    )
    period = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    mutate(
        base,
        admin,
        "runBilling",
        "RunBillingInput",
        {"communityId": community, "period": period, "reason": "月度计费"},
    )
    now = datetime.now(UTC)
    mutate(
        base,
        admin,
        "proposeDecision",
        "ProposeDecisionInput",
        {
            "communityId": community,
            "scope": "COMMUNITY",
            "matter": "MANAGEMENT_RULES",
            "title": DECISION,
            "opensAt": (now - timedelta(minutes=5)).isoformat(),
            "closesAt": (now + timedelta(days=7)).isoformat(),
            "reason": "业委会提议",
        },
    )
    mutate(
        base,
        admin,
        "publishNotice",
        "PublishNoticeInput",
        {
            "communityId": community,
            "audience": "COMMUNITY",
            "title": NOTICE,
            "body": "因管网检修，12月10日9时至17时停水，请提前储水。",
            "reason": "检修通知",
        },
    )
    return {
        "community": community,
        "company": world.company,
        "unit": unit,
        "owner": owner,
        "period": period,
    }


def company_token(secret: str, world: dict[str, Any]) -> str:
    return issue_token(
        secret,
        Principal(
            subject="wy-1",
            role=Role.COMPANY_STAFF,
            name="赵经理",
            company_id=UUID(world["company"]),
            community_id=UUID(world["community"]),
        ),
    )


def resident_token(secret: str, world: dict[str, Any]) -> str:
    return issue_token(
        secret,
        Principal(
            subject=f"yz-{world['owner'][:8]}",
            role=Role.RESIDENT,
            name=RESIDENT,
            community_id=UUID(world["community"]),
            unit_ids=(UUID(world["unit"]),),
            person_id=UUID(world["owner"]),
        ),
    )


def fits_the_phone(r: Any) -> None:
    """Nothing of the page is wider than the phone: no sideways scrolling of the page."""
    assert r.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


EMERGENCY = """mutation($c: ID!) { reportWorkOrder(input: {communityId: $c, category: ELEVATOR,
    urgency: EMERGENCY, description: "2栋电梯困人", place: {kind: COMMON_AREA, areaName: "2栋电梯"},
    reason: "住户来电"}) { __typename ... on WorkOrderPayload { workOrder { id } } } }"""

CLOCK_MOVED = """(before) => {
  const clock = document.querySelector('[data-testid="work-order-board"] .sla-clock[data-deadline]')
  return clock !== null && clock.textContent !== before
}"""


@pytest.mark.slow
@needs_chromium
def test_company_staff_watch_the_board_live_and_chase_arrears_and_a_resident_pays_and_votes(
    served: str, settings: Settings
) -> None:
    admin = issue_token(settings.jwt_secret, Principal(subject="admin", role=Role.PLATFORM_ADMIN))
    world = resident_world(served, admin)

    # ---- 物业: the work-order board, live -----------------------------------------------
    with browser(served, "company") as b:
        b.sign_in(company_token(settings.jwt_secret, world))
        b.page.get_by_text("赵经理（物业服务企业）").wait_for()
        b.page.locator("main h1", has_text="工单看板").wait_for()
        board = b.page.locator('[data-testid="work-order-board"]')
        b.page.wait_for_selector('.live[data-live="listening"]', timeout=30_000)
        b.page.evaluate("window.__same_page = true")
        # When an order is reported over the API, it appears with its 分转 clock running
        reported = graphql(served, admin, REPORT, {"c": world["community"]})["reportWorkOrder"]
        assert reported["__typename"] == "WorkOrderPayload", reported
        row = board.locator("tbody tr", has_text="3栋楼道水管漏水")
        row.locator(".status", has_text="已报修").wait_for()
        clock = row.locator(".sla-clock")
        assert re.fullmatch(r"分转 还剩 2[34] 小时 \d\d 分 \d\d 秒", clock.inner_text())
        # And the clock moves by itself (a DOM wait, not a sleep)
        b.page.wait_for_function(CLOCK_MOVED, arg=clock.inner_text(), timeout=5_000)
        # When it is dispatched over the API, the row turns to 已派单 and the 回应 clock runs
        order = reported["workOrder"]["id"]
        dispatched = graphql(served, admin, DISPATCH, {"w": order})["dispatchWorkOrder"]
        assert dispatched["__typename"] == "WorkOrderPayload", dispatched
        row.locator(".status", has_text="已派单").wait_for()
        assert row.locator(".sla-clock").inner_text().startswith("回应 还剩")
        assert "维修一班 · 张师傅" in row.inner_text()
        assert b.page.evaluate("window.__same_page") is True  # no reload happened
        figures = b.page.locator('[data-testid="board-figures"] .figure', has_text="待处理")
        assert figures.locator(".figure-value").inner_text() == "1"
        # An emergency reported later goes to the top: its 2-hour clock ends first
        urgent = graphql(served, admin, EMERGENCY, {"c": world["community"]})["reportWorkOrder"]
        assert urgent["__typename"] == "WorkOrderPayload", urgent
        first = board.locator("tbody tr").first
        first.locator(".status", has_text="已报修").wait_for()
        assert "电梯困人" in first.inner_text()
        assert re.match(r"分转 还剩 [12] 小时", first.locator(".sla-clock").inner_text())
        figures.locator(".figure-value", has_text="2").wait_for()
        # When the staff open the dispatched order and record the response on the board
        row.click()
        b.page.fill("#order-panel input[name=note]", "师傅已到现场查看")
        b.page.click("#order-panel form.order-step button[type=submit]")
        row.locator(".status", has_text="已响应").wait_for()
        b.page.locator("#order-panel .timeline li", has_text="师傅已到现场查看").wait_for()
        b.no_error_shown()
        b.shot("work-order-board")
        # 欠费催缴: the billed unit owes; a round of reminders goes out
        b.menu("欠费催缴")
        owing = b.page.locator('[data-testid="arrears"] tbody tr', has_text="9栋-1单元-101")
        owing.wait_for()
        assert re.search(r"\d[\d,]*\.\d\d 元", owing.inner_text())
        # (the list exports through the API: the unit is in the spreadsheet)
        with b.page.expect_download() as downloading:
            b.page.click('[data-testid="arrears"] button.export[data-format=XLSX]')
        saved = ARTIFACTS / f"arrears-{uuid4().hex[:6]}.xlsx"
        downloading.value.save_as(saved)
        sheet = openpyxl.load_workbook(saved, read_only=True).active
        assert any("101" in str(c) for row in sheet.iter_rows(values_only=True) for c in row)
        b.page.click("form.remind button[type=submit]")
        b.page.locator(".outcome", has_text="本次发出").wait_for()
        b.page.locator('[data-testid="reminders"] tbody tr', has_text="9栋-1单元-101").wait_for()
        # (the round's reminders export through the API too: CSV, the unit in it)
        with b.page.expect_download() as downloading:
            b.page.click('[data-testid="reminders"] button.export[data-format=CSV]')
        saved = ARTIFACTS / f"reminders-{uuid4().hex[:6]}.csv"
        downloading.value.save_as(saved)
        assert "9栋-1单元-101" in saved.read_text(encoding="utf-8-sig")
        b.no_error_shown()
        b.shot("arrears-reminders")
        # 计费 and 巡检到期 open without an error
        b.menu("计费")
        b.page.locator('[data-testid="period-bills"] tbody tr', has_text="9栋").first.wait_for()
        b.page.click("form.inline button[type=submit]")  # run again: nothing new, all billed
        b.page.locator('[data-testid="billing-run"] .figure', has_text="2/2 户").wait_for()
        b.page.locator('[data-testid="period-bills"] tbody tr', has_text="9栋").first.wait_for()
        b.no_error_shown()
        b.shot("billing")
        b.menu("巡检到期")
        b.page.wait_for_selector('[data-testid="inspections-due"] tbody tr td:not(.loading)')
        b.no_error_shown()
        b.shot("inspections-due")

    # ---- 业主 (H5): a bill paid online, a ballot, a notice read ---------------------------
    with browser(served, "resident") as r:
        r.context.close()  # the phone: 375 px wide, touch
        r.context = r.browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN"
        )
        r.context.route("**/*", r._only_loopback)
        r.page = r.context.new_page()
        r.page.on("pageerror", lambda error: r.errors.append(str(error)))
        r.sign_in(resident_token(settings.jwt_secret, world))
        r.page.get_by_text(f"{RESIDENT}（业主/住户）").wait_for()
        r.page.locator(".unit-card h2", has_text="9栋-1单元-101").wait_for()
        r.page.locator(".unit-card .figure", has_text="应缴").wait_for()
        fits_the_phone(r)
        r.shot("home")
        # 账单缴费: last month's bill, then an order through the sandbox channel
        r.menu("账单缴费")
        bill = r.page.locator('[data-testid="bills"] .bill.open', has_text=world["period"])
        bill.wait_for()
        r.page.click("button.pay")
        card = r.page.locator('[data-testid="payment-order"][data-live="listening"]')
        card.wait_for(timeout=30_000)
        assert card.locator(".order-status").inner_text() == "待支付"
        r.shot("payment-order")
        orders = graphql(
            served,
            admin,
            """query($u: ID!) { onlinePaymentOrders(unitId: $u) { ... on OnlinePaymentOrderList {
            orders { outTradeNo amountFen status } } } }""",
            {"u": world["unit"]},
        )["onlinePaymentOrders"]["orders"]
        created = next(o for o in orders if o["status"] == "CREATED")
        shown = f"{created['amountFen'] // 100:,}.{created['amountFen'] % 100:02d}"
        assert f"{shown} 元" in card.locator(".amount").inner_text()
        # When the resident follows the order to the sandbox's cashier (the channel's page)
        card.locator('[data-testid="how-to-pay"] a.pay-link').click()
        confirm = r.page.get_by_role("button", name="确认支付")
        confirm.wait_for()
        assert r.page.url.startswith(f"{served}/sandbox/pay/{created['outTradeNo']}")
        assert shown.replace(",", "") in r.page.locator(".amount").inner_text()
        fits_the_phone(r)
        r.shot("sandbox-cashier")
        # and confirms there: the sandbox's signed notification goes to the platform, which
        # books it; back in the console the order reads 已支付 (nothing posted by this test)
        confirm.click()
        r.page.locator('.order-status[data-status="PAID"]', has_text="已支付").wait_for()
        assert r.page.url.startswith(f"{served}/console/resident/bills")
        r.page.locator('[data-testid="bills"] .bill.paid', has_text=world["period"]).wait_for()
        r.page.locator("button.pay", has_text="无需缴费").wait_for()
        # The cashier of a paid order says so instead of taking the money twice
        cashier = httpx.get(f"{served}/sandbox/pay/{created['outTradeNo']}")
        assert "订单已支付" in cashier.text and "确认支付" not in cashier.text
        r.no_error_shown()
        fits_the_phone(r)
        r.shot("paid")
        # 投票: the open vote, a ballot cast
        r.menu("投票")
        vote = r.page.locator(".card.vote", has_text=DECISION)
        vote.locator('button.choice[data-option="APPROVE"]').click()
        vote.locator(".my-ballot", has_text="我的选票：同意").wait_for()
        vote.locator(".hint", has_text="已投 1 票").wait_for()
        r.no_error_shown()
        # (after a reload the ballot shows from the API: myBallot)
        r.page.reload()
        r.page.locator(".card.vote", has_text=DECISION).locator(
            ".my-ballot", has_text="我的选票：同意"
        ).wait_for()
        fits_the_phone(r)
        r.shot("ballot")
        # 通知: the water notice and the arrears reminder; one marked read, and it stays read
        r.menu("通知")
        r.page.wait_for_selector('[data-testid="notices"][data-live="listening"]', timeout=30_000)
        # A notice published meanwhile arrives at the top without a reload
        mutate(
            served,
            admin,
            "publishNotice",
            "PublishNoticeInput",
            {
                "communityId": world["community"],
                "audience": "COMMUNITY",
                "title": LATE_NOTICE,
                "body": "本周六上午在中心花园举办便民服务活动。",
                "reason": "活动通知",
            },
        )
        r.page.locator(".card.notice").first.filter(has_text=LATE_NOTICE).wait_for()
        notice = r.page.locator(".card.notice", has_text=NOTICE)
        assert notice.locator(".read-state").inner_text() == "未读"
        assert r.page.locator(".card.notice", has_text="催缴通知").count() >= 1
        notice.locator("button.mark-read").click()
        notice.locator(".read-state", has_text="已读").wait_for()
        r.no_error_shown()
        r.page.reload()
        r.page.locator(".card.notice", has_text=NOTICE).locator(
            ".read-state", has_text="已读"
        ).wait_for()
        fits_the_phone(r)
        r.shot("notices")
        # 我的报修 and 积分 open; a repair reported from the phone appears in the list
        r.menu("我的报修")
        r.page.wait_for_selector('.live[data-live="listening"]', timeout=30_000)
        # A common area without its name is refused as the API says it, in Chinese
        r.page.select_option("form.report select[name=where]", "COMMON_AREA")
        r.page.fill("textarea[name=description]", "楼道灯不亮")
        r.page.click("form.report button[type=submit]")
        refused = r.page.locator("form.report .error")
        refused.wait_for()
        assert refused.locator(".error-heading").inner_text() == "输入有误"
        assert "{" not in refused.inner_text()
        assert r.page.get_attribute("input[name=areaName]", "aria-invalid") == "true"
        r.shot("repair-refused")
        r.page.select_option("form.report select[name=where]", "UNIT")
        r.page.fill("textarea[name=description]", "卫生间地漏堵塞")
        r.page.click("form.report button[type=submit]")
        r.page.locator("form.report .outcome").wait_for()
        mine = r.page.locator('[data-testid="my-repairs"] tbody tr', has_text="卫生间地漏堵塞")
        mine.wait_for()
        mine.click()
        r.page.locator('[data-testid="repair-timeline"] li', has_text="报修").wait_for()
        # The company takes it through to resolved (over the API): the timeline follows live
        repair = next(
            edge["node"]["id"]
            for edge in graphql(
                served,
                admin,
                """query($c: ID!) { workOrders(communityId: $c) { ... on WorkOrderConnection {
                edges { node { id description } } } } }""",
                {"c": world["community"]},
            )["workOrders"]["edges"]
            if edge["node"]["description"] == "卫生间地漏堵塞"
        )
        for step, extra in (
            ("dispatchWorkOrder", {"team": "维修二班", "assignee": "李师傅"}),
            ("respondToWorkOrder", {"note": "已电话联系业主"}),
            ("resolveWorkOrder", {"note": "地漏已疏通"}),
        ):
            mutate(
                served,
                admin,
                step,
                "DispatchWorkOrderInput" if step == "dispatchWorkOrder" else "WorkOrderNoteInput",
                {"workOrderId": repair, **extra, "reason": "处理报修"},
            )
        timeline = r.page.locator('[data-testid="repair-timeline"]')
        timeline.locator("li", has_text="地漏已疏通").wait_for()
        assert "维修二班 · 李师傅" in timeline.inner_text()
        # And the resident rates it from the phone
        r.page.select_option("form.rate select[name=rating]", "4")
        r.page.click("form.rate button[type=submit]")
        timeline.locator("li", has_text="4 星").wait_for()
        fits_the_phone(r)
        r.shot("repairs")
        r.menu("积分")
        r.page.locator('[data-testid="points"] tbody tr td:not(.loading)').first.wait_for()
        r.no_error_shown()
        fits_the_phone(r)
        r.shot("points")

    # ---- 物业: the online payment's receipt --------------------------------------------
    with browser(served, "company") as b:
        b.sign_in(company_token(settings.jwt_secret, world))
        b.menu("收款与收据")
        payment = (
            b.page.locator('[data-testid="payments"] tbody tr')
            .filter(has=b.page.locator("td:nth-child(3)", has_text=re.compile("^缴费$")))
            .first
        )
        payment.wait_for()
        payment.click()
        number = b.page.locator("#receipt .receipt-number")
        number.wait_for()
        assert number.inner_text() not in {"", "—"}
        with b.page.expect_download() as downloading:
            b.page.click("#receipt button.print")
        saved = ARTIFACTS / f"receipt-{uuid4().hex[:6]}.pdf"
        downloading.value.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")
        b.no_error_shown()
        b.shot("receipt")
