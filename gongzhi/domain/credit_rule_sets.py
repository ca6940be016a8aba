"""The shipped 信用评价 rule sets, as data (see DOMAIN.md "Credit evaluation").

Indicator names are those the worker's indicator registry provides; a rule naming one that is
not registered yet scores 0 and shows "no value" until its slice registers it.

- ``shandong-yantai-2022`` (烟台 2022 shape): basic information ≤ 80 (indicators), good records
  ≤ 40 (honours), minus bad records; AAA ≥ 85, AA 80-85, A 70-80, B 60-70, C < 60, but a
  company with no bad record is never below B. Versions 1 and 2 scored a veto-kind record as a
  heavy bad record only (-20, so a company at 85 ended at B); from version 3 严重失信 is a veto
  item, as the Yantai rules make it: the company goes to 黑名单, below C, whatever its score.
- ``lianyungang-base-90`` (连云港-like): base 90 plus additions, minus deductions; a veto item
  (misusing the maintenance fund, refusing to leave after the contract) gives B whatever the
  score; 4A ≥ 140, 3A ≥ 120, 2A ≥ 100, A ≥ 85, B below.

Version 1 of each scores management scale and red property only. Version 2 adds service
quality from the platform's own events (SLA on-time rate and breaches, substantiated
complaints, 收费率, survey satisfaction). A published version never changes: earlier
evaluations name their version and stay reproducible; ``credit_rule_set(name)`` and the
default take the latest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
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
BASIC, GOOD, BAD = Section.BASIC.value, Section.GOOD.value, Section.BAD.value
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


# 烟台市 and 连云港市 districts and counties, by their names as communities are registered.
YANTAI_DISTRICTS = frozenset(
    {
        "芝罘区",
        "福山区",
        "牟平区",
        "莱山区",
        "蓬莱区",
        "龙口市",
        "莱阳市",
        "莱州市",
        "招远市",
        "栖霞市",
        "海阳市",
    }
)
LIANYUNGANG_DISTRICTS = frozenset({"海州区", "连云区", "赣榆区", "东海县", "灌云县", "灌南县"})

SHANDONG_YANTAI_2022 = CreditRuleSet(
    name="shandong-yantai-2022",
    version=1,
    jurisdiction="山东省烟台市",
    districts=YANTAI_DISTRICTS,
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
    districts=LIANYUNGANG_DISTRICTS,
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


# --- version 2: service quality (服务质量) from the platform's own events ---------------------
#
# The providers give percentages and rates per 100 to the hundredth, so a band ends 0.01 below
# where the next one starts (``steps``). Thresholds are ours where DOMAIN.md gives none; the
# sizes of deductions follow Shanghai's 1 / 3 / 6 (of 18 / 6 / 3 / 1, DOMAIN.md "Credit
# evaluation"): an event-derived rate is never as grave as a court loss (5) or a penalty.

CENT = D("0.01")


def steps(*rows: tuple[str, int]) -> tuple[Band, ...]:
    """Bands from (minimum, points) rows in rising order; each runs up to the next minimum
    (exclusive, to the hundredth) and the last has no limit."""
    minimums = [D(lo) for lo, _ in rows]
    ends: list[Decimal | None] = [hi - CENT for hi in minimums[1:]]
    return tuple(
        Band(lo, hi, p) for lo, hi, (_, p) in zip(minimums, [*ends, None], rows, strict=True)
    )


def service_deductions() -> tuple[IndicatorRule, ...]:
    """不良信息 from events, the same in both shapes (the bad section is never capped)."""
    return (
        # Work orders (seed: Quzhou): dispatch within 24 h, response within 24 h; "overdue
        # ones are flagged and count against the company". Breaches per 100 orders: any up to
        # 5: -1, over 5: -3, over 10: -6.
        IndicatorRule(
            "sla_breaches_per_100_orders",
            "工单超时(次/百单)",
            BAD,
            steps(("0", 0), ("0.01", -1), ("5.01", -3), ("10.01", -6)),
        ),
        # Complaints per 100 households served, counting substantiated (属实) findings only:
        # anyone may file, and a complaint found groundless is no fault of the company.
        # Any up to 1: -1, over 1: -3, over 3: -6.
        IndicatorRule(
            "complaint_rate",
            "属实投诉率(件/百户)",
            BAD,
            steps(("0", 0), ("0.01", -1), ("1.01", -3), ("3.01", -6)),
        ),
    )


# Yantai 2022 v2. Basic information (≤ 80) now includes service quality (40 of the 80):
# management scale and red property are scaled down to 24 and 16 so that the three parts sum
# to the cap and service quality can still tell two large companies apart (in v1 scale and
# red property alone could reach 82, so the cap hid everything else).
YANTAI_SERVICE_QUALITY = (
    # Share of dispatch and response steps done within their 24 h (DOMAIN.md "Work orders").
    IndicatorRule(
        "sla_on_time_rate",
        "工单按时派单响应率(%)",
        BASIC,
        steps(("80", 3), ("90", 6), ("95", 9), ("98", 12)),
    ),
    # 收费率 = collected ÷ billed for the period (DOMAIN.md "Fees"); fee collection is one of
    # Beijing 2026's indicators (DOMAIN.md "Credit evaluation").
    IndicatorRule(
        "fee_collection_rate",
        "物业费收费率(%)",
        BASIC,
        steps(("70", 3), ("80", 6), ("90", 10), ("95", 14)),
    ),
    # Share of survey ratings of 4 or 5; the top band starts at the 97 % Hangzhou reached after
    # a professional company took over (DOMAIN.md "Figures from the seeds").
    IndicatorRule(
        "satisfaction",
        "业主满意度(%)",
        BASIC,
        steps(("70", 3), ("80", 6), ("90", 10), ("97", 14)),
    ),
)

SHANDONG_YANTAI_2022_V2 = CreditRuleSet(
    name="shandong-yantai-2022",
    version=2,
    jurisdiction="山东省烟台市",
    districts=YANTAI_DISTRICTS,
    base=0,
    basic_cap=80,
    good_cap=40,
    clean_floor="B",
    record_rules=SHANDONG_YANTAI_2022.record_rules,
    indicator_rules=(
        IndicatorRule(
            "management_scale",
            "管理规模(在管小区数)",
            BASIC,
            bands((1, 1, 10), (2, 4, 15), (5, 9, 20), (10, None, 24)),
        ),
        *red_property(BASIC, 1),
        *YANTAI_SERVICE_QUALITY,
        *service_deductions(),
    ),
    grades=SHANDONG_YANTAI_2022.grades,
)

# Lianyungang v2: base 90 with additions and deductions; service quality adds up to 3 points
# per indicator (the size of a city honour) and the event deductions take off 1 / 3 / 6.
LIANYUNGANG_BASE_90_V2 = CreditRuleSet(
    name="lianyungang-base-90",
    version=2,
    jurisdiction="江苏省连云港市",
    districts=LIANYUNGANG_DISTRICTS,
    base=90,
    record_rules=LIANYUNGANG_BASE_90.record_rules,
    indicator_rules=(
        *LIANYUNGANG_BASE_90.indicator_rules,
        IndicatorRule(
            "sla_on_time_rate",
            "工单按时派单响应率(%)",
            GOOD,
            steps(("90", 1), ("95", 2), ("98", 3)),
        ),
        IndicatorRule(
            "fee_collection_rate", "物业费收费率(%)", GOOD, steps(("80", 1), ("90", 2), ("95", 3))
        ),
        IndicatorRule(
            "satisfaction", "业主满意度(%)", GOOD, steps(("80", 1), ("90", 2), ("97", 3))
        ),
        *service_deductions(),
    ),
    grades=LIANYUNGANG_BASE_90.grades,
)

# Yantai v3: v2 with 严重失信 as the veto item it is (列入黑名单), still costing its 20 points
# so the score shows the record too. v1 and v2 stay as published (earlier evaluations name them).
SHANDONG_YANTAI_2022_V3 = dataclasses.replace(
    SHANDONG_YANTAI_2022_V2,
    version=3,
    record_rules=(
        *SHANDONG_YANTAI_2022_V2.record_rules[:-1],
        RecordRule(K.VETO.value, -20, "严重失信行为", veto=True),
    ),
    veto_grade="黑名单",
)

CREDIT_RULE_SETS: dict[str, CreditRuleSet] = {
    r.key: r
    for r in (
        SHANDONG_YANTAI_2022,
        SHANDONG_YANTAI_2022_V2,
        SHANDONG_YANTAI_2022_V3,
        LIANYUNGANG_BASE_90,
        LIANYUNGANG_BASE_90_V2,
    )
}
DEFAULT_RULE_SET = SHANDONG_YANTAI_2022_V3


def rule_set_for_districts(districts: Iterable[str]) -> CreditRuleSet:
    """The latest rule set of the one jurisdiction governing every district a company serves;
    a company serving nowhere yet: the default. ``InvalidValue`` when a district is governed
    by none (the regulator names one) or the districts by different ones."""
    wanted = sorted(set(districts))
    if not wanted:
        return DEFAULT_RULE_SET
    names = {r.name for r in CREDIT_RULE_SETS.values() if set(wanted) <= r.districts}
    if len(names) != 1:
        known = ", ".join(f"{r.name} ({r.jurisdiction})" for r in latest_rule_sets())
        raise InvalidValue(
            "ruleSet", f"no one credit rule set governs {', '.join(wanted)}: name one of {known}"
        )
    return credit_rule_set(names.pop())


def latest_rule_sets() -> list[CreditRuleSet]:
    """The latest version of each shipped rule set, by name."""
    return [credit_rule_set(name) for name in sorted({r.name for r in CREDIT_RULE_SETS.values()})]


def credit_rule_set(key: str | None, field_name: str = "ruleSet") -> CreditRuleSet:
    """A shipped rule set by ``name/version``, or by name (its latest version); the default
    (Yantai 2022, latest version) when none is given."""
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
