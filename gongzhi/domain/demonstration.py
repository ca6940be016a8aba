"""红色物业示范 demonstration titles: 示范小区 (a community) and 示范企业 (a company).

A title is applied for with the evidence the scoring needs (申报材料), scored against a
named, versioned :class:`ScoringRuleSet` (criteria are data, because places differ), awarded,
and may be revoked. The score event keeps the rule set and every criterion's points, so a
score can be recomputed from the record. One application per subject and year: the id is
derived from them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.values import enum_value, required_text

TITLE_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/demonstration-title")
MAX_STAFF = 100_000


class Subject(enum.Enum):
    COMMUNITY = "COMMUNITY"  # 红色物业示范小区
    COMPANY = "COMPANY"  # 红色物业示范企业


class TitleStatus(enum.Enum):
    APPLIED = "APPLIED"  # 已申报
    SCORED = "SCORED"  # 已评分
    AWARDED = "AWARDED"  # 已授牌: the title is in force
    REVOKED = "REVOKED"  # 已撤销


class Measure(enum.Enum):
    """What a criterion reads from the evidence."""

    PARTY_ORGANISATION_APPROVED = "PARTY_ORGANISATION_APPROVED"  # 党组织批准成立
    PARTY_MEMBERS_AMONG_STAFF = "PARTY_MEMBERS_AMONG_STAFF"  # 物业从业人员中党员人数
    SECRETARY_ON_COMMITTEE = "SECRETARY_ON_COMMITTEE"  # 党组织书记进入业委会
    CROSS_APPOINTMENT_RATIO = "CROSS_APPOINTMENT_RATIO"  # 交叉任职比例
    DELIBERATION_RULE_ADOPTED = "DELIBERATION_RULE_ADOPTED"  # "党组织先议"制度


@dataclass(frozen=True)
class Evidence:
    """申报材料: the figures a scoring reads.

    The cross-appointment ratio is ``cross_appointed ÷ committee_members``: committee members
    who also hold a post in the party organisation, over all committee members; exact.
    """

    party_organisation_approved: bool
    party_members_among_staff: int
    secretary_on_committee: bool
    cross_appointed: int
    committee_members: int
    deliberation_rule_adopted: bool

    def __post_init__(self) -> None:
        if not 0 <= self.party_members_among_staff <= MAX_STAFF:
            raise InvalidValue(
                "evidence.partyMembersAmongStaff", f"must be between 0 and {MAX_STAFF}"
            )
        if not 0 <= self.committee_members <= 100:
            raise InvalidValue("evidence.committeeMembers", "must be between 0 and 100")
        if not 0 <= self.cross_appointed <= self.committee_members:
            raise InvalidValue(
                "evidence.crossAppointed", "must be between 0 and the number of committee members"
            )

    @property
    def cross_appointment_ratio(self) -> Fraction:
        if self.committee_members == 0:
            return Fraction(0)
        return Fraction(self.cross_appointed, self.committee_members)

    def measure(self, measure: Measure) -> bool | int | Fraction:
        match measure:
            case Measure.PARTY_ORGANISATION_APPROVED:
                return self.party_organisation_approved
            case Measure.PARTY_MEMBERS_AMONG_STAFF:
                return self.party_members_among_staff
            case Measure.SECRETARY_ON_COMMITTEE:
                return self.secretary_on_committee
            case Measure.CROSS_APPOINTMENT_RATIO:
                return self.cross_appointment_ratio
            case Measure.DELIBERATION_RULE_ADOPTED:
                return self.deliberation_rule_adopted

    def to_record(self) -> dict[str, Any]:
        return {
            "party_organisation_approved": self.party_organisation_approved,
            "party_members_among_staff": self.party_members_among_staff,
            "secretary_on_committee": self.secretary_on_committee,
            "cross_appointed": self.cross_appointed,
            "committee_members": self.committee_members,
            "deliberation_rule_adopted": self.deliberation_rule_adopted,
        }

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> Evidence:
        return cls(
            party_organisation_approved=bool(data["party_organisation_approved"]),
            party_members_among_staff=int(data["party_members_among_staff"]),
            secretary_on_committee=bool(data["secretary_on_committee"]),
            cross_appointed=int(data["cross_appointed"]),
            committee_members=int(data["committee_members"]),
            deliberation_rule_adopted=bool(data["deliberation_rule_adopted"]),
        )


@dataclass(frozen=True)
class Band:
    """Points for a count from ``minimum`` up to ``maximum`` (inclusive; None: no limit)."""

    minimum: int
    maximum: int | None
    points: int


@dataclass(frozen=True)
class Criterion:
    """One scoring item. A yes/no measure earns ``points`` when true; a ratio earns them at
    ``≥ threshold``; a count earns the points of the band it falls in (0 outside every band)."""

    key: str
    label: str
    measure: Measure
    points: int = 0
    threshold: Fraction | None = None
    bands: tuple[Band, ...] = ()

    @property
    def max_points(self) -> int:
        return max((b.points for b in self.bands), default=0) if self.bands else self.points

    def points_for(self, value: bool | int | Fraction) -> int:
        if self.bands:
            for band in self.bands:
                if value >= band.minimum and (band.maximum is None or value <= band.maximum):
                    return band.points
            return 0
        if self.threshold is not None:
            return self.points if value >= self.threshold else 0
        return self.points if value is True else 0

    def to_record(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "measure": self.measure.value,
            "points": self.points,
            "threshold": None if self.threshold is None else _ratio(self.threshold),
            "bands": [[b.minimum, b.maximum, b.points] for b in self.bands],
        }

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> Criterion:
        threshold = data.get("threshold")
        return cls(
            key=str(data["key"]),
            label=str(data["label"]),
            measure=Measure(data["measure"]),
            points=int(data["points"]),
            threshold=None if threshold is None else Fraction(str(threshold)),
            bands=tuple(
                Band(int(lo), None if hi is None else int(hi), int(p))
                for lo, hi, p in data.get("bands", [])
            ),
        )


@dataclass(frozen=True)
class ScoringRuleSet:
    """评分细则: a named, versioned list of criteria and, optionally, the total to award."""

    name: str
    version: int
    criteria: tuple[Criterion, ...]
    pass_mark: int | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidValue("name", "must not be empty")
        if self.version < 1:
            raise InvalidValue("version", "must be 1 or more")
        keys = [c.key for c in self.criteria]
        if not keys or len(set(keys)) != len(keys):
            raise InvalidValue("criteria", "must list criteria with distinct keys")
        for criterion in self.criteria:
            if criterion.points < 0 or any(b.points < 0 for b in criterion.bands):
                raise InvalidValue("criteria", "points must not be negative")
            if criterion.bands and criterion.measure is not Measure.PARTY_MEMBERS_AMONG_STAFF:
                raise InvalidValue("criteria", f"{criterion.key}: only a count has bands")
            ratio = criterion.measure is Measure.CROSS_APPOINTMENT_RATIO
            if ratio != (criterion.threshold is not None):
                raise InvalidValue("criteria", f"{criterion.key}: a ratio needs a threshold")

    @property
    def max_total(self) -> int:
        return sum(c.max_points for c in self.criteria)

    def to_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "criteria": [c.to_record() for c in self.criteria],
            "pass_mark": self.pass_mark,
        }

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> ScoringRuleSet:
        pass_mark = data.get("pass_mark")
        return cls(
            name=str(data["name"]),
            version=int(data["version"]),
            criteria=tuple(Criterion.from_record(c) for c in data["criteria"]),
            pass_mark=None if pass_mark is None else int(pass_mark),
        )


@dataclass(frozen=True)
class ScoreItem:
    key: str
    label: str
    value: str  # the evidence figure as read, e.g. "true", "4", "3/5"
    points: int
    max_points: int


@dataclass(frozen=True)
class Score:
    rule_set: str
    rule_set_version: int
    items: tuple[ScoreItem, ...]

    @property
    def total(self) -> int:
        return sum(item.points for item in self.items)


def score(evidence: Evidence, rules: ScoringRuleSet) -> Score:
    """评分: every criterion's points for the evidence; a pure function of both."""
    items = []
    for criterion in rules.criteria:
        value = evidence.measure(criterion.measure)
        items.append(
            ScoreItem(
                key=criterion.key,
                label=criterion.label,
                value=_shown(value),
                points=criterion.points_for(value),
                max_points=criterion.max_points,
            )
        )
    return Score(rules.name, rules.version, tuple(items))


# DOMAIN.md: "party organisation set up (approved: 5), party members among staff (<3: 1,
# 3-5: 3, >5: 5), party secretary on the committee (3), cross-appointment ≥ 50 % (3),
# '党组织先议' rule (3)". Taken literally: fewer than 3 party members, even none, earns 1.
RED_PROPERTY_DEMONSTRATION_V1 = ScoringRuleSet(
    name="红色物业示范评分",
    version=1,
    criteria=(
        Criterion(
            "party_organisation", "党组织建立(批准成立)", Measure.PARTY_ORGANISATION_APPROVED, 5
        ),
        Criterion(
            "party_members",
            "物业从业人员中党员人数",
            Measure.PARTY_MEMBERS_AMONG_STAFF,
            bands=(Band(0, 2, 1), Band(3, 5, 3), Band(6, None, 5)),
        ),
        Criterion(
            "secretary_on_committee", "党组织书记进入业委会", Measure.SECRETARY_ON_COMMITTEE, 3
        ),
        Criterion(
            "cross_appointment",
            "交叉任职比例 ≥ 50%",
            Measure.CROSS_APPOINTMENT_RATIO,
            3,
            threshold=Fraction(1, 2),
        ),
        Criterion("deliberation_rule", '"党组织先议"制度', Measure.DELIBERATION_RULE_ADOPTED, 3),
    ),
)

SCORING_RULE_SETS: dict[tuple[str, int], ScoringRuleSet] = {
    (r.name, r.version): r for r in (RED_PROPERTY_DEMONSTRATION_V1,)
}


def scoring_rule_set(name: str | None, version: int | None) -> ScoringRuleSet:
    """A shipped rule set by name and version; the latest version when none is given."""
    wanted = name or RED_PROPERTY_DEMONSTRATION_V1.name
    versions = [r for (n, _), r in SCORING_RULE_SETS.items() if n == wanted]
    if not versions:
        raise InvalidValue("ruleSetName", f"no scoring rule set named {wanted}")
    if version is None:
        return max(versions, key=lambda r: r.version)
    found = SCORING_RULE_SETS.get((wanted, version))
    if found is None:
        raise InvalidValue("ruleSetVersion", f"{wanted} has no version {version}")
    return found


class DemonstrationTitle(Aggregate):
    """红色物业示范小区 / 示范企业 for one year, granted by a district."""

    class Applied(Aggregate.Created):
        subject: str
        community_id: UUID | None
        company_id: UUID | None
        district: str
        year: int
        applied_on: date
        evidence: dict[str, Any]

    class Scored(Aggregate.Event):
        rule_set: dict[str, Any]
        items: list[dict[str, Any]]
        total: int
        max_total: int
        scored_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, DemonstrationTitle)
            aggregate.status = TitleStatus.SCORED.value
            aggregate.total = self.total
            aggregate.pass_mark = self.rule_set.get("pass_mark")
            aggregate.scored_on = self.scored_on

    class Awarded(Aggregate.Event):
        awarded_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, DemonstrationTitle)
            aggregate.status = TitleStatus.AWARDED.value
            aggregate.awarded_on = self.awarded_on

    class Revoked(Aggregate.Event):
        reason: str
        revoked_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, DemonstrationTitle)
            aggregate.status = TitleStatus.REVOKED.value

    def __init__(
        self,
        subject: str,
        community_id: UUID | None,
        company_id: UUID | None,
        district: str,
        year: int,
        applied_on: date,
        evidence: dict[str, Any],
    ) -> None:
        self.subject = subject
        self.community_id = community_id
        self.company_id = company_id
        self.district = district
        self.year = year
        self.applied_on = applied_on
        self.evidence = evidence
        self.status = TitleStatus.APPLIED.value
        self.total: int | None = None
        self.pass_mark: int | None = None
        self.scored_on: date | None = None
        self.awarded_on: date | None = None

    @staticmethod
    def id_for(subject: str, subject_id: UUID, year: int) -> UUID:
        return uuid5(TITLE_NAMESPACE, f"{subject}:{subject_id}:{year}")

    @classmethod
    def apply_for(
        cls,
        *,
        subject: str,
        community_id: UUID | None = None,
        company_id: UUID | None = None,
        district: str,
        year: int,
        applied_on: date,
        evidence: Evidence,
    ) -> DemonstrationTitle:
        """申报: a community's title needs its community, a company's its company."""
        subject_value = enum_value("subject", Subject, subject)
        if subject_value == Subject.COMMUNITY.value:
            if community_id is None or company_id is not None:
                raise InvalidValue("communityId", "a 示范小区 names its community and no company")
            subject_id = community_id
        else:
            if company_id is None or community_id is not None:
                raise InvalidValue("companyId", "a 示范企业 names its company and no community")
            subject_id = company_id
        if not 2000 <= year <= applied_on.year + 1:
            raise InvalidValue("year", f"must be between 2000 and {applied_on.year + 1}")
        return cls._create(
            cls.Applied,
            id=cls.id_for(subject_value, subject_id, year),
            subject=subject_value,
            community_id=community_id,
            company_id=company_id,
            district=required_text("district", district),
            year=year,
            applied_on=applied_on,
            evidence=evidence.to_record(),
        )

    def score(self, rules: ScoringRuleSet, scored_on: date) -> Score:
        """评分 (again, until awarded) against ``rules``; records every criterion's points."""
        if self.status not in (TitleStatus.APPLIED.value, TitleStatus.SCORED.value):
            raise RuleViolated("titleId", f"a {self.status.lower()} title is not scored again")
        if scored_on < self.applied_on:
            raise InvalidValue("scoredOn", "must not be before the application")
        result = score(Evidence.from_record(self.evidence), rules)
        self.trigger_event(
            self.Scored,
            rule_set=rules.to_record(),
            items=[
                {
                    "key": i.key,
                    "label": i.label,
                    "value": i.value,
                    "points": i.points,
                    "max_points": i.max_points,
                }
                for i in result.items
            ],
            total=result.total,
            max_total=rules.max_total,
            scored_on=scored_on,
        )
        return result

    def award(self, awarded_on: date) -> None:
        """授牌: only a scored title, reaching the rule set's pass mark if it has one."""
        if self.status != TitleStatus.SCORED.value:
            raise RuleViolated("titleId", "only a scored title can be awarded")
        assert self.total is not None and self.scored_on is not None
        if self.pass_mark is not None and self.total < self.pass_mark:
            raise RuleViolated(
                "titleId", f"the score {self.total} is below the pass mark {self.pass_mark}"
            )
        if awarded_on < self.scored_on:
            raise InvalidValue("awardedOn", "must not be before the scoring")
        self.trigger_event(self.Awarded, awarded_on=awarded_on)

    def revoke(self, reason: str, revoked_on: date) -> None:
        """撤销: only an awarded title, with the reason."""
        if self.status != TitleStatus.AWARDED.value:
            raise RuleViolated("titleId", "only an awarded title can be revoked")
        assert self.awarded_on is not None
        if revoked_on < self.awarded_on:
            raise InvalidValue("revokedOn", "must not be before the award")
        self.trigger_event(
            self.Revoked,
            reason=required_text("reason", reason, max_length=500),
            revoked_on=revoked_on,
        )


def _shown(value: bool | int | Fraction) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return _ratio(value)
    return str(value)


def _ratio(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"
