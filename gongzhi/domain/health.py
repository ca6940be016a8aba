"""小区长效管理健康指数: a community's maintenance health, 0–100, per half-year.

The index is a weighted mean of component scores, each 0–100 and computed from documented
inputs the worker gathers from the views (``HealthInputs``). ``coverage`` says how much of
the weight had data. Version 1 left a component without data (no facilities registered, no
work orders, no bills …) out and scaled the remaining weights up, so missing data could raise
a rank (55 % covered ranked first at 68.5). From version 2 a component without data counts at
the configuration's ``missing_score`` (0: missing data never scores better than any data), and
only an assessment covering ``min_coverage`` of the weight is ranked. The weights are a
versioned configuration (``HEALTH_CONFIGS``): a new weighting is a new version, so earlier
assessments stay reproducible.

``HealthAssessment`` records one assessment per community, period and configuration version:
its id is derived from them, so a redelivered job finds the assessment it made and records
nothing new; a later run on changed data records a ``Revised`` event, keeping the history.
``HealthRun`` records the requests for a district's run (the projection queues the jobs).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.credit_rules import Period
from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.values import required_text

HEALTH_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/health-assessment")
HUNDRED = Decimal(100)
ONE_DECIMAL = Decimal("0.1")
FUND_THRESHOLD = Decimal("0.30")  # DOMAIN.md: 维修资金 below 30 % of the first deposit


@dataclass(frozen=True)
class HealthInputs:
    """What the worker reads about one community for one period (as of ``as_of``)."""

    # 设施: records in use (in service or faulty) on the day, faulty ones, past their life
    facilities_in_use: int = 0
    facilities_faulty: int = 0
    facilities_past_life: int = 0
    # 消防: required fire-safety groups (extinguishers, hydrants, lanes …) and those covered
    fire_groups_required: int = 0
    fire_groups_covered: int = 0
    # 巡检: scheduled inspections of facilities in use, and those overdue on the day
    inspections_scheduled: int = 0
    inspections_overdue: int = 0
    elevator_inspection_overdue: bool = False
    # 隐患: open defects by severity
    defects_minor: int = 0
    defects_major: int = 0
    defects_critical: int = 0
    # 报事报修: deadlines that fell due in the period and those met
    sla_deadlines: int = 0
    sla_met: int = 0
    # 物业费: bills due in the period, billed and collected (fen)
    billed_fen: int = 0
    collected_fen: int = 0
    # 维修资金: balance and first deposits (fen); no fund: both 0
    fund_balance_fen: int = 0
    fund_first_deposits_fen: int = 0
    # 治理: committee in office / term expired, a service contract in force, party organisation
    committee_in_office: bool = False
    committee_term_expired: bool = False
    contract_in_force: bool = False
    party_organisation: bool = False
    # 满意度: survey ratings given in the period, and those ≥ 4
    ratings: int = 0
    satisfied_ratings: int = 0
    # 投诉: complaints filed in the period, and active households
    complaints: int = 0
    households: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(part: int, whole: int) -> Decimal:
    return Decimal(part) / Decimal(whole)


def _clamp(score: Decimal) -> Decimal:
    return min(HUNDRED, max(Decimal(0), score)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


# Each component: (label, the inputs it shows, score function → 0–100 or None for no data).
def _facility_condition(i: HealthInputs) -> Decimal | None:
    """In-service share, less half the share past its expected life."""
    if not i.facilities_in_use:
        return None
    working = _ratio(i.facilities_in_use - i.facilities_faulty, i.facilities_in_use)
    aged = _ratio(i.facilities_past_life, i.facilities_in_use)
    return HUNDRED * (working - aged / 2)


def _inspections(i: HealthInputs) -> Decimal | None:
    """Share of scheduled inspections not overdue."""
    if not i.inspections_scheduled:
        return None
    return HUNDRED * (1 - _ratio(i.inspections_overdue, i.inspections_scheduled))


def _open_defects(i: HealthInputs) -> Decimal | None:
    """100 less 5 per open minor defect, 15 per major, 40 per critical (重大隐患)."""
    if not i.facilities_in_use:
        return None
    return HUNDRED - 5 * i.defects_minor - 15 * i.defects_major - 40 * i.defects_critical


def _sla(i: HealthInputs) -> Decimal | None:
    """Share of dispatch and response deadlines met (24 h / 24 h by default)."""
    if not i.sla_deadlines:
        return None
    return HUNDRED * _ratio(i.sla_met, i.sla_deadlines)


def _fee_collection(i: HealthInputs) -> Decimal | None:
    """收费率: collected ÷ billed on the bills due in the period."""
    if not i.billed_fen:
        return None
    return HUNDRED * _ratio(i.collected_fen, i.billed_fen)


def _fund_adequacy(i: HealthInputs) -> Decimal | None:
    """100 at or above 30 % of the first deposits; proportionally less below."""
    if not i.fund_first_deposits_fen:
        return None
    share = _ratio(i.fund_balance_fen, i.fund_first_deposits_fen)
    return HUNDRED if share >= FUND_THRESHOLD else HUNDRED * share / FUND_THRESHOLD


def _governance(i: HealthInputs) -> Decimal | None:
    """Committee in office 40, a service contract in force 30, a party organisation 30."""
    return Decimal(
        40 * i.committee_in_office + 30 * i.contract_in_force + 30 * i.party_organisation
    )


def _satisfaction(i: HealthInputs) -> Decimal | None:
    """Share of survey ratings of 4 or 5 (满意)."""
    if not i.ratings:
        return None
    return HUNDRED * _ratio(i.satisfied_ratings, i.ratings)


def _complaints(i: HealthInputs) -> Decimal | None:
    """100 less 20 per complaint per 100 households."""
    if not i.households:
        return None
    return HUNDRED - 20 * HUNDRED * _ratio(i.complaints, i.households)


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    inputs: tuple[str, ...]
    score: Callable[[HealthInputs], Decimal | None]


COMPONENTS: dict[str, Component] = {
    c.key: c
    for c in (
        Component(
            "facility_condition",
            "设施状况与年限",
            ("facilities_in_use", "facilities_faulty", "facilities_past_life"),
            _facility_condition,
        ),
        Component(
            "inspections",
            "巡检按期",
            ("inspections_scheduled", "inspections_overdue"),
            _inspections,
        ),
        Component(
            "open_defects",
            "未整改隐患",
            ("defects_minor", "defects_major", "defects_critical"),
            _open_defects,
        ),
        Component("sla", "报事报修时效", ("sla_deadlines", "sla_met"), _sla),
        Component(
            "fee_collection", "物业费收缴率", ("billed_fen", "collected_fen"), _fee_collection
        ),
        Component(
            "fund_adequacy",
            "维修资金充足",
            ("fund_balance_fen", "fund_first_deposits_fen"),
            _fund_adequacy,
        ),
        Component(
            "governance",
            "治理(业委会·合同·党组织)",
            ("committee_in_office", "contract_in_force", "party_organisation"),
            _governance,
        ),
        Component("satisfaction", "满意度", ("ratings", "satisfied_ratings"), _satisfaction),
        Component("complaints", "投诉", ("complaints", "households"), _complaints),
    )
}


class RiskFlag(enum.Enum):
    """风险提示 shown beside the rank."""

    FIRE_SAFETY_INCOMPLETE = "FIRE_SAFETY_INCOMPLETE"  # 消防设施覆盖率 < 100 %
    ELEVATOR_INSPECTION_OVERDUE = "ELEVATOR_INSPECTION_OVERDUE"  # 电梯定期检验超期
    FUND_BELOW_30 = "FUND_BELOW_30"  # 维修资金低于首期 30 %
    COMMITTEE_TERM_EXPIRED = "COMMITTEE_TERM_EXPIRED"  # 业委会任期届满未换届
    CRITICAL_DEFECT_OPEN = "CRITICAL_DEFECT_OPEN"  # 重大隐患未整改
    NO_SERVICE = "NO_SERVICE"  # 无物业服务合同 (无人管)


def risk_flags(i: HealthInputs) -> list[str]:
    checks = {
        RiskFlag.FIRE_SAFETY_INCOMPLETE: i.fire_groups_covered < i.fire_groups_required,
        RiskFlag.ELEVATOR_INSPECTION_OVERDUE: i.elevator_inspection_overdue,
        RiskFlag.FUND_BELOW_30: bool(i.fund_first_deposits_fen)
        and _ratio(i.fund_balance_fen, i.fund_first_deposits_fen) < FUND_THRESHOLD,
        RiskFlag.COMMITTEE_TERM_EXPIRED: i.committee_term_expired,
        RiskFlag.CRITICAL_DEFECT_OPEN: i.defects_critical > 0,
        RiskFlag.NO_SERVICE: not i.contract_in_force,
    }
    return [flag.value for flag, raised in checks.items() if raised]


@dataclass(frozen=True)
class HealthConfig:
    """健康指数权重: a named, versioned weighting of the components (weights sum to 100)."""

    name: str
    version: int
    weights: Mapping[str, int]
    # The score a component without data counts at (None: left out, the others scaled up).
    missing_score: int | None = None
    # The coverage (weight with data, of 100) an assessment needs to be ranked.
    min_coverage: int = 0

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(COMPONENTS)
        if unknown or sum(self.weights.values()) != 100:
            raise ValueError(f"{self.key}: weights must name known components and sum to 100")
        if not 0 <= self.min_coverage <= 100 or not 0 <= (self.missing_score or 0) <= 100:
            raise ValueError(f"{self.key}: min_coverage and missing_score are 0 to 100")

    @property
    def key(self) -> str:
        return f"{self.name}/{self.version}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "weights": dict(self.weights),
            "missing_score": self.missing_score,
            "min_coverage": self.min_coverage,
        }


WEIGHTS_V1 = {
    "facility_condition": 15,
    "inspections": 10,
    "open_defects": 10,
    "sla": 15,
    "fee_collection": 10,
    "fund_adequacy": 10,
    "governance": 15,
    "satisfaction": 10,
    "complaints": 5,
}

HEALTH_CONFIGS: dict[str, HealthConfig] = {
    c.key: c
    for c in (
        HealthConfig("gongzhi-health", 1, WEIGHTS_V1),
        # Missing data scores 0 and a rank needs 60 % of the weight covered by data.
        HealthConfig("gongzhi-health", 2, WEIGHTS_V1, missing_score=0, min_coverage=60),
    )
}
DEFAULT_HEALTH_CONFIG = HEALTH_CONFIGS["gongzhi-health/2"]


def health_config(key: str | None, field_name: str = "config") -> HealthConfig:
    """A configuration by ``name/version`` or by name (its latest version); the default."""
    if key is None or not key.strip():
        return DEFAULT_HEALTH_CONFIG
    wanted = key.strip()
    if wanted in HEALTH_CONFIGS:
        return HEALTH_CONFIGS[wanted]
    versions = [c for c in HEALTH_CONFIGS.values() if c.name == wanted]
    if not versions:
        known = ", ".join(sorted(HEALTH_CONFIGS))
        raise InvalidValue(field_name, f"no health index configuration {wanted}; known: {known}")
    return max(versions, key=lambda c: c.version)


def half_year(value: str, field_name: str = "period") -> Period:
    """A half-year like ``2026H1``: the health index is published every half-year (每半年度)."""
    period = Period.parse(value, field_name)
    if period.kind != "H":
        raise InvalidValue(field_name, "must be a half-year like 2026H1")
    return period


def previous_half_year(period: Period) -> Period:
    return Period.containing(date.fromordinal(period.start.toordinal() - 1), "H")


def assess_health(config: HealthConfig, inputs: HealthInputs) -> dict[str, Any]:
    """The index, its coverage, every component (inputs, weight, score) and the risk flags.

    Plain JSON values (Decimals as strings), as recorded in the assessment's event."""
    components: list[dict[str, Any]] = []
    weighted = Decimal(0)
    weight_with_data = weight_counted = 0
    for key, weight in config.weights.items():
        component = COMPONENTS[key]
        raw = component.score(inputs)
        score = None if raw is None else _clamp(raw)
        missing = None if config.missing_score is None else Decimal(config.missing_score)
        counted = score if score is not None else missing
        if score is not None:
            weight_with_data += weight
        if counted is not None:
            weighted += counted * weight
            weight_counted += weight
        values = inputs.as_dict()
        components.append(
            {
                "key": key,
                "label": component.label,
                "weight": weight,
                "score": None if score is None else str(score),
                "counted": None if counted is None else str(counted),
                "inputs": {name: values[name] for name in component.inputs},
            }
        )
    index = (
        None
        if not weight_with_data
        else (weighted / weight_counted).quantize(ONE_DECIMAL, ROUND_HALF_UP)
    )
    return {
        "index": None if index is None else str(index),
        "coverage": weight_with_data,
        "components": components,
        "flags": risk_flags(inputs),
    }


class HealthAssessment(Aggregate):
    """健康评估 of one community for one half-year under one configuration version."""

    class Assessed(Aggregate.Created):
        community_id: UUID
        district: str
        period: str
        period_start: date
        period_end: date
        config: dict[str, Any]
        as_of: date
        result: dict[str, Any]

    class Revised(Aggregate.Event):
        revision: int
        as_of: date
        result: dict[str, Any]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, HealthAssessment)
            aggregate.revision = self.revision
            aggregate.result = self.result
            aggregate.as_of = self.as_of

    def __init__(
        self,
        community_id: UUID,
        district: str,
        period: str,
        period_start: date,
        period_end: date,
        config: dict[str, Any],
        as_of: date,
        result: dict[str, Any],
    ) -> None:
        self.community_id = community_id
        self.district = district
        self.period = period
        self.config = config
        self.as_of = as_of
        self.result = result
        self.revision = 1

    @staticmethod
    def id_for(community_id: UUID, period: Period, config: HealthConfig) -> UUID:
        return uuid5(HEALTH_NAMESPACE, f"{community_id}:{period.label}:{config.key}")

    @classmethod
    def assess(
        cls,
        *,
        community_id: UUID,
        district: str,
        period: Period,
        config: HealthConfig,
        as_of: date,
        result: dict[str, Any],
    ) -> HealthAssessment:
        return cls._create(
            cls.Assessed,
            id=cls.id_for(community_id, period, config),
            community_id=community_id,
            district=district,
            period=period.label,
            period_start=period.start,
            period_end=period.end,
            config=config.as_dict(),
            as_of=as_of,
            result=result,
        )

    def reassess(self, as_of: date, result: dict[str, Any]) -> bool:
        """Record a changed result; ``False`` (nothing recorded) when it is the same."""
        if result == self.result:
            return False
        self.trigger_event(self.Revised, revision=self.revision + 1, as_of=as_of, result=result)
        return True


class HealthRun(Aggregate):
    """区级健康评估: requests to assess every community of a district for a half-year."""

    class Opened(Aggregate.Created):
        district: str
        period: str

    class Requested(Aggregate.Event):
        district: str
        period: str
        config: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, HealthRun)
            aggregate.requests += 1

    def __init__(self, district: str, period: str) -> None:
        self.district = district
        self.period = period
        self.requests = 0

    @staticmethod
    def id_for(district: str, period: Period) -> UUID:
        return uuid5(HEALTH_NAMESPACE, f"run:{district}:{period.label}")

    @classmethod
    def open(cls, district: str, period: Period) -> HealthRun:
        name = required_text("district", district, max_length=100)
        return cls._create(
            cls.Opened, id=cls.id_for(name, period), district=name, period=period.label
        )

    def request(self, config: HealthConfig) -> None:
        self.trigger_event(
            self.Requested, district=self.district, period=self.period, config=config.key
        )
