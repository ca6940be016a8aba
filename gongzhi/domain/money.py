"""Exact money: amounts are integer fen (分); splits sum to the fen by largest remainder.

Every ledger in gongzhi (fees, common income, the maintenance fund, elevator cost shares)
splits amounts with ``split_fen`` so that the parts always add up to the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from gongzhi.domain.errors import InvalidValue

FEN_PER_YUAN = 100

CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
CAPITAL_PLACES = ("仟", "佰", "拾", "")  # within a group of four digits
CAPITAL_GROUPS = ("", "万", "亿", "万亿")  # of four digits, the least first


def split_fen(total_fen: int, weights: Sequence[Fraction | Decimal | int]) -> list[int]:
    """Split ``total_fen`` (≥ 0) in proportion to ``weights`` (≥ 0, not all zero).

    Each part is its exact share rounded down, and the fen left over go one each to the
    largest fractional remainders; ties go to the earlier weight, so callers that list
    weights in a stable order (e.g. by unit id) get the same split every time.
    """
    fractions = [Fraction(weight) for weight in weights]
    if any(weight < 0 for weight in fractions):
        raise ValueError("weights must be zero or more")
    total_weight = sum(fractions, Fraction(0))
    if total_weight == 0:
        raise ValueError("at least one weight must be positive")
    exact = [weight * total_fen / total_weight for weight in fractions]
    fen = [int(share) for share in exact]  # floor: every exact share is zero or more
    left_over = total_fen - sum(fen)
    by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - fen[i], reverse=True)
    for i in by_remainder[:left_over]:
        fen[i] += 1
    return fen


def fen_amount(field: str, value: int, *, allow_zero: bool = False) -> int:
    """A validated amount in whole fen: positive (or zero when allowed), never a bool."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(field, "must be a whole number of fen")
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidValue(
            field, "must be more than zero" if not allow_zero else "must not be negative"
        )
    return value


def yuan_to_fen(field: str, value: Decimal | str | int) -> int:
    """元 with at most two decimal places → fen, exactly; anything finer is refused."""
    try:
        yuan = Decimal(str(value))
    except InvalidOperation:
        raise InvalidValue(field, "is not an amount of money") from None
    if not yuan.is_finite():
        raise InvalidValue(field, "is not an amount of money")
    fen = yuan * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise InvalidValue(field, "has more than two decimal places (finer than one fen)")
    return int(fen)


def fen_to_yuan(fen: int) -> Decimal:
    """fen → 元 as an exact Decimal with two places."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def fen_in_capitals(fen: int) -> str:
    """人民币大写 of an amount, as written on receipts and cheques (壹仟零伍元陆角整 for
    1005.60 元): the rules of the People's Bank for 大写金额 — one 零 for any run of zeros
    between digits, no 零 at the end, 整 after 元 when there are no 角 and 分 (and after 角
    when there are no 分), 零 between 元 and 分 when there are no 角."""
    if fen < 0:
        raise ValueError("an amount in capitals is never negative")
    yuan, rest = divmod(fen, FEN_PER_YUAN)
    jiao, cents = divmod(rest, 10)
    text = _integer_in_capitals(yuan) + "元" if yuan else ""
    if jiao == cents == 0:
        return (text or "零元") + "整"
    if jiao:
        text += CAPITAL_DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    return text + (CAPITAL_DIGITS[cents] + "分" if cents else "整")


def _integer_in_capitals(number: int) -> str:
    groups: list[int] = []
    while number:
        number, group = divmod(number, 10_000)
        groups.append(group)
    if len(groups) > len(CAPITAL_GROUPS):
        raise ValueError("too large an amount to write in capitals")
    text, zero = "", False
    for index in reversed(range(len(groups))):
        for place, digit in zip(CAPITAL_PLACES, f"{groups[index]:04d}", strict=True):
            if digit == "0":
                zero = bool(text)  # a zero after a digit: 零 before the next digit
                continue
            text += ("零" if zero else "") + CAPITAL_DIGITS[int(digit)] + place
            zero = False
        if groups[index]:
            text += CAPITAL_GROUPS[index]
    return text
