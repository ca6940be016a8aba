"""Exports from the real processes: 100,000 fee-ledger rows stream from `gongzhi serve`
with its memory flat, and `gongzhi export` writes a file with a progress bar."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import openpyxl
import pytest

from gongzhi.application.base import Meta
from gongzhi.application.communities import RegisterCommunity
from gongzhi.bootstrap import Platform
from gongzhi.domain.fee_account import FeeAccount
from gongzhi.domain.fee_rules import LateFeePolicy
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.settings import Settings
from tests.e2e.conftest import ROOT, free_port, process_env, start, stop, wait_until_ready

META = Meta(actor="test", reason="收费", actor_role="PLATFORM_ADMIN")
ADMIN = Principal(subject="admin-1", name="平台管理员", role=Role.PLATFORM_ADMIN)
LINK = """query($c: ID!, $format: ExportFormat!) { exportLink(kind: FEE_LEDGER,
    format: $format, arguments: {communityId: $c}) { __typename ... on ExportLink { url rows } } }"""
# The growth of the server's peak RSS that a download may cause. Streaming holds one page
# (100 rows) at a time (measured: under 1 MB of growth); an export that held the 100,000 rows
# would exceed it several times over: their GraphQL answers as Python dicts alone take 56 MB
# (measured with tracemalloc), before the asyncpg records and the file's 15 MB of text.
MAX_GROWTH_MB = 25


def ledger(platform: Platform, units: int, payments: int) -> UUID:
    """A community whose fee ledger holds units × payments rows: each unit's account takes
    ``payments`` payments in advance (one PAYMENT entry each), recorded as events and
    projected as the platform projects them."""
    community = platform.app.register_community(
        META,
        RegisterCommunity(
            name="万户里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
        ),
    ).id
    accounts_per_save = max(1, 20_000 // payments)
    for start_unit in range(0, units, accounts_per_save):
        accounts = []
        for _ in range(min(accounts_per_save, units - start_unit)):
            account = FeeAccount.open(community, uuid4())
            for number in range(payments):
                account.receive(
                    payment_id=uuid4(),
                    channel="WECHAT",
                    transaction_id=f"wx-{account.id.hex[:8]}-{number}",
                    amount_fen=100 + number,
                    received_on=date(2026, 10, 1),
                    bills=[],
                    policy=LateFeePolicy(),
                    credit_limit_fen=10**9,
                )
            accounts.append(account)
        platform.app.record(META, *accounts)
    platform.projection_runner().catch_up()
    return community


def rss_peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def reset_peak(pid: int) -> None:
    # Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS.
    Path(f"/proc/{pid}/clear_refs").write_text("5")


@pytest.mark.slow
def test_100000_ledger_rows_stream_with_the_api_memory_flat(
    platform: Platform, settings: Settings
) -> None:
    started = time.monotonic()
    community = ledger(platform, units=1000, payments=100)
    print(f"\n100,000 rows recorded and projected in {time.monotonic() - started:.1f} s")
    port = free_port()
    server = start(["serve", "--port", str(port)], process_env(settings))
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {issue_token(settings.jwt_secret, ADMIN)}"}
    try:
        wait_until_ready(base, server)
        with httpx.Client(base_url=base, headers=headers, timeout=300) as client:

            def download(file_format: str) -> tuple[int, bytes, float, float, float]:
                variables = {"c": str(community), "format": file_format}
                answer = client.post("/graphql", json={"query": LINK, "variables": variables})
                body = answer.json()["data"]["exportLink"]
                assert body["rows"] == 100_000, body
                reset_peak(server.pid)
                before = rss_peak_kb(server.pid)
                started = time.monotonic()
                size, first = 0, b""
                with client.stream("GET", body["url"]) as response:
                    assert response.status_code == 200
                    for chunk in response.iter_bytes():  # read as it arrives
                        first = first or chunk
                        size += len(chunk)
                growth = (rss_peak_kb(server.pid) - before) / 1024
                return size, first, time.monotonic() - started, before / 1024, growth

            download("CSV")  # warms the process: imports, caches, the pool's connections
            measured = {file_format: download(file_format) for file_format in ("CSV", "XLSX")}
    finally:
        stop(server)
    for file_format, (size, _, elapsed, rss, growth) in measured.items():
        print(
            f"{file_format}: {size / 1e6:.1f} MB in {elapsed:.1f} s; "
            f"server RSS {rss:.0f} MB, peak growth {growth:.1f} MB"
        )
        assert size > 100_000 * 20
        assert growth < MAX_GROWTH_MB
    csv_head = measured["CSV"][1].decode("utf-8-sig")
    assert csv_head.startswith("记账时间,业务日期,房号,房屋编号,类型,金额(元)")


def gongzhi(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gongzhi.cli", *args],
        env=process_env(settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_cli_writes_an_export_with_a_progress_bar(
    platform: Platform, settings: Settings, tmp_path: Path
) -> None:
    community = ledger(platform, units=3, payments=70)
    out = tmp_path / "台账.xlsx"
    args = ["export", "fee-ledger", "--format", "xlsx", "--out", str(out)]
    done = gongzhi(settings, *args, "--community", str(community))
    assert done.returncode == 0, done.stderr
    assert "[##############################] 100%  210/210 rows" in done.stderr
    assert done.stdout == ""
    sheet = openpyxl.load_workbook(out, read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("记账时间", "业务日期", "房号", "房屋编号", "类型", "金额(元)")
    assert len(rows) == 211
    assert sorted(row[5] for row in rows[1:])[:2] == [1, 1]

    # As a company's staff, whose company serves no community: the query's refusal
    company = Principal(subject="staff", role=Role.COMPANY_STAFF, company_id=uuid4())
    token = issue_token(settings.jwt_secret, company)
    csv_out = tmp_path / "台账.csv"
    args = ["export", "fee-ledger", "--format", "csv", "--out", str(csv_out), "--token", token]
    refused = gongzhi(settings, *args, "--community", str(community))
    assert refused.returncode == 1
    assert "not exported: NotFound: communityId" in refused.stderr
    assert not csv_out.exists()
    forged = gongzhi(settings, *args[:-1], "not-a-token", "--community", str(community))
    assert "not exported: the token is not valid" in forged.stderr
    admin = issue_token(settings.jwt_secret, ADMIN)
    args[-1] = admin
    assert gongzhi(settings, *args, "--community", str(community)).returncode == 0
    table = list(csv.reader(io.StringIO(csv_out.read_text(encoding="utf-8-sig"))))
    assert len(table) == 211
