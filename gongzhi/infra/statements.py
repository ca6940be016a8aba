"""对账单 a payment channel's (or a bank's) statement of one day: how its file is laid out,
read into checked lines, and (for the sandbox) written as the channel would publish it.

The layout of WeChat Pay's 交易账单 (all orders, ``bill_type=ALL``) is the model: a header
line, one line per transaction with every value prefixed by a backtick (so that spreadsheet
programs keep long numbers as text), then a summary header (``总交易单数`` …) and its line.
Amounts are in 元 with two decimals; the channel's fee (手续费) has five, and is rounded to
the fen once, half up, as the channel settles it. The sandbox publishes this layout too (it
signs as WeChat Pay does). A bank's statement is a plain table of credits.

Alipay's 业务明细 (the ``trade`` bill of the 对账单 download) is a GBK-encoded CSV with
``#`` notes before its header (the account, the period) and after its rows: the line
``#-----…业务明细列表结束…-----`` and ``#交易合计：N笔，退款合计：M笔``, whose counts must be the
rows' (a file cut short is refused). Its 业务类型 says 交易 or 退款; a refund's amounts are
negative, and its 退款批次号/请求号 is the refund's id, its 支付宝交易号 the payment's. The
服务费 is written as a deduction; its magnitude is the fee.

UnionPay's statement is read as its merchant portal (商户服务平台) exports the day's
transactions, CSV or XLSX, with the field names of the 全渠道 对账文件 as headers (see
``UNIONPAY_EXPORT``); the fixed-width INN file itself is not read.

Refund rows (交易状态 ``REFUND``) carry the channel's refund id (微信退款单号), the refunded
amount (退款金额) and the payment's own transaction id (微信订单号); they are read as lines
with ``refund_of`` set, reconciled against the refunds booked (``refundPayment``), and their
total is checked against the summary's 退款总金额.

Files come from clients: a statement is bounded in bytes (``MAX_FILE_BYTES``), rows
(``tabular.MAX_ROWS``) and cell length (``MAX_CELL``), every amount is checked, and the
first problem is refused naming its row (as a spreadsheet numbers it: the header is row 1)
and its column, in plain words.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from gongzhi.infra.tabular import MAX_ROWS, TooManyRows, UnreadableFile, read_table

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_FILE_BYTES = 10 * 1024 * 1024  # a WeChat bill of 50,000 payments is ~8 MiB as CSV
MAX_CELL = 256  # any cell longer than this is refused, read or not
MAX_ID = 64  # transaction ids and order numbers (WeChat: 32, banks: fewer)
MAX_AMOUNT_FEN = 10**12  # the platform's largest amount (fields.MAX_FEN)
MAX_NOTES = 20  # notes (``#`` lines) around a statement's rows: Alipay writes 4 before, 3 after
FEN = Decimal("0.01")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class StatementRefused(ValueError):
    """Raised when a statement file cannot be read; the message names the row and column."""


@dataclass(frozen=True)
class StatementLine:
    """One payment on the statement (``gongzhi.domain.reconciliation.StatementRow``)."""

    row: int
    transaction_id: str
    order_no: str
    amount_fen: int
    fee_fen: int
    paid_at: datetime
    # A refund row: ``transaction_id`` is the channel's refund id, ``refund_of`` the
    # transaction id of the payment refunded; "" on a payment.
    refund_of: str = ""


# (the notes after the rows by row number, the lines read, the rows skipped) → None, or
# StatementRefused when the notes' totals are not the rows'.
NotesCheck = Callable[[Sequence[tuple[int, str]], Sequence[StatementLine], int], None]


@dataclass(frozen=True)
class StatementFormat:
    """Which columns of a statement hold what; values may carry ``prefix``; a line whose
    first cell is ``summary`` starts the summary (its header, then its values)."""

    name: str
    transaction_id: str
    order_no: str
    amount: str
    fee: str
    time: str
    status: str = ""  # the column saying what a row is; "" when every row is a payment
    paid: str = ""  # the status of a payment
    refunded: str = ""  # the status of a refund; "" when the statement has no refunds
    refund_id: str = ""  # the channel's refund id (退款单号)
    refund_amount: str = ""  # the amount refunded
    refund_of: str = ""  # the payment a refund row refunds; "" when it is ``transaction_id``
    # Amounts carry a sign (Alipay): a refund's are negative, the fee is a deduction.
    signed: bool = False
    prefix: str = ""
    # Lines whose first cell starts with it are notes, not rows (Alipay's "#"); the notes
    # after the rows are the summary, checked by ``notes_check``.
    comment: str = ""
    notes_check: NotesCheck | None = None
    summary: str = ""
    summary_amount: str = ""
    summary_fee: str = ""
    summary_refund: str = ""
    other_columns: tuple[str, ...] = ()  # written by the sandbox, not read

    @property
    def columns(self) -> tuple[str, ...]:
        named = (
            self.time,
            self.transaction_id,
            self.order_no,
            self.status,
            self.amount,
            self.fee,
            self.refund_id,
            self.refund_amount,
            self.refund_of,
        )
        return tuple(dict.fromkeys(c for c in named if c)) + self.other_columns


# 微信支付 交易账单 (the columns read, and enough of the others to look like one).
WECHAT_BILL = StatementFormat(
    name="微信支付交易账单",
    time="交易时间",
    transaction_id="微信订单号",
    order_no="商户订单号",
    status="交易状态",
    paid="SUCCESS",
    refunded="REFUND",
    refund_id="微信退款单号",
    refund_amount="退款金额",
    amount="应结订单金额",
    fee="手续费",
    prefix="`",
    summary="总交易单数",
    summary_amount="应结订单总金额",
    summary_fee="手续费总金额",
    summary_refund="退款总金额",
    other_columns=("公众账号ID", "商户号", "交易类型", "货币种类", "商品名称", "费率"),
)
# 银行对账单: one line per credit to the account. Its 摘要 and 对方户名 are not read: free
# text that names the payer (personal data) and no order number of ours.
BANK_STATEMENT = StatementFormat(
    name="银行对账单",
    time="交易时间",
    transaction_id="流水号",
    order_no="",
    amount="贷方金额",
    fee="手续费",
)
ALIPAY_COUNTS = re.compile(r"^#交易合计：(\d+)笔，退款合计：(\d+)笔")
ALIPAY_END = re.compile(r"^#-+业务明细列表结束-+$")


def check_alipay_notes(
    notes: Sequence[tuple[int, str]], lines: Sequence[StatementLine], skipped: int
) -> None:
    """Alipay's 业务明细 ends with its end line and its counts of 交易 and 退款 rows: they
    must be there and be the rows'. Its other 业务类型 rows (``skipped``) are not counted."""
    if not any(ALIPAY_END.match(text) for _, text in notes):
        raise StatementRefused(
            "the file ends without #-----业务明细列表结束----- and its 交易合计: "
            "it may be cut short"
        )
    counted = [(row, ALIPAY_COUNTS.match(text)) for row, text in notes]
    found = [(row, match) for row, match in counted if match]
    if not found:
        raise StatementRefused("the file has no #交易合计 line: it may be cut short")
    row, match = found[0]
    payments = sum(1 for line in lines if not line.refund_of)
    refunds = len(lines) - payments
    stated = (int(match.group(1)), int(match.group(2)))
    if stated != (payments, refunds):
        raise StatementRefused(
            f"row {row}: the summary's 交易合计 {stated[0]}笔，退款合计 {stated[1]}笔 is not the "
            f"file's {payments} payments and {refunds} refunds: it may be cut short"
        )


# 支付宝 业务明细 (the columns read; the others are Alipay's, in its order).
ALIPAY_BILL = StatementFormat(
    name="支付宝业务明细",
    time="完成时间",
    transaction_id="支付宝交易号",
    order_no="商户订单号",
    status="业务类型",
    paid="交易",
    refunded="退款",
    refund_id="退款批次号/请求号",
    amount="订单金额（元）",
    refund_amount="订单金额（元）",
    fee="服务费（元）",
    signed=True,
    comment="#",
    notes_check=check_alipay_notes,
    other_columns=(
        "商品名称",
        "创建时间",
        "门店编号",
        "门店名称",
        "操作员",
        "终端号",
        "对方账户",
        "商家实收（元）",
        "支付宝红包（元）",
        "集分宝（元）",
        "支付宝优惠（元）",
        "商家优惠（元）",
        "券核销金额（元）",
        "券名称",
        "商家红包消费金额（元）",
        "卡消费金额（元）",
        "分润（元）",
        "备注",
    ),
)
# 银联 商户服务平台's export of a day's transactions (CSV or XLSX), headed by the field names
# of the 全渠道 对账文件: 消费 rows are payments, 退货 rows refunds of the 原交易查询流水号.
UNIONPAY_EXPORT = StatementFormat(
    name="银联交易明细",
    time="交易时间",
    transaction_id="查询流水号",
    order_no="商户订单号",
    status="交易类型",
    paid="消费",
    refunded="退货",
    refund_id="查询流水号",
    refund_of="原交易查询流水号",
    amount="交易金额",
    refund_amount="交易金额",
    fee="商户手续费",
    other_columns=("清算金额", "商户代码"),
)
# The statement format of each channel's payments (PaymentChannel values).
STATEMENT_FORMATS = {
    "SANDBOX": WECHAT_BILL,
    "WECHAT": WECHAT_BILL,
    "ALIPAY": ALIPAY_BILL,
    "UNIONPAY": UNIONPAY_EXPORT,
    "BANK_TRANSFER": BANK_STATEMENT,
}
SUMMARY_HEADER = ("总交易单数", "应结订单总金额", "退款总金额", "手续费总金额", "订单总金额")


def statement_format(channel: str) -> StatementFormat:
    found = STATEMENT_FORMATS.get(channel)
    if found is None:
        known = ", ".join(sorted(STATEMENT_FORMATS))
        raise StatementRefused(f"no statement format is known for {channel} (known: {known})")
    return found


def read_statement(
    channel: str, content: bytes, file_format: str, day: date
) -> tuple[list[StatementLine], int]:
    """The payments and refunds of ``day`` on the channel's statement file, checked, and the
    number of rows of other kinds (closed orders, refunds still in process); or
    StatementRefused naming the first problem's row and column."""
    layout = statement_format(channel)
    if len(content) > MAX_FILE_BYTES:
        raise StatementRefused(f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB")
    try:
        # The rows, and the two lines of a summary or the notes around the rows
        header, rows = read_table(content, file_format, max_rows=MAX_ROWS + 2 + MAX_NOTES)
    except TooManyRows:
        raise StatementRefused(
            f"the file has more than {MAX_ROWS:,} rows; split it (by day, or by merchant)"
        ) from None
    except UnreadableFile as error:
        raise StatementRefused(str(error)) from None
    notes = 0  # the notes before the header (Alipay's account and period)
    if layout.comment:
        table = [header, *rows]
        while notes < len(table) and _is_note(layout, table[notes]):
            notes += 1
        if notes == len(table):
            raise StatementRefused(f"the file has no header line (a {layout.name} has one)")
        header, rows = table[notes], table[notes + 1 :]
    return _Reader(layout, day, [_bare(layout, h) for h in header], notes).read(rows)


def _is_note(layout: StatementFormat, row: Sequence[str]) -> bool:
    """A note (or a blank line) of a layout that has notes."""
    first = row[0].strip() if row else ""
    return first.startswith(layout.comment) or not any(cell.strip() for cell in row)


class _Reader:
    def __init__(
        self, layout: StatementFormat, day: date, header: list[str], notes_before: int = 0
    ) -> None:
        self.layout, self.day, self.header = layout, day, header
        self.first_row = notes_before + 2  # the first row's number, as a spreadsheet counts
        named = (layout.time, layout.transaction_id, layout.order_no, layout.status)
        wanted = [c for c in (*named, layout.amount, layout.fee) if c]
        missing = [c for c in wanted if c not in header]
        if missing:
            raise StatementRefused(
                f"row 1: the header has no column {', '.join(missing)} "
                f"(a {layout.name} has {', '.join(wanted)})"
            )
        # The refund columns are needed only by refund rows (refused without them).
        refund_columns = (layout.refund_id, layout.refund_amount, layout.refund_of)
        refunds = [c for c in refund_columns if c and c in header]
        self.at = {name: header.index(name) for name in (*wanted, *refunds)}

    def read(self, rows: Sequence[Sequence[str]]) -> tuple[list[StatementLine], int]:
        lines: list[StatementLine] = []
        skipped = 0
        seen: dict[str, int] = {}
        summary: tuple[int, list[str], list[str]] | None = None
        notes: list[tuple[int, str]] = []
        for offset, raw in enumerate(rows):
            number = offset + self.first_row
            cells = [_bare(self.layout, cell) for cell in raw]
            self._bounded(number, cells)
            if not any(cells):
                continue
            if self.layout.comment and cells[0].startswith(self.layout.comment):
                notes = self._notes(rows, offset)
                break
            if self.layout.summary and cells[0] == self.layout.summary:
                summary = (number, cells, [_bare(self.layout, c) for c in _row(rows, offset + 1)])
                break
            if len(lines) + skipped >= MAX_ROWS:
                raise StatementRefused(f"row {number}: the file has more than {MAX_ROWS:,} rows")
            status = self._cell(cells, self.layout.status) if self.layout.status else ""
            if self.layout.refunded and status == self.layout.refunded:
                line = self._refund(number, cells)
            elif self.layout.status and status != self.layout.paid:
                skipped += 1
                continue
            else:
                line = self._line(number, cells)
            if line.transaction_id in seen:
                raise StatementRefused(
                    f"row {number}, column {self.layout.transaction_id}: "
                    f"{line.transaction_id} is on row {seen[line.transaction_id]} already"
                )
            seen[line.transaction_id] = number
            lines.append(line)
        if self.layout.summary:
            self._check_summary(summary, lines, skipped)
        if self.layout.notes_check is not None:
            self.layout.notes_check(notes, lines, skipped)
        return lines, skipped

    def _notes(self, rows: Sequence[Sequence[str]], offset: int) -> list[tuple[int, str]]:
        """The notes after the rows, by row number; a row among them is refused."""
        found: list[tuple[int, str]] = []
        for index in range(offset, len(rows)):
            number = index + self.first_row
            if not _is_note(self.layout, rows[index]):
                raise StatementRefused(f"row {number}: a row after the notes that end the rows")
            if len(found) >= MAX_NOTES:
                raise StatementRefused(f"row {number}: more than {MAX_NOTES} notes")
            text = ",".join(rows[index]).strip()
            if len(text) > MAX_CELL:
                raise StatementRefused(f"row {number}: a note longer than {MAX_CELL} characters")
            if text:
                found.append((number, text))
        return found

    def _bounded(self, number: int, cells: list[str]) -> None:
        for index, cell in enumerate(cells):
            if len(cell) > MAX_CELL:
                name = self.header[index] if index < len(self.header) else f"{index + 1}"
                raise StatementRefused(
                    f"row {number}, column {name}: the value is longer than {MAX_CELL} characters"
                )

    def _cell(self, cells: list[str], column: str) -> str:
        index = self.at[column]
        return cells[index] if index < len(cells) else ""

    def _id(self, number: int, cells: list[str], column: str, what: str) -> str:
        if column not in self.at:
            raise StatementRefused(
                f"row {number}: a refund row, and the header has no column {column}"
            )
        value = self._cell(cells, column)
        if not value:
            raise StatementRefused(f"row {number}, column {column}: the {what} is missing")
        if len(value) > MAX_ID:
            raise StatementRefused(
                f"row {number}, column {column}: longer than {MAX_ID} characters"
            )
        return value

    def _time(self, number: int, cells: list[str]) -> datetime:
        text = self._cell(cells, self.layout.time)
        column = self.layout.time
        try:
            # fromisoformat is 10 times strptime's speed; the length holds it to this format
            if len(text) != len("2026-12-06 09:30:00") or text[10] != " ":
                raise ValueError(text)
            at = datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)
        except ValueError:
            raise StatementRefused(
                f"row {number}, column {column}: not a time like 2026-12-06 09:30:00"
            ) from None
        if at.date() != self.day:
            raise StatementRefused(
                f"row {number}, column {column}: {text} is not on the statement's day {self.day}"
            )
        return at

    def _refund(self, number: int, cells: list[str]) -> StatementLine:
        """A refund row: its refund id, the payment it refunds, the amount refunded."""
        layout = self.layout
        refund_id = self._id(number, cells, layout.refund_id, "refund id")
        of = layout.refund_of or layout.transaction_id
        refund_of = self._id(number, cells, of, "transaction id of the payment refunded")
        self._id(number, cells, layout.refund_amount, "amount refunded")
        amount = _yuan(self._cell(cells, layout.refund_amount))
        if amount is not None and layout.signed:
            amount = -amount  # a refund's amount is written negative
        if amount is None or amount <= 0 or amount != amount.quantize(FEN):
            sign = "a negative amount" if layout.signed else "an amount"
            raise StatementRefused(
                f"row {number}, column {layout.refund_amount}: "
                f"not {sign} in 元 with at most two decimals"
            )
        if _fen(amount) > MAX_AMOUNT_FEN:
            raise StatementRefused(
                f"row {number}, column {layout.refund_amount}: larger than any refund"
            )
        order_no = self._cell(cells, layout.order_no) if layout.order_no else ""
        if len(order_no) > MAX_ID:
            raise StatementRefused(
                f"row {number}, column {layout.order_no}: longer than {MAX_ID} characters"
            )
        at = self._time(number, cells)
        return StatementLine(number, refund_id, order_no, _fen(amount), 0, at, refund_of)

    def _line(self, number: int, cells: list[str]) -> StatementLine:
        layout = self.layout

        def problem(column: str, what: str) -> StatementRefused:
            return StatementRefused(f"row {number}, column {column}: {what}")

        transaction_id = self._id(number, cells, layout.transaction_id, "transaction id")
        order_no = self._cell(cells, layout.order_no) if layout.order_no else ""
        if len(order_no) > MAX_ID:
            raise problem(layout.order_no, f"longer than {MAX_ID} characters")
        amount = _yuan(self._cell(cells, layout.amount))
        if amount is None or amount <= 0 or amount != amount.quantize(FEN):
            raise problem(layout.amount, "not an amount in 元 with at most two decimals")
        fee = _yuan(self._cell(cells, layout.fee) or "0")
        if fee is not None and layout.signed:
            fee = abs(fee)  # written as a deduction
        if fee is None or fee < 0 or fee > amount:
            raise problem(layout.fee, "not a fee in 元 between 0 and the amount")
        amount_fen, fee_fen = _fen(amount), _fen(fee)
        if amount_fen > MAX_AMOUNT_FEN:
            raise problem(layout.amount, "larger than any payment the platform books")
        paid_at = self._time(number, cells)
        return StatementLine(number, transaction_id, order_no, amount_fen, fee_fen, paid_at)

    def _check_summary(
        self,
        summary: tuple[int, list[str], list[str]] | None,
        lines: list[StatementLine],
        skipped: int,
    ) -> None:
        """The channel's own totals must agree with its lines: a file cut short is refused."""
        layout = self.layout
        if summary is None:
            raise StatementRefused(
                f"the file ends without its summary ({layout.summary} …): it may be cut short"
            )
        number, names, values = summary
        totals = dict(zip(names, values, strict=False))
        count = totals.get(layout.summary, "")
        if count != str(len(lines) + skipped):
            raise StatementRefused(
                f"row {number + 1}, column {layout.summary}: the summary's count is not "
                f"the file's {len(lines) + skipped} rows: it may be cut short"
            )
        payments = [line for line in lines if not line.refund_of]
        refunds = [line for line in lines if line.refund_of]
        for column, total in (
            (layout.summary_amount, sum(line.amount_fen for line in payments)),
            (layout.summary_refund, sum(line.amount_fen for line in refunds)),
            (layout.summary_fee, sum(line.fee_fen for line in payments)),
        ):
            left_out = column == layout.summary_refund and not total and not totals.get(column)
            if not column or left_out:
                continue  # a summary without refunds may leave their total out
            stated = _yuan(totals.get(column, ""))
            if stated is None or _fen(stated) != total:
                raise StatementRefused(
                    f"row {number + 1}, column {column}: the summary's total is not "
                    f"what the rows add up to, {Decimal(total) / 100:.2f} 元"
                )


def _row(rows: Sequence[Sequence[str]], index: int) -> Sequence[str]:
    return rows[index] if index < len(rows) else ()


def _bare(layout: StatementFormat, cell: str) -> str:
    value = cell.strip()
    if layout.prefix and value.startswith(layout.prefix):
        value = value[len(layout.prefix) :]
    return value.strip()


def _yuan(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    exponent = value.as_tuple().exponent  # a letter for infinities and NaN
    return value if isinstance(exponent, int) and exponent >= -5 else None


def _fen(yuan: Decimal) -> int:
    """元 to fen, rounded once, half up."""
    return int((yuan * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- the sandbox publishes its statements as WeChat Pay does ---


@dataclass(frozen=True)
class Transaction:
    """A payment the sandbox took (what its notification said)."""

    transaction_id: str
    order_no: str
    amount_fen: int
    paid_at: datetime


@dataclass(frozen=True)
class RefundTransaction:
    """A refund the sandbox made of one of its payments."""

    refund_id: str
    transaction_id: str  # the payment refunded
    order_no: str
    amount_fen: int
    refunded_at: datetime


SANDBOX_FEE_RATE = Decimal("0.006")  # 0.6%, WeChat Pay's usual rate


def sandbox_statement(
    day: date,
    transactions: Sequence[Transaction],
    file_format: str = "CSV",
    refunds: Sequence[RefundTransaction] = (),
) -> bytes:
    """The sandbox's 交易账单 of ``day`` (its transactions and refunds of that day, Asia/
    Shanghai), as WeChat Pay publishes one: backtick-prefixed values, a summary at the end."""
    layout = WECHAT_BILL
    rows: list[list[str]] = [list(layout.columns)]
    fees = 0
    taken = [t for t in transactions if t.paid_at.astimezone(SHANGHAI).date() == day]
    for t in taken:
        fee = _fen(Decimal(t.amount_fen) * SANDBOX_FEE_RATE / 100)
        fees += fee
        values = {
            layout.time: t.paid_at.astimezone(SHANGHAI).strftime(TIME_FORMAT),
            layout.transaction_id: t.transaction_id,
            layout.order_no: t.order_no,
            layout.status: layout.paid,
            layout.amount: f"{Decimal(t.amount_fen) / 100:.2f}",
            layout.fee: f"{Decimal(fee) / 100:.5f}",
            layout.refund_id: "0",
            layout.refund_amount: "0.00",
            "公众账号ID": "wxsandbox00000000",
            "商户号": "1900000109",
            "交易类型": "NATIVE",
            "货币种类": "CNY",
            "商品名称": "物业费",
            "费率": "0.60%",
        }
        rows.append([layout.prefix + values[c] for c in layout.columns])
    refunded = [r for r in refunds if r.refunded_at.astimezone(SHANGHAI).date() == day]
    for r in refunded:
        values = {
            layout.time: r.refunded_at.astimezone(SHANGHAI).strftime(TIME_FORMAT),
            layout.transaction_id: r.transaction_id,
            layout.order_no: r.order_no,
            layout.status: layout.refunded,
            layout.amount: "0.00",
            layout.fee: "0.00000",
            layout.refund_id: r.refund_id,
            layout.refund_amount: f"{Decimal(r.amount_fen) / 100:.2f}",
        }
        rows.append([layout.prefix + values.get(c, "") for c in layout.columns])
    gross = sum(t.amount_fen for t in taken)
    rows.append(list(SUMMARY_HEADER))
    yuan = f"{Decimal(gross) / 100:.2f}"
    refund_yuan = f"{Decimal(sum(r.amount_fen for r in refunded)) / 100:.2f}"
    count = str(len(taken) + len(refunded))
    totals = [count, yuan, refund_yuan, f"{Decimal(fees) / 100:.5f}", yuan]
    rows.append([layout.prefix + v for v in totals])
    return write_rows(rows, file_format)


def write_rows(rows: Sequence[Sequence[str]], file_format: str) -> bytes:
    """A table as a CSV (UTF-8 with a byte order mark, as the channels send it) or XLSX."""
    if file_format.upper() == "CSV":
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerows(rows)
        return text.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("账单")
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
