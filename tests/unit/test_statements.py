"""对账单: a channel's statement file read into checked lines (gongzhi.infra.statements), and
the reconciliation rule over them (gongzhi.domain.reconciliation)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import uuid4

import pytest

from gongzhi.domain.errors import RuleViolated
from gongzhi.domain.reconciliation import (
    BookedPayment,
    BookedRefund,
    Item,
    ItemKind,
    Reconciliation,
    Resolution,
    reconcile,
)
from gongzhi.infra.statements import (
    MAX_CELL,
    SHANGHAI,
    RefundTransaction,
    StatementRefused,
    Transaction,
    read_statement,
    sandbox_statement,
    write_rows,
)

DAY = date(2026, 12, 6)
AT = datetime(2026, 12, 6, 9, 30, tzinfo=SHANGHAI)


def recorded(items: list[Item]) -> Reconciliation:
    return Reconciliation.record(
        community_id=uuid4(),
        channel="SANDBOX",
        day=DAY,
        file_format="CSV",
        digest="0" * 64,
        skipped_rows=0,
        items=items,
    )


def test_the_sandbox_statement_is_laid_out_as_a_wechat_bill_and_reads_back() -> None:
    # Given three sandbox payments of the day and one of the day before
    transactions = [
        Transaction("4200001", "a" * 32, 12345, AT),
        Transaction("4200002", "b" * 32, 99, AT),
        Transaction("4200003", "", 100000, AT),
        Transaction("4199999", "", 500, datetime(2026, 12, 5, 23, 59, tzinfo=SHANGHAI)),
    ]
    for file_format in ("CSV", "XLSX"):
        content = sandbox_statement(DAY, transactions, file_format)
        if file_format == "CSV":
            # a header line, backtick-prefixed values, the summary at the end
            text = content.decode("utf-8-sig").splitlines()
            assert text[0].startswith("交易时间,微信订单号,商户订单号,交易状态,应结订单金额,手续费")
            assert text[1].startswith("`2026-12-06 09:30:00,`4200001,`" + "a" * 32)
            assert (
                text[-2].startswith("总交易单数")
                and text[-1] == "`3,`1124.44,`0.00,`6.75000,`1124.44"
            )
        # When it is read
        lines, skipped = read_statement("SANDBOX", content, file_format, DAY)
        # Then the day's payments come back in fen, with the fee at 0.6% rounded half up once
        assert skipped == 0
        assert [(x.row, x.transaction_id, x.amount_fen, x.fee_fen) for x in lines] == [
            (2, "4200001", 12345, 74),  # 74.07 fen
            (3, "4200002", 99, 1),  # 0.594 fen
            (4, "4200003", 100000, 600),
        ]
        assert lines[0].paid_at == AT


def _bill(*rows: list[str], summary: list[str] | None = None) -> bytes:
    header = ["交易时间", "微信订单号", "商户订单号", "交易状态", "应结订单金额", "手续费"]
    tail = (
        [["总交易单数", "应结订单总金额", "退款总金额", "手续费总金额"], summary] if summary else []
    )
    return write_rows([header, *rows, *tail], "CSV")


GOOD = ["`2026-12-06 10:00:00", "`T1", "`O1", "`SUCCESS", "`10.00", "`0.06000"]


def test_rows_neither_payments_nor_refunds_are_counted_and_left_out() -> None:
    closed = ["`2026-12-06 11:00:00", "`T2", "`O2", "`CLOSED", "`5.00", "`0"]
    lines, skipped = read_statement(
        "WECHAT", _bill(GOOD, closed, summary=["`2", "`10.00", "`0.00", "`0.06"]), "CSV", DAY
    )
    assert ([x.transaction_id for x in lines], skipped) == (["T1"], 1)


def test_refund_rows_are_read_with_their_payment_and_checked_against_the_summary() -> None:
    header = ["交易时间", "微信订单号", "商户订单号", "交易状态", "应结订单金额", "手续费"]
    refunds = ["微信退款单号", "退款金额"]
    summary_header = ["总交易单数", "应结订单总金额", "退款总金额", "手续费总金额"]
    refund = ["`2026-12-06 11:00:00", "`T1", "`O1", "`REFUND", "`0.00", "`0", "`R1", "`4.00"]
    good = [*GOOD, "`0", "`0.00"]

    def bill(*rows: list[str], refund_total: str) -> bytes:
        summary = ["`2", "`10.00", refund_total, "`0.06"]
        return write_rows([[*header, *refunds], *rows, summary_header, summary], "CSV")

    lines, skipped = read_statement("WECHAT", bill(good, refund, refund_total="`4.00"), "CSV", DAY)
    assert skipped == 0
    assert [(x.transaction_id, x.refund_of, x.amount_fen, x.fee_fen) for x in lines] == [
        ("T1", "", 1000, 6),
        ("R1", "T1", 400, 0),
    ]
    # The summary's 退款总金额 must be what the refund rows add up to
    with pytest.raises(StatementRefused, match="row 5, column 退款总金额"):
        read_statement("WECHAT", bill(good, refund, refund_total="`0.00"), "CSV", DAY)
    # A refund row without an amount refunded, or on a statement without refund columns
    with pytest.raises(StatementRefused, match="row 3, column 退款金额: the amount refunded is"):
        read_statement("WECHAT", bill(good, [*refund[:7], "`"], refund_total="`4.00"), "CSV", DAY)
    with pytest.raises(StatementRefused, match="row 3, column 退款金额: not an amount"):
        read_statement("WECHAT", bill(good, [*refund[:7], "`-4"], refund_total="`4.00"), "CSV", DAY)
    content = _bill(GOOD, refund[:6], summary=["`2", "`10.00", "`4.00", "`0.06"])
    with pytest.raises(StatementRefused, match="row 3: a refund row, and the header has no"):
        read_statement("WECHAT", content, "CSV", DAY)


def test_refunds_reconcile_against_the_refunds_booked_by_their_reference() -> None:
    unit = uuid4()
    paid = BookedPayment(uuid4(), "T1", unit, 1000, DAY)
    lines, _ = read_statement(
        "SANDBOX",
        sandbox_statement(
            DAY,
            [Transaction("T1", "", 1000, AT)],
            refunds=[
                RefundTransaction("R1", "T1", "", 100, AT),  # booked: matched
                RefundTransaction("R2", "T1", "", 200, AT),  # booked at 250: differs
                RefundTransaction("R3", "T1", "", 300, AT),  # not booked
            ],
        ),
        "CSV",
        DAY,
    )
    refunds = [
        BookedRefund("R1", paid.payment_id, "T1", unit, 100, DAY),
        BookedRefund("R2", paid.payment_id, "T1", unit, 250, DAY),
        BookedRefund("R4", paid.payment_id, "T1", unit, 50, DAY),  # not on the statement
        BookedRefund("R5", None, "", unit, 70, date(2026, 12, 5)),  # another day: not looked for
        # a reversal the reconciliation booked moved no money on the channel
        BookedRefund("对账冲正 abc-1", paid.payment_id, "T1", unit, 10, DAY),
    ]
    items = reconcile(DAY, lines, [paid], None, refunds)
    assert [(i.transaction_id, i.kind, i.refund, i.refund_of) for i in items] == [
        ("T1", ItemKind.MATCHED, False, ""),
        ("R1", ItemKind.MATCHED, True, "T1"),
        ("R2", ItemKind.AMOUNT_DIFFERS, True, "T1"),
        ("R3", ItemKind.MISSING_IN_PLATFORM, True, "T1"),
        ("R4", ItemKind.MISSING_IN_STATEMENT, True, "T1"),
    ]
    assert items[3].payment_id == str(paid.payment_id) and items[3].unit_id == str(unit)
    r = recorded(items)
    assert (r.gross_fen, r.refund_fen) == (1000, 600)
    # A refund differing or booked in error is noted; one the channel made is booked
    with pytest.raises(RuleViolated, match="resolved by NOTED, not this"):
        r.resolve(3, Resolution.REVERSED, "x")
    with pytest.raises(RuleViolated, match="resolved by NOTED, not this"):
        r.resolve(5, Resolution.BOOKED, "x")
    r.resolve(4, Resolution.BOOKED, "refund")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            _bill(GOOD, [*GOOD[:4], "`-1.00", "`0"], summary=["`2", "`9.00", "`0", "`0.06"]),
            "row 3, column 应结订单金额: not an amount in 元 with at most two decimals",
        ),
        (
            _bill([*GOOD[:4], "`10.001", "`0"], summary=["`1", "`10.00", "`0", "`0"]),
            "row 2, column 应结订单金额",
        ),
        (
            _bill([*GOOD[:5], "`11.00"], summary=["`1", "`10.00", "`0", "`11"]),
            "row 2, column 手续费: not a fee in 元 between 0 and the amount",
        ),
        (
            _bill(["`2026-12-06", *GOOD[1:]], summary=["`1", "`10.00", "`0", "`0.06"]),
            "row 2, column 交易时间: not a time like",
        ),
        (
            _bill(["`2026-12-07 00:00:01", *GOOD[1:]], summary=["`1", "`10.00", "`0", "`0.06"]),
            "row 2, column 交易时间: 2026-12-07 00:00:01 is not on the statement's day 2026-12-06",
        ),
        (
            _bill([GOOD[0], "`", *GOOD[2:]], summary=["`1", "`10.00", "`0", "`0.06"]),
            "row 2, column 微信订单号: the transaction id is missing",
        ),
        (
            _bill([GOOD[0], "`" + "T" * 65, *GOOD[2:]], summary=["`1", "`10.00", "`0", "`0.06"]),
            "row 2, column 微信订单号: longer than 64 characters",
        ),
        (
            _bill([*GOOD[:2], "x" * (MAX_CELL + 1), *GOOD[3:]], summary=["`1", "`1", "`0", "`0"]),
            f"row 2, column 商户订单号: the value is longer than {MAX_CELL} characters",
        ),
        (
            _bill(GOOD, GOOD, summary=["`2", "`20.00", "`0", "`0.12"]),
            "row 3, column 微信订单号: T1 is on row 2 already",
        ),
        (_bill(GOOD), "the file ends without its summary"),
        (
            _bill(GOOD, summary=["`1", "`10.01", "`0", "`0.06"]),
            "row 4, column 应结订单总金额: the summary's total is not what the rows add up to, 10.00 元",
        ),
        (write_rows([["交易时间", "金额"]], "CSV"), "row 1: the header has no column 微信订单号"),
        (b"PK\x03\x04junk", "not an XLSX workbook"),
    ],
)
def test_a_malformed_statement_is_refused_naming_row_and_column(
    content: bytes, message: str
) -> None:
    file_format = "XLSX" if content.startswith(b"PK") else "CSV"
    with pytest.raises(StatementRefused) as refused:
        read_statement("SANDBOX", content, file_format, DAY)
    assert message in str(refused.value)


def test_a_bank_statement_is_a_plain_table_of_credits() -> None:
    content = write_rows(
        [
            ["交易时间", "流水号", "摘要", "贷方金额", "手续费", "对方户名"],
            ["2026-12-06 15:02:11", "B20261206001", "101物业费", "1,200.00", "", "张三"],
        ],
        "XLSX",
    )
    lines, _ = read_statement("BANK_TRANSFER", content, "XLSX", DAY)
    assert [(x.transaction_id, x.order_no, x.amount_fen, x.fee_fen) for x in lines] == [
        ("B20261206001", "", 120000, 0)
    ]
    with pytest.raises(StatementRefused, match="no statement format is known for CASH"):
        read_statement("CASH", content, "XLSX", DAY)


def test_reconciling_finds_each_kind_and_an_item_is_resolved_once() -> None:
    unit = uuid4()
    lines, _ = read_statement(
        "SANDBOX",
        sandbox_statement(
            DAY,
            [
                Transaction("T1", "", 1000, AT),
                Transaction("T2", "", 2000, AT),
                Transaction("T3", "", 3000, AT),
                Transaction("T5", "", 500, AT),
            ],
        ),
        "CSV",
        DAY,
    )
    booked = [
        BookedPayment(uuid4(), "T1", unit, 1000, DAY),
        BookedPayment(uuid4(), "T2", unit, 1900, DAY),
        BookedPayment(uuid4(), "T4", unit, 4000, DAY),
        # booked the day before, on today's statement: matched, not missing
        BookedPayment(uuid4(), "T5", unit, 500, date(2026, 12, 5)),
        BookedPayment(uuid4(), "T6", unit, 600, date(2026, 12, 5)),
    ]
    items = reconcile(DAY, lines, booked)
    assert [(i.transaction_id, i.kind) for i in items] == [
        ("T1", ItemKind.MATCHED),
        ("T2", ItemKind.AMOUNT_DIFFERS),
        ("T3", ItemKind.MISSING_IN_PLATFORM),
        ("T5", ItemKind.MATCHED),
        ("T4", ItemKind.MISSING_IN_STATEMENT),
    ]
    r = recorded(items)
    assert (r.gross_fen, r.fee_fen, r.net_fen) == (6500, 6 + 12 + 18 + 3, 6500 - 39)
    with pytest.raises(RuleViolated, match="too little"):
        r.resolve(2, Resolution.REVERSED, "x")
    r.resolve(2, Resolution.BOOKED, "payment")
    with pytest.raises(RuleViolated, match="resolved already"):
        r.resolve(2, Resolution.BOOKED, "payment")
    with pytest.raises(RuleViolated, match="REVERSED"):
        r.resolve(5, Resolution.BOOKED, "payment")


def test_a_statement_past_its_bounds_is_refused_before_it_is_read_whole() -> None:
    from gongzhi.infra.statements import MAX_FILE_BYTES
    from gongzhi.infra.tabular import MAX_ROWS

    # More than 10 MiB
    with pytest.raises(StatementRefused, match="larger than 10 MiB"):
        read_statement("SANDBOX", b"x" * (MAX_FILE_BYTES + 1), "CSV", DAY)
    # One payment more than 50,000 (the summary lines are not counted)
    payments = [Transaction(f"T{n}", "", 100, AT) for n in range(MAX_ROWS + 1)]
    with pytest.raises(StatementRefused, match="more than 50,000 rows"):
        read_statement("SANDBOX", sandbox_statement(DAY, payments), "CSV", DAY)
    # Exactly 50,000 is read
    lines, _ = read_statement("SANDBOX", sandbox_statement(DAY, payments[:-1]), "CSV", DAY)
    assert len(lines) == MAX_ROWS
