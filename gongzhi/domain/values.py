"""Value types and validation rules shared by the aggregates."""

from __future__ import annotations

import enum
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from gongzhi.domain.errors import InvalidValue

MAX_NAME_LENGTH = 200


class ManagementMode(enum.Enum):
    """管理模式 how a community is managed."""

    PROFESSIONAL = "PROFESSIONAL"  # 专业物业: a property service company
    COMMUNITY_CUSTODY = "COMMUNITY_CUSTODY"  # 社区托管: the community's two committees
    WORK_UNIT = "WORK_UNIT"  # 单位自管: the original work unit
    OWNER_SELF = "OWNER_SELF"  # 业主自管: the owners themselves
    NONE = "NONE"  # 无物业: nobody; counted as unmanaged


class AreaSource(enum.Enum):
    """Where a unit's exclusive area comes from, in the order Art. 278 prefers them."""

    REGISTER = "REGISTER"  # 不动产登记
    SURVEY = "SURVEY"  # 测绘
    SALE_CONTRACT = "SALE_CONTRACT"  # 买卖合同


class RenovationCategory(enum.Enum):
    """老旧小区改造 content categories."""

    BASIC = "BASIC"  # 基础类
    IMPROVEMENT = "IMPROVEMENT"  # 完善类
    ENHANCEMENT = "ENHANCEMENT"  # 提升类


def required_text(field: str, value: str, *, max_length: int = MAX_NAME_LENGTH) -> str:
    """Strip ``value``; refuse it when empty or too long."""
    text = (value or "").strip()
    if not text:
        raise InvalidValue(field, "must not be empty")
    if len(text) > max_length:
        raise InvalidValue(field, f"must be at most {max_length} characters")
    return text


def optional_text(field: str, value: str | None, *, max_length: int = 500) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise InvalidValue(field, f"must be at most {max_length} characters")
    return text


def exclusive_area(field: str, value: Decimal | str | int) -> Decimal:
    """专有部分面积 in m², exact to the hundredth, greater than zero."""
    try:
        area = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidValue(field, "must be a number of square metres") from None
    if not area.is_finite():
        raise InvalidValue(field, "must be a number of square metres")
    if area <= 0:
        raise InvalidValue(field, "must be greater than zero")
    if area != area.quantize(Decimal("0.01")):
        raise InvalidValue(field, "must have at most two decimal places")
    if area >= Decimal("100000"):
        raise InvalidValue(field, "must be less than 100000 m²")
    return area.quantize(Decimal("0.01"))


def enum_value(field: str, enum_class: type[enum.Enum], value: object) -> str:
    """The enum member's value, or a plain error listing the allowed ones."""
    raw = value.value if isinstance(value, enum.Enum) else value
    allowed = [member.value for member in enum_class]
    if raw not in allowed:
        raise InvalidValue(field, f"must be one of {', '.join(allowed)}")
    return str(raw)


def year_built(field: str, value: int | None, today: date) -> int | None:
    if value is None:
        return None
    if not 1900 <= value <= today.year:
        raise InvalidValue(field, f"must be a year between 1900 and {today.year}")
    return value


# 统一社会信用代码 (GB 32100-2015): 18 characters from this alphabet; the last is a check.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a code."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def unified_credit_code(field: str, value: str) -> str:
    """A unified social credit code, upper-cased, with its check character verified."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise InvalidValue(field, "must be 18 characters long")
    bad = sorted({char for char in code if char not in CREDIT_CODE_ALPHABET})
    if bad:
        raise InvalidValue(
            field, f"contains characters not allowed in a credit code: {''.join(bad)}"
        )
    if not code[2:8].isdigit():
        raise InvalidValue(field, "characters 3 to 8 must be the digits of a division code")
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise InvalidValue(field, f"check character is {code[17]} but the code requires {expected}")
    return code


def mask_phone(phone: str) -> str:
    """138****1234: enough to recognise a number, not to call it."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_id_number(number: str) -> str:
    """身份证号 shown as its first and last characters only."""
    text = number.strip()
    if len(text) <= 4:
        return "*" * len(text)
    return f"{text[:1]}{'*' * (len(text) - 2)}{text[-1:]}"


# Phone- and 身份证号-shaped runs inside free text (descriptions, notes, attendees, proxy
# authorisations, reasons). Matched on boundaries, so that what only contains such digits is
# kept: a UUID, or a long run of letters and digits (a hash, a ciphertext, a key), is matched
# first and left as it is; a run of digits longer than the shape (an 18-digit ID holds an
# 11-digit run) is not a phone; a decimal (area, amount as text) is not either.
_PERSONAL_IN_TEXT = re.compile(
    r"""
    (?P<keep>
        \b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b
      | (?<![A-Za-z0-9+/=_])(?=[A-Za-z0-9+/=_]*[A-Za-z])(?=[A-Za-z0-9+/=_]*[0-9])
        [A-Za-z0-9+/=_]{32,}
    )
  | (?<!\d)(?P<id_number>[1-9]\d{16}[\dXx])(?![\dXx])
  | (?<!\d)(?<!\d\.)(?:\+?86[- ]?)?(?P<mobile>1[3-9]\d(?:[- ]?\d{4}){2})(?!\.?\d)
  | (?<!\d)(?<!\d\.)(?P<landline>(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[- ]?)[2-9]\d{6,7})(?!\.?\d)
    """,
    re.VERBOSE,
)
# A sealed value or a digest ("pd1:" + base64, hex): no clear data to mask, and the read side
# may still need to open it, so it is kept whole even under a personal key.
_OPAQUE = re.compile(r"(?:[a-z0-9]{1,8}:)?[A-Za-z0-9+/=_]{32,}")
# Keys whose whole value is personal, whatever its shape.
_PERSONAL_KEYS = {"phone": mask_phone, "id_number": mask_id_number}


def _mask_match(match: re.Match[str]) -> str:
    kind = match.lastgroup
    if kind == "keep" or kind is None:
        return match.group(0)
    mask = mask_id_number if kind == "id_number" else mask_phone
    # A +86 prefix stays: only the number itself is personal.
    prefix = match.group(0)[: match.start(kind) - match.start()]
    return prefix + mask(match.group(kind))


def mask_personal_text(text: str) -> str:
    """Free text with every phone number (mobile, landline with area code) and 身份证号 in it
    masked as ``mask_phone`` and ``mask_id_number`` mask them; masking twice changes nothing."""
    # Most strings of an event are short codes, dates or ids: the trail is written for every
    # event, so those skip the scan (nothing shorter than a landline can hold one).
    if len(text) < _SHORTEST or _is_uuid(text):
        return text
    return _PERSONAL_IN_TEXT.sub(_mask_match, text)


_SHORTEST = len("0xx2345678")


def _is_uuid(text: str) -> bool:
    return len(text) == 36 and text[8] == text[13] == text[18] == text[23] == "-"


def mask_personal(value: Any, key: str | None = None) -> Any:
    """A JSON-like value with personal data masked wherever it is: the whole value under a
    personal key (``phone``, ``id_number``), phone- and ID-shaped strings in any other text.
    Numbers stay as they are (an amount in fen is an int, never a phone)."""
    if isinstance(value, str):
        whole = _PERSONAL_KEYS.get(key or "")
        if whole and value and not _OPAQUE.fullmatch(value):
            return whole(value)
        return mask_personal_text(value)
    if isinstance(value, dict):
        return {k: mask_personal(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_personal(v) for v in value]
    return value
