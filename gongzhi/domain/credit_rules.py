"""信用评价 credit evaluation rules: periods, records as scored, versioned rule sets as data.

Local rules differ (Shandong/Yantai 2022 sums capped sections; Lianyungang starts from a base
of 90 and has veto items), so a rule set is data: which record kinds earn or cost how many
points, which indicators (figures computed from the platform's own data) earn how many, the
caps, the grade bands. ``assess`` is a pure function of a rule set, a period, the company's
records and the indicator values, and names for every point the record or indicator (with its
evidence) it came from. The shipped rule sets are in ``credit_rule_sets``.
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from gongzhi.domain.errors import InvalidValue


class RecordKind(enum.Enum):
    HONOUR = "HONOUR"  # 表彰荣誉 (good record)
    PENALTY = "PENALTY"  # 行政处罚
    COURT_LOSS = "COURT_LOSS"  # 诉讼败诉
    ARBITRATION_LOSS = "ARBITRATION_LOSS"  # 仲裁败诉
    COMMON_INCOME_NOT_PUBLISHED = "COMMON_INCOME_NOT_PUBLISHED"  # 未公示共有部分收益
    UNAUTHORISED_PRICE_CHANGE = "UNAUTHORISED_PRICE_CHANGE"  # 擅自调价
    VETO = "VETO"  # 一票否决事项


GOOD_KINDS = frozenset({RecordKind.HONOUR.value})


class HonourLevel(enum.Enum):
    NATIONAL = "NATIONAL"  # 国家级
    PROVINCIAL = "PROVINCIAL"  # 省级
    CITY = "CITY"  # 市级
    DISTRICT = "DISTRICT"  # 区级
    STREET = "STREET"  # 街道级


class VetoKind(enum.Enum):
    MAINTENANCE_FUND_MISUSED = "MAINTENANCE_FUND_MISUSED"  # 挪用维修资金
    REFUSED_TO_LEAVE = "REFUSED_TO_LEAVE"  # 合同终止后拒不退出


class Section(enum.Enum):
    BASIC = "BASIC"  # 基础信息
    GOOD = "GOOD"  # 良好信息
    BAD = "BAD"  # 不良信息


_PERIOD = re.compile(r"^(\d{4})([QH])([1-4])$")


@dataclass(frozen=True)
class Period:
    """评价周期: a quarter (``2026Q3``) or a half-year (``2026H1``)."""

    label: str
    start: date
    end: date

    @classmethod
    def parse(cls, value: str, field_name: str = "period") -> Period:
        match = _PERIOD.match(value.strip().upper())
        if match is None or (match.group(2) == "H" and int(match.group(3)) > 2):
            raise InvalidValue(field_name, "must be a quarter like 2026Q3 or a half-year 2026H1")
        year, kind, number = int(match.group(1)), match.group(2), int(match.group(3))
        if not 2000 <= year <= 2100:
            raise InvalidValue(field_name, "must be a year between 2000 and 2100")
        months = 3 if kind == "Q" else 6
        start = date(year, (number - 1) * months + 1, 1)
        return cls(f"{year}{kind}{number}", start, add_months(start, months) - timedelta(days=1))

    @property
    def kind(self) -> str:
        return self.label[4]

    def next(self) -> Period:
        return self.containing(self.end + timedelta(days=1), self.kind)

    @classmethod
    def containing(cls, day: date, kind: str = "Q") -> Period:
        number = (day.month - 1) // (3 if kind == "Q" else 6) + 1
        return cls.parse(f"{day.year}{kind}{number}")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day when it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class ScoredRecord:
    """A credit record as a rule set sees it (the file keeps the rest)."""

    id: UUID
    kind: str
    recorded_on: date
    level: str | None = None
    veto_kind: str | None = None
    valid_until: date | None = None
    withdrawn: bool = False
    repaired_on: date | None = None

    @property
    def bad(self) -> bool:
        return self.kind not in GOOD_KINDS

    def expires_on(self, default_months: int) -> date:
        """The last day it counts: its validity, else ``default_months`` (one year)."""
        if self.valid_until is not None:
            return self.valid_until
        return add_months(self.recorded_on, default_months) - timedelta(days=1)

    def counts_in(self, period: Period, default_months: int) -> bool:
        """In force on some day of the period, not withdrawn, not repaired by its end."""
        return (
            not self.withdrawn
            and self.recorded_on <= period.end
            and self.expires_on(default_months) >= period.start
            and (self.repaired_on is None or self.repaired_on > period.end)
        )


@dataclass(frozen=True)
class IndicatorValue:
    """A figure computed from the platform's data for a company and period, with the rows
    (plain strings) it was computed from."""

    value: Decimal
    evidence: tuple[Mapping[str, str], ...] = ()


@dataclass(frozen=True)
class RecordRule:
    """Points for a record kind (and honour level / veto kind, None: any); ``veto`` items
    send the grade to the lowest whatever the score."""

    kind: str
    points: int
    label: str
    level: str | None = None
    veto: bool = False

    def matches(self, record: ScoredRecord) -> bool:
        detail = record.level if record.kind == RecordKind.HONOUR.value else record.veto_kind
        return record.kind == self.kind and (self.level is None or self.level == detail)


@dataclass(frozen=True)
class Band:
    """Points for a value from ``minimum`` up to ``maximum`` (inclusive; None: no limit)."""

    minimum: Decimal
    maximum: Decimal | None
    points: int


@dataclass(frozen=True)
class IndicatorRule:
    indicator: str
    label: str
    section: str
    bands: tuple[Band, ...]

    def points_for(self, value: Decimal) -> int:
        for band in self.bands:
            if value >= band.minimum and (band.maximum is None or value <= band.maximum):
                return band.points
        return 0


@dataclass(frozen=True)
class CreditRuleSet:
    """信用评价办法: a jurisdiction's named, versioned rules.

    score = base + min(basic, basic_cap) + min(good, good_cap) + bad (bad points are
    negative). Grades are (grade, minimum score) from the best down; the last has no
    minimum. ``clean_floor``: the grade a company with no bad record gets at worst.
    ``veto_grade``: the grade a veto item (一票否决) gives whatever the score, below every band
    (烟台 2022: 严重失信 → 黑名单 below C); none: the lowest band.
    """

    name: str
    version: int
    jurisdiction: str
    base: int
    record_rules: tuple[RecordRule, ...]
    indicator_rules: tuple[IndicatorRule, ...]
    grades: tuple[tuple[str, int | None], ...]
    basic_cap: int | None = None
    good_cap: int | None = None
    clean_floor: str | None = None
    default_validity_months: int = 12
    period_kind: str = "Q"
    objection_days: int = 15
    veto_grade: str | None = None
    # The districts of the jurisdiction: a company serving only these is evaluated under this
    # rule set when none is named (a Yunnan district is governed by none of them).
    districts: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.name.strip() or self.version < 1:
            raise InvalidValue("ruleSet", "needs a name and a version of 1 or more")
        if not self.grades or self.grades[-1][1] is not None:
            raise InvalidValue("ruleSet", "grades must end with the lowest, without a minimum")
        minimums = [m for _, m in self.grades[:-1]]
        if any(m is None for m in minimums) or minimums != sorted(minimums, reverse=True):  # type: ignore[type-var]
            raise InvalidValue("ruleSet", "grade minimums must fall from the best grade down")
        if self.veto_grade is not None and self.veto_grade in dict(self.grades):
            raise InvalidValue("ruleSet", "the veto grade lies below every band, not among them")

    @property
    def key(self) -> str:
        return f"{self.name}/{self.version}"

    @property
    def lowest_grade(self) -> str:
        return self.grades[-1][0]

    @property
    def vetoed_grade(self) -> str:
        return self.veto_grade or self.lowest_grade

    def grade_for(self, score: int, *, vetoed: bool, bad_record: bool) -> str:
        if vetoed:
            return self.vetoed_grade
        grade = next(g for g, minimum in self.grades if minimum is None or score >= minimum)
        if grade == self.lowest_grade and not bad_record and self.clean_floor is not None:
            return self.clean_floor
        return grade

    def rule_for(self, record: ScoredRecord) -> RecordRule | None:
        return next((r for r in self.record_rules if r.matches(record)), None)

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "jurisdiction": self.jurisdiction}


@dataclass(frozen=True)
class Contribution:
    """One line of the breakdown: points from a record or an indicator."""

    section: str
    source: str  # RECORD | INDICATOR
    key: str  # the record id or the indicator name
    label: str
    points: int
    value: str | None = None
    evidence: tuple[Mapping[str, str], ...] = ()
    veto: bool = False

    def to_record(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "source": self.source,
            "key": self.key,
            "label": self.label,
            "points": self.points,
            "value": self.value,
            "evidence": [dict(row) for row in self.evidence],
            "veto": self.veto,
        }


@dataclass(frozen=True)
class Assessment:
    """评价结果: score, grade and every contribution, with the section totals as counted."""

    score: int
    grade: str
    vetoed: bool
    sections: Mapping[str, Mapping[str, int | None]]
    contributions: tuple[Contribution, ...] = field(default=())

    def to_record(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "grade": self.grade,
            "vetoed": self.vetoed,
            "sections": {k: dict(v) for k, v in self.sections.items()},
            "contributions": [c.to_record() for c in self.contributions],
        }


def assess(
    rules: CreditRuleSet,
    period: Period,
    records: Sequence[ScoredRecord],
    indicators: Mapping[str, IndicatorValue],
) -> Assessment:
    """评分: the rule set applied to what counts in the period. An indicator with no value
    (its slice not built yet) earns nothing and says so."""
    if period.kind != rules.period_kind:
        raise InvalidValue("period", f"{rules.name} evaluates periods of kind {rules.period_kind}")
    lines: list[Contribution] = []
    for rule in rules.indicator_rules:
        found = indicators.get(rule.indicator)
        lines.append(
            Contribution(
                section=rule.section,
                source="INDICATOR",
                key=rule.indicator,
                label=rule.label,
                points=0 if found is None else rule.points_for(found.value),
                value=None if found is None else str(found.value),
                evidence=() if found is None else found.evidence,
            )
        )
    for record in sorted(records, key=lambda r: (r.recorded_on, str(r.id))):
        record_rule = rules.rule_for(record)
        if record_rule is None or not record.counts_in(period, rules.default_validity_months):
            continue
        section = Section.GOOD if not record.bad else Section.BAD
        lines.append(
            Contribution(
                section=section.value,
                source="RECORD",
                key=str(record.id),
                label=record_rule.label,
                points=record_rule.points,
                value=record.recorded_on.isoformat(),
                veto=record_rule.veto,
            )
        )
    sections: dict[str, dict[str, int | None]] = {}
    for section, cap in (
        (Section.BASIC, rules.basic_cap),
        (Section.GOOD, rules.good_cap),
        (Section.BAD, None),
    ):
        raw = sum(line.points for line in lines if line.section == section.value)
        counted = raw if cap is None else min(raw, cap)
        sections[section.value] = {"raw": raw, "cap": cap, "counted": counted}
    score = rules.base + sum(int(s["counted"] or 0) for s in sections.values())
    vetoed = any(line.veto for line in lines)
    bad_record = any(
        line.source == "RECORD" and line.section == Section.BAD.value for line in lines
    )
    return Assessment(
        score=score,
        grade=rules.grade_for(score, vetoed=vetoed, bad_record=bad_record),
        vetoed=vetoed,
        sections=sections,
        contributions=tuple(lines),
    )
