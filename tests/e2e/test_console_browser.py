"""The console (/console) in a real browser against the real platform, offline.

``gongzhi serve``, ``project`` and ``work`` run as processes on a free port; the data is
recorded through the API over HTTP (``console_world.py``); Debian's chromium
(``/usr/bin/chromium``) is driven by Playwright without a browser download. Every request the
page makes outside 127.0.0.1 is aborted and recorded, and fails the test. Each view's
screenshot is kept under ``.gongzhi/test-artifacts/console/``."""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import openpyxl
import pytest

from gongzhi import console
from gongzhi.application.base import business_today
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.settings import Settings
from tests.e2e.conftest import ROOT, free_port, process_env, start, stop, wait_until_ready
from tests.e2e.console_world import (
    DECISION_TITLE,
    DIRECTOR,
    TOP_UP_REASON,
    CommitteeWorld,
    close_decision,
    committee_world,
)
from tests.e2e.test_platform import graphql
from tests.e2e.test_shipped import DISPATCH, REPORT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / ".gongzhi" / "test-artifacts" / "console"
sync_api = pytest.importorskip("playwright.sync_api")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and shutil.which("chromium") is None,
    reason="Debian's chromium is not installed (.ci/run installs it)",
)

SVG_NAMESPACE = "http://www.w3.org/2000/svg"


@pytest.fixture
def served(settings: Settings) -> Iterator[str]:
    """`serve`, `project` (mutations wait for the views) and `work` (health and credit runs)."""
    assert console.built(), console.MISSING  # a fresh clone without `make install` fails here
    port = free_port()
    # A mutation waits for the views (read-your-writes): long enough for a projector that is
    # still starting on a loaded machine, so the seeding reads its own writes.
    env = process_env(settings, GONGZHI_POOL_SIZE="2", GONGZHI_RYW_TIMEOUT="60")
    processes = [start(["serve", "--port", str(port)], env)]
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base_url, processes[0])
        processes.append(start(["project", "--poll-interval", "0.2"], env))
        processes.append(start(["work", "--processes", "1", "--threads", "1"], env))
        yield base_url
    finally:
        for process in reversed(processes):
            stop(process)


def assets_of(base: str) -> list[str]:
    """The built files the page loads: index.html's, and the chunks they import."""
    seen: list[str] = []
    pending = re.findall(
        r'(?:src|href)="(/console/assets/[^"]+)"', httpx.get(f"{base}/console/").text
    )
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.append(path)
        body = httpx.get(f"{base}{path}", timeout=30).text
        pending += [f"/console/assets/{name}" for name in re.findall(r'"\./([\w.-]+\.js)"', body)]
    return seen


def test_the_console_and_its_assets_are_served_and_name_no_other_host(served: str) -> None:
    # The page, at /console/ and at any client-side route under it
    for path in ("/console/", "/console/committee/fund", "/console/regulator/health/x"):
        page = httpx.get(f"{served}{path}", timeout=30)
        assert page.status_code == 200, path
        assert '<div id="app"' in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
    assert httpx.get(f"{served}/console").status_code == 307
    # A missing asset is a 404, not the page in its place
    assert httpx.get(f"{served}/console/assets/missing.js").status_code == 404
    # Nothing outside the build is reachable through the route
    assert "tool.setuptools" not in httpx.get(f"{served}/console/../../pyproject.toml").text
    # The built assets (the app, its styles, the charts chunk) name no other host
    assets = assets_of(served)
    assert any(a.endswith(".css") for a in assets) and len(assets) >= 3, assets
    for path in assets:
        response = httpx.get(f"{served}{path}", timeout=30)
        assert response.status_code == 200, path
        assert "immutable" in response.headers["cache-control"]
        # (an XML namespace names, it is never fetched: the QR code library's SVG writer
        # carries SVG's; anything else would be an address the page could load)
        code = response.text.replace(SVG_NAMESPACE, "")
        assert "http://" not in code and "https://" not in code, path


def test_a_fresh_clone_without_a_build_is_told_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "STATIC", tmp_path / "static")
    response = console._index()
    assert response.status_code == 503
    assert b"make install" in response.body


# ---- the browser --------------------------------------------------------------------------


class Browser:
    """One page in headless chromium: only 127.0.0.1 answered, everything else recorded."""

    def __init__(self, playwright: Any, base: str, name: str) -> None:
        executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
        self.browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        self.context = self.browser.new_context(
            viewport={"width": 1366, "height": 900}, accept_downloads=True, locale="zh-CN"
        )
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._only_loopback)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.base = base
        self.name = name
        self.shots = 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def _only_loopback(self, route: Any, request: Any) -> None:
        if urlsplit(request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(request.url)
            route.abort()

    def sign_in(self, token: str) -> None:
        self.page.goto(f"{self.base}/console/")
        # The sign-in page says where a token comes from
        self.page.locator("p.hint code", has_text="gongzhi token --role").wait_for()
        self.page.fill("#token", token)
        self.page.click("button[type=submit]")
        self.page.wait_for_selector("nav.menu")

    def sign_in_by_link(self, token: str) -> None:
        """The link `gongzhi run` prints: the token in the fragment, never sent to the server."""
        self.page.goto(f"{self.base}/console/#token={token}")
        self.page.wait_for_selector("nav.menu")
        assert "token=" not in self.page.url

    def menu(self, title: str) -> None:
        self.page.locator("nav.menu").get_by_role("link", name=title, exact=True).click()
        self.page.locator("main h1").first.wait_for()

    def shot(self, view: str) -> None:
        self.shots += 1
        path = ARTIFACTS / f"{self.name}-{self.shots:02d}-{view}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def no_error_shown(self) -> None:
        errors = self.page.locator("main .error")
        assert errors.count() == 0, errors.first.inner_text()

    def close(self) -> None:
        self.browser.close()


@contextmanager
def browser(base: str, name: str) -> Iterator[Browser]:
    with sync_api.sync_playwright() as playwright:
        opened = Browser(playwright, base, name)
        try:
            yield opened
            # Nothing was asked of any host but this one, and no script failed
            assert opened.outside == []
            assert opened.errors == []
        finally:
            opened.close()


def downloaded(b: Browser, table: Any, name: str) -> list[list[str]]:
    """A table's 导出 Excel: the file the API streams, saved and opened with openpyxl."""
    with b.page.expect_download() as downloading:
        table.locator("button.export[data-format=XLSX]").click()
    saved = ARTIFACTS / f"{name}-{uuid.uuid4().hex[:6]}.xlsx"
    downloading.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved, read_only=True).active
    assert sheet is not None
    return [[str(c) for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]


INKED = """(name) => {
  const canvas = document.querySelector(`[data-chart="${name}"] canvas`)
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
  let inked = 0
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]]
    if (a > 0 && !(r > 240 && g > 240 && b > 240)) inked += 1
  }
  return inked
}"""


def chart_is_drawn(b: Browser, name: str) -> None:
    b.page.wait_for_selector(f'[data-chart="{name}"][data-drawn="true"] canvas', timeout=30_000)
    inked = b.page.evaluate(INKED, name)
    assert inked > 500, f"chart {name} is blank ({inked} pixels drawn)"


@pytest.mark.slow
@needs_chromium
def test_a_committee_member_finds_who_changed_a_fund_entry_and_why(
    served: str, settings: Settings
) -> None:
    admin = issue_token(settings.jwt_secret, Principal(subject="admin", role=Role.PLATFORM_ADMIN))
    world: CommitteeWorld = committee_world(served, admin)
    with browser(served, "committee") as b:
        # Given a committee member signs in with the token the platform gave them
        b.sign_in(world.committee_token(settings.jwt_secret))
        b.page.get_by_text(f"{DIRECTOR}（业委会成员）").wait_for()
        b.shot("signed-in")
        # When they open 维修资金 and click the top-up in its ledger
        b.menu("维修资金")
        # (the balance in 元 with two decimals, and in 万元 rounded once)
        balance = b.page.locator(".figure", has_text="账户余额").inner_text()
        assert "18,094.56 元" in balance and "1.81 万元" in balance, balance
        ledger = b.page.locator('[data-testid="fund-ledger"]')
        row = ledger.locator("tbody tr", has_text="续筹")
        row.wait_for()
        assert "1,234.56 元" in row.inner_text()  # fen shown as 元 with two decimals
        row.click()
        # Then they see who recorded it, when, and why
        change = b.page.locator("#entry-history .change")
        change.wait_for()
        assert change.locator(".reason").inner_text() == TOP_UP_REASON
        assert change.locator(".actor").inner_text() == "admin（平台管理员）"
        assert change.locator(".event-type").inner_text() == "续筹交存"
        assert re.fullmatch(
            r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}", change.locator(".occurred").inner_text()
        )
        b.no_error_shown()
        b.shot("fund-entry-history")
        # And every other committee view opens on the same community without an error
        for title, marker in (
            ("物业费台账", '[data-testid="fee-ledger"]'),
            ("公共收益", '[data-testid="income-ledger"]'),
            ("业主共同决定", '[data-testid="decisions"]'),
            ("公示", '[data-testid="publicity"]'),
            ("物业服务合同", '[data-testid="contracts"]'),
            ("审计封存", "form.verify"),
        ):
            b.menu(title)
            b.page.wait_for_selector(f"{marker}", timeout=30_000)
            b.page.wait_for_selector("main .loading", state="detached", timeout=30_000)
            b.no_error_shown()
            b.shot(title)
        # 审计封存: the current checkpoint, kept and verified with the button
        b.menu("审计封存")
        b.page.get_by_role("button", name="填入当前封存点").click()
        b.page.locator("form.verify button[type=submit]").click()
        verdict = b.page.locator('[data-valid="true"]')
        verdict.wait_for()
        assert "验证通过" in verdict.inner_text()
        b.shot("audit-verified")
        # (and a checkpoint with another head hash does not pass)
        field = b.page.locator("form.verify textarea")
        kept = json.loads(field.input_value())
        field.fill(json.dumps({**kept, "headHash": "0" * 64}))
        b.page.locator("form.verify button[type=submit]").click()
        b.page.locator('[data-valid="false"]').wait_for()
        # 业主共同决定: the closed decision's tally figure by figure, and the recount
        close_decision(served, admin, world)
        b.menu("业主共同决定")
        b.page.locator('[data-testid="decisions"] tbody tr', has_text=DECISION_TITLE).click()
        tally = b.page.locator('[data-testid="tally"]')
        tally.wait_for()
        assert "同意" in tally.inner_text() and "反对" in tally.inner_text()
        recounted = b.page.locator(".figure", has_text="复核")
        assert "未复核" in recounted.inner_text()
        # When they click 复核计票: the recount agrees with the tally, and the page says so
        b.page.get_by_role("button", name="复核计票").click()
        b.page.locator(".figure", has_text="1/1 次与原结果一致").wait_for()
        # (and the recount is in the decision's history: who, and why)
        b.page.get_by_text("业委会复核计票").wait_for()
        b.no_error_shown()
        b.shot("decision-recounted")
        # And the list of decisions exports through the API with the outcome and the recount
        b.menu("业主共同决定")
        decisions = b.page.locator('[data-testid="decisions"]')
        decisions.locator("tbody tr", has_text=DECISION_TITLE).wait_for()
        cells = downloaded(b, decisions, "decisions")
        assert cells[0][:2] == ["事项", "类别"], cells[0]
        (line,) = [line for line in cells[1:] if line[0] == DECISION_TITLE]
        # 选聘/解聘物业, 已结束 是, 是否通过 否 (1 of 2 owners), 2 ballots, 1 recount, agreeing
        assert line[1] == "选聘/解聘物业" and line[4:9] == ["是", "否", "2", "1", "1"], line
        # 公共收益: the published month, its entry and its 公示
        b.menu("公共收益")
        b.page.locator(
            '[data-testid="income-ledger"] tbody tr', has_text="玉溪广告有限公司"
        ).wait_for()
        assert "已公示" in b.page.locator('[data-testid="income-periods"]').inner_text()
        # (and the months export through the API, their publication in Chinese)
        months = downloaded(b, b.page.locator('[data-testid="income-periods"]'), "income-periods")
        assert months[0][:3] == ["月份", "已结账", "公示状态"], months[0]
        assert any("已公示" in line for line in months[1:]), months
        b.menu("公示")
        b.page.locator('[data-testid="publicity"] tbody tr', has_text="公共收益").first.wait_for()
        notices = downloaded(b, b.page.locator('[data-testid="publicity"]'), "publicity")
        assert notices[0][:2] == ["标题", "类别"], notices[0]
        assert any(line[1] == "公共收益及分配" for line in notices[1:]), notices
        b.menu("物业服务合同")
        contracts = b.page.locator('[data-testid="contracts"]')
        contracts.wait_for()
        b.page.wait_for_selector("main .loading", state="detached", timeout=30_000)
        shown = contracts.locator("tbody tr:not(:has(td.empty))").count()
        listed = downloaded(b, contracts, "contracts")
        assert listed[0][:3] == ["序号", "管理方式", "物业企业"] and len(listed) - 1 == shown
        # 报事报修: an order reported and dispatched meanwhile appears without a reload
        b.menu("报事报修")
        b.page.wait_for_selector('.live[data-live="listening"]', timeout=30_000)
        b.page.evaluate("window.__same_page = true")
        reported = graphql(served, admin, REPORT, {"c": world.community})["reportWorkOrder"]
        assert reported["__typename"] == "WorkOrderPayload", reported
        order = b.page.locator('[data-testid="work-orders"] tbody tr', has_text="3栋楼道水管漏水")
        order.locator(".status", has_text="已报修").wait_for()
        dispatched = graphql(served, admin, DISPATCH, {"w": reported["workOrder"]["id"]})
        assert dispatched["dispatchWorkOrder"]["__typename"] == "WorkOrderPayload", dispatched
        order.locator(".status", has_text="已派单").wait_for()
        assert "维修一班" in order.inner_text()
        orders = downloaded(b, b.page.locator('[data-testid="work-orders"]'), "work-orders")
        (row,) = [line for line in orders[1:] if "3栋楼道水管漏水" in line]
        assert "已分转" in row and "维修一班" in row, row
        assert b.page.evaluate("window.__same_page") is True  # no reload happened
        b.shot("work-orders-live")
        # When they sign out, the console asks for a token again
        b.page.click("button.signout")
        b.page.wait_for_selector("#token")
        # And a token whose person holds no seat today is shown so (the platform's `viewer`),
        # and the fund is refused as the API refuses it, in Chinese
        seatless = issue_token(
            settings.jwt_secret,
            Principal(
                subject="ywh-former",
                role=Role.COMMITTEE_MEMBER,
                name="前委员",
                community_id=uuid.UUID(world.community),
                person_id=uuid.uuid4(),
            ),
        )
        b.sign_in(seatless)
        b.page.locator("header .who", has_text="今日已无权限").wait_for()
        b.menu("维修资金")
        refused = b.page.locator("main .error .error-heading")
        refused.wait_for()
        assert refused.inner_text() in {"无权访问", "未找到"}
        b.shot("seat-ended")
        b.page.click("button.signout")
        # And the platform admin, signed in by the link `gongzhi run` prints, sees every
        # section and picks the community
        b.sign_in_by_link(admin)
        sections = b.page.locator("nav.menu h3").all_inner_texts()
        assert {"住建监管", "业委会"} <= set(sections), sections
        b.menu("维修资金")
        b.page.locator("ul.picker a", has_text="幸福里").click()
        b.page.locator('[data-testid="fund-ledger"] tbody tr', has_text="续筹").wait_for()
        b.shot("admin-picks-a-community")


def evaluated_world(base: str, admin: str) -> tuple[str, str]:
    """The committee world, with the worker's health run and credit evaluation done."""
    world = committee_world(base, admin)  # 幸福里 of 红塔区, served by 安居物业
    period = business_today()
    half = f"{period.year}H{1 if period.month <= 6 else 2}"
    quarter_index = (period.month - 1) // 3
    quarter = f"{period.year - 1}Q4" if quarter_index == 0 else f"{period.year}Q{quarter_index}"
    health = graphql(
        base,
        admin,
        """mutation($p: String!) { requestHealthRun(input: {district: "红塔区", period: $p,
        reason: "半年度评估"}) { __typename } }""",
        {"p": half},
    )["requestHealthRun"]
    assert health["__typename"] == "HealthRunRequested", health
    credit = graphql(
        base,
        admin,
        """mutation($c: ID!, $p: String!) { requestCreditEvaluation(input: {companyId: $c,
        period: $p, ruleSet: "shandong-yantai-2022", reason: "季度评价"}) { __typename } }""",
        {"c": world.company, "p": quarter},
    )["requestCreditEvaluation"]
    assert credit["__typename"].endswith("Payload"), credit
    # The worker records both; the views answer once they are projected (readiness polled)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        done = graphql(
            base,
            admin,
            """query($h: String!, $q: String!) {
            healthRanking(district: "红塔区", period: $h) { ... on HealthRanking { communities } }
            creditEvaluations(period: $q, district: "红塔区") {
              ... on CreditEvaluationConnection { pageInfo { totalCount } } } }""",
            {"h": half, "q": quarter},
        )
        if (
            done["healthRanking"]["communities"] >= 1
            and done["creditEvaluations"]["pageInfo"]["totalCount"] >= 1
        ):
            return half, quarter
        time.sleep(0.2)  # pacing of the readiness poll, not synchronisation of a result
    raise AssertionError("the worker did not record the health run and the credit evaluation")


@pytest.mark.slow
@needs_chromium
def test_a_regulator_sees_the_district_in_charts_and_rankings_and_exports_them(
    served: str, settings: Settings
) -> None:
    admin = issue_token(settings.jwt_secret, Principal(subject="admin", role=Role.PLATFORM_ADMIN))
    half, _ = evaluated_world(served, admin)
    regulator = issue_token(
        settings.jwt_secret,
        Principal(subject="zj-1", role=Role.REGULATOR, name="王科长", districts=("红塔区",)),
    )
    with browser(served, "regulator") as b:
        # Given a regulator of 红塔区 signs in: the district's overview first
        b.sign_in(regulator)
        b.page.get_by_text("王科长（住建部门）").wait_for()
        b.page.locator("main h1", has_text="区县概览").wait_for()
        # Then the management modes are drawn (the canvas is not blank) and tabled
        chart_is_drawn(b, "modes")
        assert "专业物业" in b.page.locator('[data-testid="modes"]').inner_text()
        uncovered = b.page.locator('[data-testid="uncovered"]')
        uncovered.wait_for()
        # And the communities without a committee export as the table shows them
        cells = downloaded(b, uncovered, "uncovered")
        assert cells[0] == ["小区名称", "小区编号"], cells[0]
        shown = uncovered.locator("tbody tr:not(:has(td.empty))").all_inner_texts()
        assert [line[0] for line in cells[1:]] == [text.strip() for text in shown], cells
        b.no_error_shown()
        b.shot("overview")
        # When they open the health ranking: its distribution and trend are drawn
        b.menu("健康指数")
        chart_is_drawn(b, "health-distribution")
        chart_is_drawn(b, "health-trend")
        ranking = b.page.locator('[data-testid="health-ranking"]')
        row = ranking.locator("tbody tr", has_text="幸福里")
        row.wait_for()
        b.shot("health-ranking")
        # And the ranking exports to a spreadsheet that opens
        cells = downloaded(b, ranking, "health-ranking")
        assert any("幸福里" in value for line in cells[1:] for value in line), cells
        # When they open one community: its components with their inputs
        row.click()
        components = b.page.locator('[data-testid="health-components"]')
        components.wait_for()
        assert components.locator("tbody tr").count() >= 3
        assert components.locator("dl.inputs").count() >= 1
        # And the components export through the API, each with the inputs it was computed from
        cells = downloaded(b, components, "health-components")
        assert cells[0][:4] == ["项目", "权重", "得分", "计入"], cells[0]
        (fund,) = [line for line in cells[1:] if line[0] == "维修资金充足"]
        assert fund[-1].startswith("{"), fund  # 依据: the inputs as JSON
        b.no_error_shown()
        b.shot("community-health")
        # When they open the credit ranking of the quarter: grades drawn, one company's evidence
        b.menu("信用评价")
        chart_is_drawn(b, "credit-grades")
        credit = b.page.locator('[data-testid="credit-ranking"] tbody tr', has_text="安居物业")
        credit.wait_for()
        b.shot("credit-ranking")
        credit.click()
        contributions = b.page.locator('[data-testid="credit-contributions"]')
        contributions.wait_for()
        assert contributions.locator("tbody tr").count() >= 1
        # And each contribution exports with its section, source and evidence, in Chinese
        cells = downloaded(b, contributions, "credit-contributions")
        assert cells[0] == ["分项", "来源", "项目", "分值", "取值", "否决项", "证据"], cells[0]
        assert len(cells) - 1 == contributions.locator("tbody tr").count()
        assert {line[0] for line in cells[1:]} <= {"基础信息", "良好信息", "不良信息"}, cells
        records = b.page.locator('[data-testid="credit-records"]')
        records.wait_for()
        assert downloaded(b, records, "credit-records")[0][:3] == ["类别", "表彰级别", "否决事项"]
        b.no_error_shown()
        b.shot("company-credit")
        # A typed error is shown in plain Chinese: a community no one has is 未找到
        b.page.goto(f"{served}/console/regulator/health/{uuid.uuid4()}?period={half}")
        error = b.page.locator("main .error")
        error.wait_for()
        assert error.locator(".error-heading").inner_text() == "未找到"
        assert "__typename" not in error.inner_text() and "{" not in error.inner_text()
        b.shot("typed-error")
