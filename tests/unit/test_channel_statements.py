"""对账单 of the real channels (gongzhi.infra.statements): Alipay's 业务明细 as Alipay
publishes it (GBK CSV, ``#`` notes around the rows, refunds negative, its counts at the end)
and UnionPay's merchant-portal export, read into checked lines; a file whose summary is not
its rows is refused naming the row."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from gongzhi.infra.payment_adapters import AlipayChannel
from gongzhi.infra.statements import (
    ALIPAY_BILL,
    SHANGHAI,
    UNIONPAY_EXPORT,
    StatementLine,
    StatementRefused,
    read_statement,
    write_rows,
)

DAY = date(2026, 12, 6)
AT = datetime(2026, 12, 6, 9, 30, tzinfo=SHANGHAI)
ALIPAY_HEADER = [
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "创建时间",
    "完成时间",
    "门店编号",
    "门店名称",
    "操作员",
    "终端号",
    "对方账户",
    "订单金额（元）",
    "商家实收（元）",
    "支付宝红包（元）",
    "集分宝（元）",
    "支付宝优惠（元）",
    "商家优惠（元）",
    "券核销金额（元）",
    "券名称",
    "商家红包消费金额（元）",
    "卡消费金额（元）",
    "退款批次号/请求号",
    "服务费（元）",
    "分润（元）",
    "备注",
]


@dataclass(frozen=True)
class AlipayRow:
    """One row of the bill: a payment (交易), or a refund (退款) of the payment ``trade_no``."""

    trade_no: str
    order_no: str
    amount_fen: int  # positive; a refund's is written negative
    at: datetime = AT
    fee_fen: int = 0
    refund_id: str = ""  # 退款批次号/请求号: a refund's id

    @property
    def kind(self) -> str:
        return "退款" if self.refund_id else "交易"


def _yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def alipay_bill(
    day: date, rows: list[AlipayRow], *, counts: tuple[int, int] | None = None, ended: bool = True
) -> bytes:
    """The 业务明细 as Alipay publishes it: GBK, notes before and after, ids followed by a
    tab (so spreadsheets keep them as text), refunds and the fee written negative."""
    text = io.StringIO()
    notes_before = [
        "#支付宝业务明细查询",
        "#账号：[20880000000000000156]",
        f"#起始日期：[{day:%Y年%m月%d日} 00:00:00]   终止日期：[{day + timedelta(days=1):%Y年%m月%d日} 00:00:00]",
        "#-----------------------------------------业务明细列表----------------------------------------",
    ]
    text.write("\r\n".join(notes_before) + "\r\n")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(ALIPAY_HEADER)
    for row in rows:
        sign = -1 if row.refund_id else 1
        values = dict.fromkeys(ALIPAY_HEADER, "")
        values.update(
            {
                "支付宝交易号": f"{row.trade_no}\t",
                "商户订单号": f"{row.order_no}\t",
                "业务类型": row.kind,
                "商品名称": "物业费",
                "创建时间": f"{row.at:%Y-%m-%d %H:%M:%S}",
                "完成时间": f"{row.at:%Y-%m-%d %H:%M:%S}",
                "对方账户": "138****0000",
                "订单金额（元）": _yuan(sign * row.amount_fen),
                "商家实收（元）": _yuan(sign * row.amount_fen),
                "退款批次号/请求号": f"{row.refund_id}\t" if row.refund_id else "",
                "服务费（元）": _yuan(-sign * row.fee_fen),
                "分润（元）": "0.00",
            }
        )
        writer.writerow([values[c] for c in ALIPAY_HEADER])
    payments = sum(1 for r in rows if not r.refund_id)
    stated = counts or (payments, len(rows) - payments)
    notes_after = [
        "#-----------------------------------------业务明细列表结束------------------------------------",
        f"#交易合计：{stated[0]}笔，退款合计：{stated[1]}笔",
        f"#导出时间：[{day + timedelta(days=1):%Y年%m月%d日} 09:58:38]",
    ]
    text.write("\r\n".join(notes_after if ended else notes_after[2:]) + "\r\n")
    return text.getvalue().encode("gbk")


def unionpay_export(day: date, rows: list[AlipayRow], file_format: str = "CSV") -> bytes:
    """A day's transactions as UnionPay's merchant portal exports them (消费 and 退货)."""
    table = [list(UNIONPAY_EXPORT.columns)]
    for row in rows:
        refund = bool(row.refund_id)
        values = {
            "交易时间": f"{row.at:%Y-%m-%d %H:%M:%S}",
            "查询流水号": row.refund_id or row.trade_no,
            "原交易查询流水号": row.trade_no if refund else "",
            "商户订单号": row.order_no,
            "交易类型": "退货" if refund else "消费",
            "交易金额": _yuan(row.amount_fen),
            "商户手续费": _yuan(row.fee_fen),
            "清算金额": _yuan(row.amount_fen - row.fee_fen),
            "商户代码": "777290058110048",
        }
        table.append([values[c] for c in UNIONPAY_EXPORT.columns])
    return write_rows(table, file_format)


DAY_ROWS = [
    AlipayRow("2026120622001400001", "a" * 32, 14685, fee_fen=88),
    AlipayRow("2026120622001400002", "", 5000, fee_fen=30),
    AlipayRow("2026120622001400001", "a" * 32, 1000, refund_id="RF-1"),
]


def test_alipays_bill_is_read_from_its_gbk_csv_with_refunds_negative() -> None:
    # Given the day's 业务明细 as Alipay publishes it: GBK, not UTF-8
    content = alipay_bill(DAY, DAY_ROWS)
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    # When read
    lines, skipped = read_statement("ALIPAY", content, "CSV", DAY)
    # Then its payments and its refund are lines, rows numbered as the file's lines
    assert skipped == 0
    assert lines == [
        StatementLine(6, "2026120622001400001", "a" * 32, 14685, 88, AT),
        StatementLine(7, "2026120622001400002", "", 5000, 30, AT),
        StatementLine(8, "RF-1", "a" * 32, 1000, 0, AT, refund_of="2026120622001400001"),
    ]


def test_alipays_summary_that_is_not_its_rows_is_refused_naming_the_row() -> None:
    # Given a bill whose 交易合计 says three payments, with two on it (cut short, or altered)
    content = alipay_bill(DAY, DAY_ROWS, counts=(3, 1))
    # Then it is refused, naming the summary's row
    with pytest.raises(StatementRefused, match=r"^row 10: the summary's 交易合计 3笔"):
        read_statement("ALIPAY", content, "CSV", DAY)
    # And a bill without its end line and counts is refused as cut short
    with pytest.raises(StatementRefused, match=r"业务明细列表结束.*cut short"):
        read_statement("ALIPAY", alipay_bill(DAY, DAY_ROWS, ended=False), "CSV", DAY)


def test_an_alipay_refund_written_positive_or_a_row_after_the_notes_is_refused() -> None:
    content = alipay_bill(DAY, DAY_ROWS).decode("gbk")
    positive = content.replace(",-10.00,-10.00,", ",10.00,10.00,").encode("gbk")
    with pytest.raises(StatementRefused, match=r"row 8, column 订单金额（元）: not a negative"):
        read_statement("ALIPAY", positive, "CSV", DAY)
    lines = content.splitlines()
    # the refund's row moved below the end line
    moved = "\r\n".join([*lines[:7], lines[8], lines[7], *lines[9:]]).encode("gbk")
    with pytest.raises(StatementRefused, match="row 9: a row after the notes"):
        read_statement("ALIPAY", moved, "CSV", DAY)


def test_alipays_adapter_reads_its_bill_in_this_layout() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    assert AlipayChannel(app_id="2021000000000001", alipay_key=key).statement_format is ALIPAY_BILL


@pytest.mark.parametrize("file_format", ["CSV", "XLSX"])
def test_unionpays_export_reads_payments_and_refunds_of_the_original(file_format: str) -> None:
    content = unionpay_export(DAY, DAY_ROWS, file_format)
    lines, skipped = read_statement("UNIONPAY", content, file_format, DAY)
    assert skipped == 0
    assert [(x.transaction_id, x.amount_fen, x.fee_fen, x.refund_of) for x in lines] == [
        ("2026120622001400001", 14685, 88, ""),
        ("2026120622001400002", 5000, 30, ""),
        ("RF-1", 1000, 0, "2026120622001400001"),
    ]
