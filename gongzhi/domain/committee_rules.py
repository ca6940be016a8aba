"""Rules and values of 业主委员会 / 物业管理委员会 terms: kinds, offices, the versioned member
and term rules, member validation, and the status of a term on a day from its dates.

Pure functions of dates so the read side can state a term's status for any day without
loading the aggregate.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.values import enum_value, required_text


class CommitteeKind(enum.Enum):
    HOMEOWNER = "HOMEOWNER"  # 业主委员会, elected by the owners
    INTERIM = "INTERIM"  # 物业管理委员会, appointed by the street office


class MemberRole(enum.Enum):
    DIRECTOR = "DIRECTOR"  # 主任
    DEPUTY_DIRECTOR = "DEPUTY_DIRECTOR"  # 副主任
    MEMBER = "MEMBER"  # 委员


class CommitteeStatus(enum.Enum):
    PREPARING = "PREPARING"  # 筹备中: formed, not yet elected
    IN_OFFICE = "IN_OFFICE"  # 在任
    EXPIRED = "EXPIRED"  # 届满未换届: the term ran out with no successor
    ENDED = "ENDED"  # 已换届: a successor took office
    DISSOLVED = "DISSOLVED"  # 已解散


@dataclass(frozen=True)
class CommitteeRules:
    """A named, versioned set of committee rules; the term records the version it was formed under.

    Members: an odd number from 5 to 11; from 3 in a community of at most 100 households.
    Term: at most 5 years (homeowner), 3 years (interim). Filing within 30 days of the
    election. The expiry warning (and the re-election window) opens 3 months before the end.
    """

    name: str = "物业管理条例 arts. 16, 18 with common local rules"
    version: int = 1
    min_members: int = 5
    max_members: int = 11
    odd_members: bool = True
    small_community_households: int = 100
    small_community_min_members: int = 3
    max_deputies: int = 2
    homeowner_term_years: int = 5
    interim_term_years: int = 3
    filing_days: int = 30
    warning_months: int = 3

    def member_count_problem(self, count: int, households: int) -> str | None:
        """Why ``count`` members are not allowed for ``households``; ``None`` when they are."""
        small = households <= self.small_community_households
        minimum = self.small_community_min_members if small else self.min_members
        parity = "an odd number " if self.odd_members else ""
        allowed = f"{parity}from {minimum} to {self.max_members} members"
        where = f"a community of {households} households"
        if not minimum <= count <= self.max_members or (self.odd_members and count % 2 == 0):
            return f"{where} needs {allowed}, not {count}"
        return None

    def max_term_years(self, kind: str) -> int:
        if kind == CommitteeKind.INTERIM.value:
            return self.interim_term_years
        return self.homeowner_term_years

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> CommitteeRules:
        return cls(**record)


DEFAULT_RULES = CommitteeRules()


@dataclass(frozen=True)
class Member:
    """A committee member: the owners registry's person id, the name shown, and the office."""

    person_id: UUID
    name: str
    role: str = MemberRole.MEMBER.value


@dataclass(frozen=True)
class ElectingDecision:
    """What the committee needs to know about an owners' decision (业主共同决定)."""

    id: UUID
    community_id: UUID
    matter: str
    scope: str
    closed: bool
    passed: bool
    closed_on: date | None


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), clipped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def check_term(rules: CommitteeRules, kind: str, start: date, ends_on: date) -> None:
    years = rules.max_term_years(kind)
    if ends_on <= start:
        raise InvalidValue("termEndsOn", "must be after the term starts")
    latest = add_years(start, years) - timedelta(days=1)
    if ends_on > latest:
        raise InvalidValue(
            "termEndsOn", f"a term is at most {years} years: the last day is {latest.isoformat()}"
        )


def member_record(member: Member) -> dict[str, str]:
    return {"person_id": str(member.person_id), "name": member.name, "role": member.role}


def member_records(
    members: Sequence[Member], households: int, rules: CommitteeRules
) -> list[dict[str, str]]:
    """Validated members: the count rule, each person once, one 主任, a few 副主任."""
    if households < 0:
        raise InvalidValue("households", "must not be negative")
    problem = rules.member_count_problem(len(members), households)
    if problem:
        raise InvalidValue("members", problem)
    checked = [
        Member(
            m.person_id,
            required_text(f"members.{i}.name", m.name, max_length=100),
            enum_value(f"members.{i}.role", MemberRole, m.role),
        )
        for i, m in enumerate(members)
    ]
    if len({m.person_id for m in checked}) != len(checked):
        raise InvalidValue("members", "must name each person once")
    roles = [m.role for m in checked]
    if roles.count(MemberRole.DIRECTOR.value) != 1:
        raise InvalidValue("members", "must name exactly one director (主任)")
    if roles.count(MemberRole.DEPUTY_DIRECTOR.value) > rules.max_deputies:
        raise InvalidValue("members", f"at most {rules.max_deputies} deputy directors (副主任)")
    return [member_record(m) for m in checked]


def members_from(records: list[dict[str, str]]) -> list[Member]:
    return [Member(UUID(r["person_id"]), r["name"], r["role"]) for r in records]


def office_status(
    day: date,
    took_office_on: date | None,
    term_ends_on: date | None,
    ended_on: date | None,
    dissolved_on: date | None,
) -> str:
    """The :class:`CommitteeStatus` value of a term on ``day``, from its dates.

    In office from the day it took office to the last day of its term, inclusive, and
    before the day it ended (successor took office) or was dissolved.
    """
    if dissolved_on is not None and dissolved_on <= day:
        return CommitteeStatus.DISSOLVED.value
    if ended_on is not None and ended_on <= day:
        return CommitteeStatus.ENDED.value
    if took_office_on is None or term_ends_on is None or day < took_office_on:
        return CommitteeStatus.PREPARING.value
    if day > term_ends_on:
        return CommitteeStatus.EXPIRED.value
    return CommitteeStatus.IN_OFFICE.value


def expires_soon(day: date, term_ends_on: date | None, in_office: bool, months: int) -> bool:
    """届满预警: in office and the term's last day is within ``months`` of ``day``."""
    return in_office and term_ends_on is not None and term_ends_on <= add_months(day, months)


def not_in_future(field: str, day: date, today: date) -> None:
    if day > today:
        raise InvalidValue(field, "must not be in the future")
