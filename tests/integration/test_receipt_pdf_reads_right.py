"""The receipt PDF as a person sees it: printed through the API, downloaded by its link,
rendered to PNG by Debian's poppler (``pdftoppm``, with the CJK font the PDF names found on
the machine: fonts-arphic-uming, installed by ``.ci/run``) and read back from the picture by
Tesseract's Chinese model; poppler's own text extraction checks the exact figures."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from gongzhi.application.owners import OwnerShare, RecordOwnership, RegisterPerson
from gongzhi.graphql.auth import Principal
from gongzhi.projections.runner import wait_for_position
from gongzhi.projections.views import PROJECTION_NAME
from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import META, billed_estate, pay
from tests.integration.test_graphql_receipts import print_receipt

TOOLS = ("pdftoppm", "pdftotext", "tesseract")


def _installed() -> bool:
    if any(shutil.which(tool) is None for tool in TOOLS):
        return False
    langs = subprocess.run(
        ["tesseract", "--list-langs"], check=False, capture_output=True, text=True
    )
    return "chi_sim" in langs.stdout


pytestmark = pytest.mark.skipif(
    not _installed(),
    reason="poppler-utils, tesseract-ocr and tesseract-ocr-chi-sim are not installed "
    "(.ci/run installs them)",
)


def download(api: Api, url: str, staff: Principal, to: Path) -> Path:
    response = api.client.get(url, headers={"Authorization": f"Bearer {api.token(staff)}"})
    assert response.status_code == 200, response.text
    to.write_bytes(response.content)
    return to


def seen(pdf: Path) -> str:
    """What the page shows: rendered at 300 dpi and read back, without spaces (the OCR
    spaces CJK text at will)."""
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", pdf, pdf.with_suffix("")], check=True
    )
    png = pdf.with_suffix(".png")
    assert png.stat().st_size > 10_000  # a page with something drawn on it
    read = subprocess.run(
        ["tesseract", png, "-", "-l", "chi_sim", "--psm", "6"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return re.sub(r"\s+", "", read)


def extracted(pdf: Path) -> str:
    """The text poppler takes from the page (the font's own code to character mapping)."""
    return subprocess.run(
        ["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True, check=True
    ).stdout


def test_a_receipt_renders_and_reads_right_and_a_reprint_says_so(api: Api, tmp_path: Path) -> None:
    # Given 101 owned by 张三丰, its October 2026 bill, and 500.00 元 paid by WeChat
    e = billed_estate(api)
    app = api.platform.app
    owner = app.register_person(META, RegisterPerson(name="张三丰")).id
    owned = app.record_ownership(
        META,
        RecordOwnership(
            UUID(e.community), UUID(e.units["101"]), [OwnerShare(owner, "1")], date(2026, 10, 1)
        ),
    )
    assert wait_for_position(api.platform.engine, PROJECTION_NAME, owned.position, 30)
    paid = pay(api, e, "101", 50_000, "wx-pdf-500")
    number = paid["receiptNumber"]
    assert number

    # When it is printed, then printed again
    first = print_receipt(api, paid["paymentId"], e.staff)
    again = print_receipt(api, paid["paymentId"], e.staff)
    original = download(api, first["download"]["url"], e.staff, tmp_path / "original.pdf")
    reprint = download(api, again["download"]["url"], e.staff, tmp_path / "reprint.pdf")

    # Then the page shows the company, the unit, the period and fee, the payer, the
    # channel, the number and the amount in capitals, and no 补打 on the original (what the
    # OCR reads reliably: it takes a masked 张** for 张茸, and drops the odd hyphen)
    page = seen(original)
    for shown in (
        "安居物业",
        "1栋-1单元-101",
        "物业费",
        "2026-10",
        "交款人:张",
        "微信支付",
        number,
        "人民币(大写)伍佰元整",
    ):
        assert shown in page, (shown, page)
    assert "补打" not in page
    assert "张三丰" not in page
    # and its text has the figures exactly: 元 with two decimals, line by line
    text = extracted(original)
    assert "交款人：张**" in text and "张三丰" not in text
    assert "交易号：wx-pdf-500" in text and "收款方式：微信支付" in text
    assert "元/平方米/月" in text  # m², which the font cannot show, in words
    assert f"收据编号：{number}" in text
    assert re.search(r"（小写）¥500\.00 元", text), text
    lines = [
        float(m.replace(",", "")) for m in re.findall(r"^\S.*?\s+([\d,]+\.\d{2})$", text, re.M)
    ]
    assert round(sum(lines), 2) == 500.00, text
    assert "合计：人民币（大写）伍佰元整" in text
    # and the second copy says 补打 where a person sees it
    again_page = seen(reprint)
    assert "补打" in again_page and number in again_page and "伍佰元整" in again_page
    assert "补打（第 2 份）" in extracted(reprint)
