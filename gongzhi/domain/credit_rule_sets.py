"""The shipped 信用评价 rule sets, as data (see DOMAIN.md "Credit evaluation").

Indicator names are those the worker's indicator registry provides; a rule naming one that is
not registered yet scores 0 and shows "no value" until its slice registers it.

- ``shandong-yantai-2022`` (烟台 2022 shape): basic information ≤ 80 (indicators), good records
  ≤ 40 (honours), minus bad records; AAA ≥ 85, AA 80-85, A 70-80, B 60-70, C < 60, but a
  company with no bad record is never below B. A veto-kind record there is a heavy bad record
  (the Yantai shape has no veto items).
- ``lianyungang-base-90`` (连云港-like): base 90 plus additions, minus deductions; a veto item
  (misusing the maintenance fund, refusing to leave after the contract) gives B whatever the
  score; 4A ≥ 140, 3A ≥ 120, 2A ≥ 100, A ≥ 85, B below.
"""

from __future__ import annotations

from decimal import Decimal

from gongzhi.domain.credit_rules import (
    Band,
    CreditRuleSet,
    IndicatorRule,
    RecordKind,
    RecordRule,
    Section,
    VetoKind,
)
from gongzhi.domain.errors import InvalidValue

D = Decimal
BASIC, GOOD = Section.BASIC.value, Section.GOOD.value
K = RecordKind
LEVELS = ("NATIONAL", "PROVINCIAL", "CITY", "DISTRICT", "STREET")
LEVEL_LABELS = dict(zip(LEVELS, ("国家级", "省级", "市级", "区级", "街道级"), strict=True))


def honours(points: tuple[int, int, int, int, int]) -> tuple[RecordRule, ...]:
    return tuple(
        RecordRule(K.HONOUR.value, p, f"{LEVEL_LABELS[level]}表彰", level=level)
        for level, p in zip(LEVELS, points, strict=True)
    )


def deductions(points: int, penalty: int) -> tuple[RecordRule, ...]:
    return (
        RecordRule(K.PENALTY.value, -penalty, "行政处罚"),
        RecordRule(K.COURT_LOSS.value, -points, "诉讼败诉"),
        RecordRule(K.ARBITRATION_LOSS.value, -points, "仲裁败诉"),
        RecordRule(K.COMMON_INCOME_NOT_PUBLISHED.value, -points, "未公示共有部分收益"),
        RecordRule(K.UNAUTHORISED_PRICE_CHANGE.value, -points, "擅自调价"),
    )


def bands(*rows: tuple[int, int | None, int]) -> tuple[Band, ...]:
    return tuple(Band(D(lo), None if hi is None else D(hi), p) for lo, hi, p in rows)


# Red property (DOMAIN.md): party organisation approved 5, party members among staff
# <3: 1, 3-5: 3, >5: 5, cross-appointment 3; red stewards (红管家) in the communities served.
def red_property(section: str, scale: int) -> tuple[IndicatorRule, ...]:
    return (
        IndicatorRule("party_organisation", "党组织批准成立", section, bands((1, None, 5 * scale))),
        IndicatorRule(
            "party_members_among_staff",
            "物业从业人员中党员人数",
            section,
            bands((0, 2, scale), (3, 5, 3 * scale), (6, None, 5 * scale)),
        ),
        IndicatorRule("cross_appointments", "交叉任职", section, bands((1, None, 3 * scale))),
        IndicatorRule(
            "red_stewards", "红管家", section, bands((1, 2, 2 * scale), (3, None, 3 * scale))
        ),
    )


SHANDONG_YANTAI_2022 = CreditRuleSet(
    name="shandong-yantai-2022",
    version=1,
    jurisdiction="山东省烟台市",
    base=0,
    basic_cap=80,
    good_cap=40,
    clean_floor="B",
    record_rules=(
        *honours((20, 15, 10, 6, 3)),
        *deductions(5, penalty=10),
        RecordRule(K.VETO.value, -20, "严重失信行为"),
    ),
    indicator_rules=(
        IndicatorRule(
            "management_scale",
            "管理规模(在管小区数)",
            BASIC,
            bands((1, 1, 20), (2, 4, 30), (5, 9, 40), (10, None, 50)),
        ),
        *red_property(BASIC, 2),
    ),
    grades=(("AAA", 85), ("AA", 80), ("A", 70), ("B", 60), ("C", None)),
)

LIANYUNGANG_BASE_90 = CreditRuleSet(
    name="lianyungang-base-90",
    version=1,
    jurisdiction="江苏省连云港市",
    base=90,
    record_rules=(
        *honours((5, 4, 3, 2, 1)),
        *deductions(5, penalty=5),
        RecordRule(
            K.VETO.value,
            0,
            "挪用维修资金",
            level=VetoKind.MAINTENANCE_FUND_MISUSED.value,
            veto=True,
        ),
        RecordRule(
            K.VETO.value, 0, "合同终止拒不退出", level=VetoKind.REFUSED_TO_LEAVE.value, veto=True
        ),
    ),
    indicator_rules=(
        IndicatorRule(
            "management_scale", "管理规模(在管小区数)", GOOD, bands((5, 9, 2), (10, None, 5))
        ),
        *red_property(GOOD, 1),
    ),
    grades=(("AAAA", 140), ("AAA", 120), ("AA", 100), ("A", 85), ("B", None)),
)

CREDIT_RULE_SETS: dict[str, CreditRuleSet] = {
    r.key: r for r in (SHANDONG_YANTAI_2022, LIANYUNGANG_BASE_90)
}
DEFAULT_RULE_SET = SHANDONG_YANTAI_2022


def credit_rule_set(key: str | None, field_name: str = "ruleSet") -> CreditRuleSet:
    """A shipped rule set by ``name/version``, or by name (its latest version); the default
    (Yantai 2022) when none is given."""
    if key is None or not key.strip():
        return DEFAULT_RULE_SET
    wanted = key.strip()
    found = CREDIT_RULE_SETS.get(wanted)
    if found is not None:
        return found
    versions = [r for r in CREDIT_RULE_SETS.values() if r.name == wanted]
    if not versions:
        known = ", ".join(sorted(CREDIT_RULE_SETS))
        raise InvalidValue(field_name, f"no credit rule set {wanted}; known: {known}")
    return max(versions, key=lambda r: r.version)
