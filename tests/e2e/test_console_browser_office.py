"""The property office's 抄表 and 对账 pages in a real browser, against the real platform
(``serve``, ``project``, ``work`` as processes), offline: a readings XLSX made here uploaded,
its outlier reviewed and corrected with a reason; the sandbox's statement of the day
uploaded, its differences shown, the payment missing in the platform booked. The browser
helpers and the server fixture are test_console_browser.py's; the data goes in over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import openpyxl
import pytest

from gongzhi.application.base import business_today
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.payment_channels import SandboxChannel, read_key
from gongzhi.infra.settings import Settings
from gongzhi.infra.statements import Transaction
from tests.e2e.console_world import mutate
from tests.e2e.test_console_browser import browser, needs_chromium, served
from tests.e2e.test_online_payment import sandbox_pays
from tests.e2e.test_platform import graphql
from tests.e2e.test_shipped import served_community

__all__ = ["served"]  # the fixture, used by name

ORDER = """mutation($c: ID!, $u: ID!) { createPaymentOrder(input: {communityId: $c, unitId: $u,
    reason: "在线缴费"}) { __typename ... on OnlinePaymentOrderPayload {
    order { outTradeNo amountFen } } } }"""


def month(offset: int) -> str:
    """The month ``offset`` months from this one (Asia/Shanghai): -1 is last month."""
    first = business_today().replace(day=1)
    index = first.year * 12 + first.month - 1 + offset
    return f"{index // 12}-{index % 12 + 1:02d}"


@dataclass
class Office:
    """幸福里, served by 安居物业: units 101 and 102 billed last month, each with a water meter,
    a common water meter for both; three months read before this one (101: 10 吨 a month,
    102: 5, the common meter 30); 101's bill paid online, 102's order placed and paid at the
    channel but never notified."""

    community: str
    company: str
    units: dict[str, str]
    paid: Transaction  # 101's, booked
    unnotified: Transaction  # 102's, not booked

    def staff_token(self, secret: str) -> str:
        return issue_token(
            secret,
            Principal(
                subject="wy-office",
                role=Role.COMPANY_STAFF,
                name="钱会计",
                company_id=UUID(self.company),
                community_id=UUID(self.community),
            ),
        )


def record(base: str, admin: str, name: str, fields: dict[str, Any], reason: str) -> None:
    mutate(base, admin, name, f"{name[0].upper()}{name[1:]}Input", {**fields, "reason": reason})


def office(base: str, admin: str, settings: Settings) -> Office:
    community, company = served_community(base, admin)
    entrance = graphql(
        base,
        admin,
        """mutation($id: ID!) { addBuilding(input: {communityId: $id, number: "9栋", floors: 6,
        hasElevator: false, entranceNumbers: ["1单元"], reason: "测绘入册"}) {
        ... on CommunityPayload { community { buildings { entrances { id } } } } } }""",
        {"id": community},
    )["addBuilding"]["community"]["buildings"][0]["entrances"][0]["id"]
    units = {}
    for number in ("101", "102"):
        units[number] = graphql(
            base,
            admin,
            """mutation($c: ID!, $e: ID!, $n: String!) { addUnit(input: {communityId: $c,
            entranceId: $e, number: $n, floor: 1, area: "80.00", areaSource: REGISTER,
            reason: "不动产登记"}) { ... on CommunityPayload { partId } } }""",
            {"c": community, "e": entrance, "n": number},
        )["addUnit"]["partId"]
    on = {"communityId": community}
    standard = {"propertyType": "RESIDENTIAL", "unitPrice": "1.65", "pricing": "LUMP_SUM"}
    standard["effectiveFrom"] = "2024-01-01"
    record(base, admin, "setFeeStandard", {**on, **standard}, "物业服务合同约定")
    record(base, admin, "runBilling", {**on, "period": month(-1)}, "月度计费")
    # The meters, read for the three months before this one
    for number, unit in (("W-101", units["101"]), ("W-102", units["102"]), ("C-1", None)):
        meter = {**on, "kind": "WATER", "number": number, "installedIn": month(-3)}
        record(base, admin, "installMeter", {**meter, "unitId": unit}, "装表")
    tiers = [{"price": "3.45"}]
    record(base, admin, "setMeterPrice", {**on, "kind": "WATER", "tiers": tiers}, "水价")
    for step, period in enumerate((month(-3), month(-2), month(-1)), start=1):
        record(base, admin, "openReadingRound", {**on, "period": period}, "月度抄表")
        rows = [("W-101", 10 * step), ("W-102", 5 * step), ("C-1", 30 * step)]
        content = "表号,读数,抄表时间\n" + "".join(f"{n},{r},{period}-28 09:00\n" for n, r in rows)
        imported = {**on, "period": period, "format": "CSV", "content": content}
        record(base, admin, "importReadings", imported, "抄表导入")
    # 101 pays online (notified, booked); 102's order is paid at the channel, never notified
    orders = {}
    for number, unit in units.items():
        answer = graphql(base, admin, ORDER, {"c": community, "u": unit})["createPaymentOrder"]
        assert answer["__typename"] == "OnlinePaymentOrderPayload", answer
        orders[number] = answer["order"]
    now = datetime.now(UTC)
    paid = Transaction(
        "SBX-console-1", orders["101"]["outTradeNo"], orders["101"]["amountFen"], now
    )
    sandbox_pays(base, settings, orders["101"], paid.transaction_id)
    unnotified = Transaction(
        "SBX-office-102", orders["102"]["outTradeNo"], orders["102"]["amountFen"], now
    )
    return Office(community, company, units, paid, unnotified)


def readings_file(folder: Path) -> Path:
    """This month's readings as the meter readers' sheet: 101 read at seven times its usual."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["表号", "读数", "抄表时间"])
    for number, reading in (("W-101", 100), ("W-102", 20), ("C-1", 180)):
        sheet.append([number, reading, f"{month(0)}-28 09:00"])
    path = folder / "readings.xlsx"
    book.save(path)
    return path


def figure_value(b: object, testid: str, name: str) -> str:
    page = b.page  # type: ignore[attr-defined]
    found = page.locator(f'[data-testid="{testid}"] .figure', has_text=name)
    return str(found.locator(".figure-value").inner_text())


@pytest.mark.slow
@needs_chromium
def test_the_office_reviews_a_reading_round_and_reconciles_a_days_statement(
    served: str, settings: Settings, tmp_path: Path
) -> None:
    admin = issue_token(settings.jwt_secret, Principal(subject="admin", role=Role.PLATFORM_ADMIN))
    world = office(served, admin, settings)
    this_month = month(0)
    with browser(served, "office") as b:
        b.sign_in(world.staff_token(settings.jwt_secret))
        # ---- 抄表: a round opened, the readers' sheet uploaded ---------------------------
        b.menu("抄表")
        b.page.locator('[data-testid="meter-figures"] .figure', has_text=month(-1)).wait_for()
        meters = b.page.locator('[data-testid="meters"] tbody tr', has_text="W-101")
        meters.wait_for()
        assert "9栋-1单元-101" in meters.inner_text() and "30" in meters.inner_text()
        assert b.page.input_value("form.open-round input[name=period]") == this_month
        b.page.click("form.open-round button[type=submit]")
        opened = b.page.locator('[data-testid="meter-figures"] .figure', has_text=this_month)
        opened.filter(has_text="抄表中").wait_for()
        b.page.set_input_files("form.import-readings input[type=file]", readings_file(tmp_path))
        b.page.click("form.import-readings button[type=submit]")
        # (the outcome, or the refusal: shown by no_error_shown if it is one)
        b.page.locator('[data-testid="import-outcome"] .figures, main .error').first.wait_for()
        b.no_error_shown()
        assert figure_value(b, "import-outcome", "文件行数") == "3"
        assert figure_value(b, "import-outcome", "新录入") == "3"
        assert figure_value(b, "import-outcome", "异常待复核") == "1"
        b.no_error_shown()
        b.shot("readings-imported")
        # The flagged reading is listed for review; the 公摊 follows the readings
        b.page.click("button.reload")
        flagged = b.page.locator('[data-testid="flagged-readings"] tbody tr')
        flagged.filter(has_text="W-101").wait_for()
        assert flagged.count() == 1 and "异常" in flagged.inner_text()
        sharing = b.page.locator('[data-testid="sharing"] tbody tr', has_text="C-1")
        sharing.wait_for()
        # 90 吨 less the units' 70 + 5: 15 吨 × 3.45 = 51.75 元
        assert "15 吨" in sharing.inner_text() and "51.75 元" in sharing.inner_text()
        # A correction lower than the meter's last reading is refused next to the field
        flagged.first.click()
        form = b.page.locator("#reading-panel form.reading-form")
        form.locator("input[name=reading]").fill("5")
        form.locator("input[name=reason]").fill("复核表盘")
        form.locator("button[type=submit]").click()
        refused = form.locator(".field-problem")
        refused.wait_for()
        assert refused.locator(".error-heading").inner_text() == "输入有误"
        assert f"读数 5 低于表 W-101 的上次读数 30（{month(-1)}）" in refused.inner_text()
        assert form.locator("input[name=reading]").get_attribute("aria-invalid") == "true"
        b.shot("reading-refused")
        # When it is corrected to what the dial shows, with the reason
        form.locator("input[name=reading]").fill("40")
        form.locator("input[name=reason]").fill("复核表盘，抄表员多记一位")
        form.locator("button[type=submit]").click()
        b.page.locator('[data-testid="flagged-readings"] td.empty').wait_for()
        corrected = b.page.locator('[data-testid="readings"] tbody tr', has_text="W-101")
        corrected.filter(has_text="已更正").wait_for()
        assert "由 100 更正为 40" in corrected.inner_text()
        # Then the 公摊 is the common meter's 90 吨 less 10 + 5: 75 吨 × 3.45 = 258.75 元
        sharing.filter(has_text="258.75 元").wait_for()
        assert "75 吨" in sharing.inner_text()
        assert figure_value(b, "meter-figures", "待复核") == "0"
        b.no_error_shown()
        b.shot("reading-corrected")

        # ---- 对账: the sandbox's statement of the day ------------------------------------
        # 101's payment for 1 元 more than booked; 102's, which the platform never heard of
        assert settings.payment_key_file is not None
        channel = SandboxChannel(read_key(settings.payment_key_file))
        differing = Transaction(
            world.paid.transaction_id,
            world.paid.order_no,
            world.paid.amount_fen + 100,
            world.paid.paid_at + timedelta(seconds=1),
        )
        statement = tmp_path / "statement.xlsx"
        statement.write_bytes(
            channel.statement(business_today(), [differing, world.unnotified], "XLSX")
        )
        b.menu("对账")
        b.page.select_option("form.import-statement select[name=channel]", "SANDBOX")
        b.page.set_input_files("form.import-statement input[type=file]", statement)
        b.page.click("form.import-statement button[type=submit]")
        items = b.page.locator('[data-testid="reconciliation-items"] tbody tr')
        missing = items.filter(has_text="SBX-office-102")
        missing.filter(has_text="渠道有、平台无").wait_for()
        assert "待处理" in missing.inner_text() and "9栋-1单元-102" in missing.inner_text()
        differs = items.filter(has_text="SBX-console-1")
        assert "金额不符" in differs.inner_text()
        assert figure_value(b, "reconciliation-figures", "金额不符") == "1"
        assert figure_value(b, "reconciliation-figures", "渠道有、平台无") == "1"
        assert figure_value(b, "reconciliation-figures", "待处理") == "2"
        totals = b.page.locator('[data-testid="reconciliation-totals"] tbody tr')
        owed_102 = world.unnotified.amount_fen
        assert f"{owed_102 // 100:,}.{owed_102 % 100:02d} 元" in (
            totals.filter(has_text="渠道有、平台无").inner_text()
        )
        b.no_error_shown()
        b.shot("statement-reconciled")
        # When the missing payment is booked, with the reason
        missing.click()
        resolve = b.page.locator("#item-panel form.resolve-item")
        assert resolve.locator("select[name=action]").input_value() == "BOOK_PAYMENT"
        resolve.locator("input[name=reason]").fill("渠道回调丢失，按对账单补记")
        resolve.locator("button[type=submit]").click()
        # Then the item reads resolved, one difference is left, and the day is listed
        missing.filter(has_text="已补账").wait_for()
        b.page.locator("#item-panel .outcome", has_text="已处理：补账").wait_for()
        assert "待处理" in differs.inner_text()
        assert figure_value(b, "reconciliation-figures", "待处理") == "1"
        past = b.page.locator('[data-testid="reconciliations"] tbody tr')
        past.locator("td:nth-child(6)", has_text="1").wait_for()  # (it was 2)
        assert past.count() == 1 and "沙箱" in past.first.inner_text()
        b.no_error_shown()
        b.shot("item-booked")
