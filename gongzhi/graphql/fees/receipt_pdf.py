"""收据 as PDF: one A5 page in Chinese, set in reportlab's built-in CID font STSong-Light (the
PDF names the font and every reader brings its own: nothing is fetched or embedded)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A5, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from gongzhi.domain.labels import label_of
from gongzhi.domain.money import fen_in_capitals, fen_to_yuan
from gongzhi.domain.payment import PaymentChannel

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

NO_NUMBER = "无（编号启用前的收款）"


# Characters the font has no glyph for (it covers GB 18030's Chinese, not every symbol),
# written as a person would write them by hand.
UNPRINTABLE = {"m²": "平方米", "²": "平方", "m³": "立方米", "³": "立方"}
LINE = 16.0  # points from one item to the next
AMOUNT_WIDTH = 90.0  # the amount column, right of every item's text
BOTTOM = 78.0  # what an items page keeps free below its last item: the total, the footer


def printable(text: str) -> str:
    for symbol, words in UNPRINTABLE.items():
        text = text.replace(symbol, words)
    return text


def _wrapped(text: str, width: float, size: float = 10) -> list[str]:
    """``text`` in lines no wider than ``width`` points (CJK text breaks anywhere)."""
    lines, current = [], ""
    for character in text:
        if current and pdfmetrics.stringWidth(current + character, FONT, size) > width:
            lines.append(current)
            current = ""
        current += character
    return [*lines, current]


def _footer(pdf: canvas.Canvas, left: float, text: str) -> None:
    pdf.setFont(FONT, 8)
    pdf.drawString(left, 30, text)
    pdf.setFont(FONT, 10)


def yuan_text(fen: int) -> str:
    return f"{fen_to_yuan(fen):,.2f}"


@dataclass(frozen=True)
class ReceiptLine:
    what: str  # 收费项目, e.g. 物业费、垃圾清运费 2026-10
    amount_fen: int


@dataclass(frozen=True)
class ReceiptSheet:
    """What one printed receipt says."""

    company: str
    number: str | None
    unit_label: str
    payer: str
    channel: str
    reference: str
    received_on: str
    amount_fen: int
    lines: list[ReceiptLine]
    copy: int  # 1: the original; more: 补打
    printed_at: str
    printed_by: str


def receipt_pdf(sheet: ReceiptSheet) -> bytes:
    buffer = io.BytesIO()
    width, height = landscape(A5)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"收据 {sheet.number or ''}".strip())
    left, right, y = 40.0, width - 40.0, height - 50.0
    pdf.setFont(FONT, 18)
    title = "收  据（补打）" if sheet.copy > 1 else "收  据"
    pdf.drawCentredString(width / 2, y, title)
    y -= 22
    pdf.setFont(FONT, 11)
    pdf.drawCentredString(width / 2, y, sheet.company)
    y -= 24
    pdf.setFont(FONT, 10)
    pdf.drawString(left, y, f"收据编号：{sheet.number or NO_NUMBER}")
    pdf.drawRightString(right, y, f"收款日期：{sheet.received_on}")
    y -= 18
    pdf.drawString(left, y, f"房号：{sheet.unit_label}")
    pdf.drawRightString(right, y, f"交款人：{sheet.payer}")
    y -= 18
    pdf.drawString(left, y, f"收款方式：{label_of(PaymentChannel, sheet.channel)}")
    pdf.drawRightString(right, y, f"交易号：{sheet.reference}")
    y -= 14
    pdf.line(left, y, right, y)
    y -= 16
    pdf.drawString(left, y, "收费项目（所属期间）")
    pdf.drawRightString(right, y, "金额（元）")
    copy = "原件" if sheet.copy == 1 else f"补打（第 {sheet.copy} 份）"
    footer = f"{copy}　打印：{sheet.printed_by}　{sheet.printed_at}　本收据不作报销凭证"
    for line in sheet.lines:
        parts = _wrapped(printable(line.what), right - left - AMOUNT_WIDTH)
        for n, part in enumerate(parts):
            if y - LINE < BOTTOM:  # no room for this line and the total: the next page
                _footer(pdf, left, footer)
                pdf.showPage()
                pdf.setFont(FONT, 10)
                y = height - 50.0
                pdf.drawString(left, y, f"收据编号：{sheet.number or NO_NUMBER}（续）")
            y -= LINE
            pdf.drawString(left, y, part)
            if n == 0:
                pdf.drawRightString(right, y, yuan_text(line.amount_fen))
    y -= 10
    pdf.line(left, y, right, y)
    y -= 18
    pdf.setFont(FONT, 12)
    pdf.drawString(left, y, f"合计：人民币（大写）{fen_in_capitals(sheet.amount_fen)}")
    pdf.drawRightString(right, y, f"（小写）¥{yuan_text(sheet.amount_fen)} 元")
    _footer(pdf, left, footer)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
