"""The types of command fields, declared once: bounds and references as ``Annotated`` marks.

A command (``gongzhi.application.commands``) is a frozen dataclass whose fields are typed with
what is below. The marks are plain data; the API reads them to build its input types (the
limit shows in each field's description), to refuse a value out of bounds with a typed error
naming the field, and to resolve every id against the caller's scope before the command runs.
Nothing here imports the web or the database.

Why these limits: every value a command accepts ends up in an event and in a view column,
and a sum of many ends up in a ``bigint``. A text of 2,000,000 characters stalled the event
store; an amount of 2**63 froze the projector for good.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated
from uuid import UUID


class Kind(enum.Enum):
    """What an id refers to. Each kind has one rule in the API for finding it and its scope."""

    COMMUNITY = "community"
    BUILDING = "building"
    ENTRANCE = "entrance"
    UNIT = "unit"
    PERSON = "person"
    COMPANY = "company"
    DECISION = "decision"
    COMMITTEE = "committee"
    CONTRACT = "contract"
    PARTY_ORGANISATION = "party organisation"
    DEMONSTRATION = "demonstration title"
    BILL = "bill"
    PAYMENT = "payment"
    PAYMENT_ORDER = "payment order"  # 在线缴费 (issue 16)
    METER = "meter"  # 抄表 (issue 16)
    RECONCILIATION = "reconciliation"  # 对账 (issue 16)
    PARKING_SPACE = "parking space"
    FUND_USE = "maintenance fund use"
    COMMON_INCOME_ENTRY = "common income entry"
    COMMUNITY_COMPANY = "community company"
    BUSINESS_LINE = "business line"
    BUSINESS_ENTRY = "business ledger entry"
    COMPLAINT = "complaint"
    DISPUTE = "dispute"
    SURVEY = "survey"
    REWARD = "reward"
    WORK_ORDER = "work order"
    FACILITY = "facility"
    DEFECT = "defect"
    CREDIT_RECORD = "credit record"
    CREDIT_EVALUATION = "credit evaluation"
    CREDIT_OBJECTION = "credit objection"
    CREDIT_REPAIR = "credit repair"
    NOTICE = "notice"  # 通知, 公示 or 催缴通知
    # --- decisions, committees, contracts, red property ---
    PARTY_MEMBER = "party member"
    RED_STEWARD = "red steward assignment"
    PARTY_DELIBERATION = "party deliberation"
    # --- maintenance fund, community companies ---
    REINVESTMENT = "reinvestment allocation"
    # Read only through history(id:): aggregates no command names by id.
    FEE_SCHEDULE = "fee schedule"
    BILLING_RUN = "billing run"
    FEE_ACCOUNT = "fee account"
    MAINTENANCE_FUND = "maintenance fund"
    COMMON_INCOME_LEDGER = "common income ledger"
    METER_BOOK = "meter book"  # 抄表 (issue 16)
    SURVEY_RESPONSE = "survey response"
    POINTS_ACCOUNT = "points account"
    HEALTH_ASSESSMENT = "health assessment"


@dataclass(frozen=True)
class Ref:
    """An id of one of ``kinds``. It must exist, lie in the caller's scope and, when it belongs
    to a community and the command is about a community, belong to that one.

    ``public``: for a query argument naming what everyone may read (a published credit grade),
    only its existence is checked."""

    kinds: tuple[Kind, ...]
    public: bool = False

    def __init__(self, *kinds: Kind, public: bool = False) -> None:
        object.__setattr__(self, "kinds", kinds)
        object.__setattr__(self, "public", public)

    @property
    def noun(self) -> str:
        return " or ".join(kind.value for kind in self.kinds)


@dataclass(frozen=True)
class Text:
    """A text of at most ``max_length`` characters (``min_length`` after trimming spaces)."""

    max_length: int
    min_length: int = 0

    def describe(self) -> str:
        if self.min_length:
            return f"{self.min_length}-{self.max_length} characters"
        return f"at most {self.max_length} characters"


@dataclass(frozen=True)
class Range:
    """A number between ``low`` and ``high`` inclusive."""

    low: int | Decimal
    high: int | Decimal
    # Decimal places allowed (areas in m² have two); None for whole numbers.
    places: int | None = None
    # Whether ``low`` itself is refused (an area is greater than zero).
    above_low: bool = False

    def describe(self) -> str:
        text = f"{'above ' if self.above_low else ''}{self.low} to {self.high}"
        if self.places is not None:
            text += f", at most {self.places} decimal places"
        return text

    def problem(self, value: int | Decimal) -> str | None:
        """What is wrong with ``value``, in plain words, or None."""
        low = "zero" if self.low == 0 else str(self.low)
        if self.above_low and value <= self.low:
            return f"must be greater than {low}"
        if value < self.low and self.low == 0:
            return "must not be negative"
        if not self.low <= value <= self.high:
            return f"must be between {self.low} and {self.high}"
        if self.places is not None and isinstance(value, Decimal):
            exponent = value.as_tuple().exponent
            if isinstance(exponent, int) and -exponent > self.places:
                words = {0: "no", 1: "one", 2: "two", 3: "three", 4: "four"}
                return f"must have at most {words.get(self.places, self.places)} decimal places"
        return None


@dataclass(frozen=True)
class Money(Range):
    """An amount in whole fen (分), shown in GraphQL as the ``Fen`` scalar."""

    def describe(self) -> str:
        return f"fen, {self.low} to {self.high}"


@dataclass(frozen=True)
class Items:
    """A list of at most ``max_items`` entries."""

    max_items: int

    def describe(self) -> str:
        return f"at most {self.max_items} entries"


@dataclass(frozen=True)
class Doc:
    """The field's description in GraphQL (its limit is appended)."""

    text: str


# An amount of one operation: 100 亿元 (10^12 fen). A bigint column holds the sum of
# nine million such amounts, far beyond any community's books.
MAX_FEN = 10**12

Reason = Annotated[
    str, Text(500, min_length=1), Doc("Why the change is made; recorded in the history")
]
Name = Annotated[str, Text(200, min_length=1)]
OptionalName = Annotated[str, Text(200)]
Label = Annotated[str, Text(50, min_length=1)]  # numbers of buildings, units, periods
Code = Annotated[str, Text(100)]  # document numbers, transaction ids, credit codes
Note = Annotated[str, Text(2000)]
Description = Annotated[str, Text(5000)]
Address = Annotated[str, Text(300)]
Phone = Annotated[str, Text(20)]
IdNumber = Annotated[str, Text(18)]
Fraction = Annotated[str, Text(20)]  # a share like "1/2"
# fees, common income, companies, roster
Period = Annotated[str, Text(20)]  # a billing or accounting period: 2026-10, 2026-Q4, 2026

Fen = Annotated[int, Money(0, MAX_FEN)]
SignedFen = Annotated[int, Money(-MAX_FEN, MAX_FEN)]
Version = Annotated[int, Range(0, 10**9)]
Count = Annotated[int, Range(0, 1_000_000)]
Floors = Annotated[int, Range(1, 200)]
Floor = Annotated[int, Range(-10, 200)]
Year = Annotated[int, Range(1900, 2199)]
Days = Annotated[int, Range(0, 3650)]
Area = Annotated[Decimal, Range(Decimal(0), Decimal(1_000_000), places=2, above_low=True)]
Rate = Annotated[Decimal, Range(Decimal(0), Decimal(1), places=6)]
Price = Annotated[Decimal, Range(Decimal(0), Decimal(100000), places=4)]

CommunityId = Annotated[UUID, Ref(Kind.COMMUNITY)]
BuildingId = Annotated[UUID, Ref(Kind.BUILDING)]
EntranceId = Annotated[UUID, Ref(Kind.ENTRANCE)]
UnitId = Annotated[UUID, Ref(Kind.UNIT)]
PersonId = Annotated[UUID, Ref(Kind.PERSON)]
CompanyId = Annotated[UUID, Ref(Kind.COMPANY)]
# --- decisions, committees, contracts, red property ---
DecisionId = Annotated[UUID, Ref(Kind.DECISION)]
PartyOrganisationId = Annotated[UUID, Ref(Kind.PARTY_ORGANISATION)]
PartyMemberId = Annotated[UUID, Ref(Kind.PARTY_MEMBER)]
DemonstrationId = Annotated[UUID, Ref(Kind.DEMONSTRATION)]
# --- engagement, participation, committees ---
ComplaintId = Annotated[UUID, Ref(Kind.COMPLAINT)]
NoticeId = Annotated[UUID, Ref(Kind.NOTICE)]
DisputeId = Annotated[UUID, Ref(Kind.DISPUTE)]
SurveyId = Annotated[UUID, Ref(Kind.SURVEY)]
RewardId = Annotated[UUID, Ref(Kind.REWARD)]
CommitteeId = Annotated[UUID, Ref(Kind.COMMITTEE)]
