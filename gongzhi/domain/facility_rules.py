"""设施与巡检 rules as data: facility types, inspection schedules (versioned), date arithmetic,
and the value checks of areas, defects and photo references.

Sources assumed for rule set ``巡检周期`` version 1 (local rules differ; a city changes them
by adding a version with a later ``effective_from``, never by editing one):

* 灭火器 fire extinguishers: checked monthly (GB 50444-2008 建筑灭火器配置验收及检查规范
  §5.2: at least once a month; half-monthly in some high-risk places);
* 室外消火栓 hydrants: quarterly (GB 25201-2010 建筑消防设施的维护管理, read as the
  common property-company practice; the annual 检测 is a separate professional test);
* 微型消防站 micro fire stations, 消防车通道 fire lanes, 电动自行车充电设施: monthly
  (应急管理部/消防救援局 guidance on 微型消防站 and on e-bike charging; fire lanes must be
  kept clear, 消防法 art. 28);
* 电梯 elevators: 维保 maintenance at least every 15 days (特种设备安全法 art. 45, TSG
  T5002-2017) and the statutory 定期检验 yearly (TSG T7001-2023);
* 监控 cameras, 门禁 access control, 汽车充电桩: quarterly (assumed practice);
* 排水 drainage: half-yearly, and once in the window before the rainy season (汛期前,
  1 April - 31 May, assumed; southern cities start earlier);
* 照明 lighting: monthly; 活动场地 activity grounds (fitness equipment): quarterly (assumed).

Parking spaces and the other public-service spaces have no inspection rule: they are counted
(areas for the ≥ 30 m² per 100 households standard), not inspected.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import uuid4

from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.values import enum_value, required_text

MAX_PHOTOS = 20
MAX_DEFECTS = 50
AREA_PLACES = Decimal("0.01")


class FacilityCategory(enum.Enum):
    FIRE_SAFETY = "FIRE_SAFETY"  # 消防
    SPECIAL_EQUIPMENT = "SPECIAL_EQUIPMENT"  # 特种设备
    SECURITY = "SECURITY"  # 安防
    CHARGING = "CHARGING"  # 充电
    UTILITIES = "UTILITIES"  # 市政配套
    PARKING = "PARKING"  # 停车
    PUBLIC_SERVICE = "PUBLIC_SERVICE"  # 公共服务用房/场地


class FacilityType(enum.Enum):
    """设施类型, each with its category."""

    FIRE_EXTINGUISHER = "FIRE_EXTINGUISHER"  # 灭火器
    FIRE_HYDRANT = "FIRE_HYDRANT"  # 消火栓
    FIRE_LANE = "FIRE_LANE"  # 消防车通道
    MICRO_FIRE_STATION = "MICRO_FIRE_STATION"  # 微型消防站
    ELEVATOR = "ELEVATOR"  # 电梯
    CAMERA = "CAMERA"  # 监控摄像头
    ACCESS_CONTROL = "ACCESS_CONTROL"  # 门禁
    EBIKE_CHARGING = "EBIKE_CHARGING"  # 电动自行车充电设施
    EV_CHARGING = "EV_CHARGING"  # 汽车充电桩
    DRAINAGE = "DRAINAGE"  # 排水设施
    LIGHTING = "LIGHTING"  # 照明
    PARKING_SPACE = "PARKING_SPACE"  # 停车位
    ELDERLY_CARE = "ELDERLY_CARE"  # 养老服务站
    CHILDCARE = "CHILDCARE"  # 托育
    CANTEEN = "CANTEEN"  # 社区食堂
    ACTIVITY_GROUND = "ACTIVITY_GROUND"  # 活动场地
    SERVICE_STATION = "SERVICE_STATION"  # 便民服务站
    HEALTH_STATION = "HEALTH_STATION"  # 卫生服务站
    CULTURAL_ROOM = "CULTURAL_ROOM"  # 文化活动室


CATEGORY: dict[str, str] = {
    "FIRE_EXTINGUISHER": "FIRE_SAFETY",
    "FIRE_HYDRANT": "FIRE_SAFETY",
    "FIRE_LANE": "FIRE_SAFETY",
    "MICRO_FIRE_STATION": "FIRE_SAFETY",
    "ELEVATOR": "SPECIAL_EQUIPMENT",
    "CAMERA": "SECURITY",
    "ACCESS_CONTROL": "SECURITY",
    "EBIKE_CHARGING": "CHARGING",
    "EV_CHARGING": "CHARGING",
    "DRAINAGE": "UTILITIES",
    "LIGHTING": "UTILITIES",
    "PARKING_SPACE": "PARKING",
    "ELDERLY_CARE": "PUBLIC_SERVICE",
    "CHILDCARE": "PUBLIC_SERVICE",
    "CANTEEN": "PUBLIC_SERVICE",
    "ACTIVITY_GROUND": "PUBLIC_SERVICE",
    "SERVICE_STATION": "PUBLIC_SERVICE",
    "HEALTH_STATION": "PUBLIC_SERVICE",
    "CULTURAL_ROOM": "PUBLIC_SERVICE",
}

# Things that exist once per record: each elevator has its own registration certificate and
# statutory inspection, a fire lane or a space is one place. Countable things (40
# extinguishers on one site, 12 cameras at a gate) may be one record with a quantity, inspected
# together on one round; record them separately when they are inspected separately.
SINGLE = frozenset(
    {"ELEVATOR", "FIRE_LANE", "MICRO_FIRE_STATION"}
    | {t for t, c in CATEGORY.items() if c == "PUBLIC_SERVICE"}
)
# Types located in a building (an elevator serves a building, or one of its entrances).
IN_BUILDING = frozenset({"ELEVATOR"})

# 消防全覆盖 "required" fire-safety facilities: each group is satisfied by any one of its types.
REQUIRED_FIRE_SAFETY: tuple[tuple[str, ...], ...] = (
    ("FIRE_EXTINGUISHER",),
    ("FIRE_HYDRANT", "MICRO_FIRE_STATION"),
    ("FIRE_LANE",),
)


class FacilityStatus(enum.Enum):
    IN_SERVICE = "IN_SERVICE"  # 在用
    FAULTY = "FAULTY"  # 故障 (still there, needs repair)
    OUT_OF_SERVICE = "OUT_OF_SERVICE"  # 停用 (not in use: not inspected, not counted)
    RETIRED = "RETIRED"  # 报废/拆除 (final)


class InspectionKind(enum.Enum):
    ROUTINE = "ROUTINE"  # 日常巡检
    MAINTENANCE = "MAINTENANCE"  # 维保 (elevators)
    STATUTORY = "STATUTORY"  # 定期检验 by the special-equipment inspection body
    SPOT_CHECK = "SPOT_CHECK"  # 抽查 (fire brigade, regulator): recorded, schedule unchanged


class InspectionOutcome(enum.Enum):
    PASS = "PASS"  # 合格
    DEFECTS = "DEFECTS"  # 发现问题


class Severity(enum.Enum):
    MINOR = "MINOR"  # 一般
    MAJOR = "MAJOR"  # 较大
    CRITICAL = "CRITICAL"  # 重大隐患


@dataclass(frozen=True)
class InspectionRule:
    """One schedule: ``facility_type`` needs an inspection of ``kind`` every ``months`` months
    or ``days`` days, and, with a ``window``, also one within (start, end) (month, day) each
    year — e.g. drainage before the rainy season."""

    facility_type: str
    kind: str
    months: int = 0
    days: int = 0
    window: tuple[tuple[int, int], tuple[int, int]] | None = None

    def next_due(self, last: date) -> date:
        """The last day by which the next inspection is due, after one on ``last``."""
        due = (
            add_months(last, self.months)
            if self.months
            else date.fromordinal(last.toordinal() + self.days)
        )
        if self.window is not None:
            due = min(due, _next_window_end(last, self.window))
        return due


@dataclass(frozen=True)
class InspectionRuleSet:
    name: str
    version: int
    effective_from: date
    rules: tuple[InspectionRule, ...]

    def rules_for(self, facility_type: str) -> tuple[InspectionRule, ...]:
        return tuple(r for r in self.rules if r.facility_type == facility_type)

    def rule(self, facility_type: str, kind: str) -> InspectionRule | None:
        return next((r for r in self.rules_for(facility_type) if r.kind == kind), None)


RAINY_SEASON_WINDOW = ((4, 1), (5, 31))

INSPECTION_RULE_SETS: tuple[InspectionRuleSet, ...] = (
    InspectionRuleSet(
        name="巡检周期",
        version=1,
        effective_from=date(2000, 1, 1),
        rules=(
            InspectionRule("FIRE_EXTINGUISHER", "ROUTINE", months=1),
            InspectionRule("FIRE_HYDRANT", "ROUTINE", months=3),
            InspectionRule("FIRE_LANE", "ROUTINE", months=1),
            InspectionRule("MICRO_FIRE_STATION", "ROUTINE", months=1),
            InspectionRule("ELEVATOR", "MAINTENANCE", days=15),
            InspectionRule("ELEVATOR", "STATUTORY", months=12),
            InspectionRule("CAMERA", "ROUTINE", months=3),
            InspectionRule("ACCESS_CONTROL", "ROUTINE", months=3),
            InspectionRule("EBIKE_CHARGING", "ROUTINE", months=1),
            InspectionRule("EV_CHARGING", "ROUTINE", months=3),
            InspectionRule("DRAINAGE", "ROUTINE", months=6, window=RAINY_SEASON_WINDOW),
            InspectionRule("LIGHTING", "ROUTINE", months=1),
            InspectionRule("ACTIVITY_GROUND", "ROUTINE", months=3),
        ),
    ),
)


def rule_set_on(day: date) -> InspectionRuleSet:
    """The rule set in force on ``day``: the latest one effective by then."""
    in_force = [r for r in INSPECTION_RULE_SETS if r.effective_from <= day]
    return max(in_force, key=lambda r: (r.effective_from, r.version))


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def completed_months(start: date, on: date) -> int:
    """Whole months from ``start`` to ``on`` (0 before ``start``); agrees with PostgreSQL's
    ``age()``: 31 Jan → 28 Feb is 0 months, 31 Jan → 31 Mar is 2."""
    if on <= start:
        return 0
    months = (on.year - start.year) * 12 + on.month - start.month
    return months - 1 if on.day < start.day else months


def _next_window_end(last: date, window: tuple[tuple[int, int], tuple[int, int]]) -> date:
    """The end of the first yearly window not yet covered by an inspection on ``last``."""
    (start_month, start_day), (end_month, end_day) = window
    start = date(last.year, start_month, start_day)
    end = date(last.year, end_month, end_day)
    if last < start:
        return end  # this year's window is still ahead
    return date(last.year + 1, end_month, end_day)  # inside or after it: next year's


def service_area(kind: str, category: str, value: Decimal | str | None) -> Decimal | None:
    """建筑/场地面积 m², exact to the hundredth, for public-service spaces only."""
    if category != "PUBLIC_SERVICE":
        if value is not None:
            raise InvalidValue("areaM2", "only public-service spaces have an area")
        return None
    if value is None:
        raise InvalidValue("areaM2", f"give the area of the {kind} in m²")
    try:
        area = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidValue("areaM2", "must be a number of square metres") from None
    if not area.is_finite():
        raise InvalidValue("areaM2", "must be a number of square metres")
    if area <= 0:
        raise InvalidValue("areaM2", "must be greater than zero")
    if area != area.quantize(AREA_PLACES):
        raise InvalidValue("areaM2", "must have at most two decimal places")
    if area >= Decimal("1000000"):
        raise InvalidValue("areaM2", "must be less than 1000000 m²")
    return area.quantize(AREA_PLACES)


def defect_list(outcome: str, defects: list[tuple[str, str]]) -> list[dict[str, Any]]:
    if outcome == InspectionOutcome.PASS.value and defects:
        raise InvalidValue("defects", "a PASS has no defects; record the outcome as DEFECTS")
    if outcome == InspectionOutcome.DEFECTS.value and not defects:
        raise InvalidValue("defects", "name at least one defect, or record the outcome as PASS")
    if len(defects) > MAX_DEFECTS:
        raise InvalidValue("defects", f"at most {MAX_DEFECTS} defects per inspection")
    return [
        {
            "defect_id": uuid4(),
            "description": required_text(f"defects.{i}.description", description),
            "severity": enum_value(f"defects.{i}.severity", Severity, severity),
        }
        for i, (description, severity) in enumerate(defects)
    ]


def photo_refs_of(refs: list[str]) -> list[str]:
    if len(refs) > MAX_PHOTOS:
        raise InvalidValue("photoRefs", f"at most {MAX_PHOTOS} photos per inspection")
    return [required_text(f"photoRefs.{i}", ref, max_length=500) for i, ref in enumerate(refs)]
