"""计票 the tally of an owners' decision (业主共同决定) under Civil Code Art. 278.

Thresholds are data: a versioned :class:`RuleSet`, because cities differ (elevator additions
above all). Every figure is an exact ``Decimal`` or ``Fraction``; there are no floats, so a
recount from the same ballots gives an equal :class:`TallyResult`, which a court can check.

Voter keys. The tally counts heads by ``VotingUnit.voter``, a key the application computes for
each unit (SPC interpretation on 建筑物区分所有权, arts. 8-9). The tally relies on it:

- an owner with several units has one key: one head, with the sum of the units' areas;
- all the developer's unsold or sold-but-undelivered units share one key: one head together;
- the co-owners (共有人) of a unit share one key: the unit is one head whoever of them votes.

Area (art. 8) is the registered area, else the surveyed one, else the sale-contract one; the
application picks it before the tally.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from decimal import Decimal, Inexact, localcontext
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Final, TypeVar

from gongzhi.domain.errors import DomainError, InvalidValue

ABSTAIN: Final = "ABSTAIN"  # 弃权: takes part (counts toward the quorum), approves nothing
APPROVE: Final = "APPROVE"  # 同意
OPPOSE: Final = "OPPOSE"  # 反对
YES_NO: Final = (APPROVE, OPPOSE)

# Sums of areas must be exact; the trap on Inexact turns a silent rounding into an error.
_PRECISION = 60
_ZERO = Decimal(0)
_T = TypeVar("_T")


class Matter(enum.Enum):
    """表决事项 the matters of Civil Code Art. 278, plus 加装电梯 decided by one entrance."""

    MEETING_RULES = "MEETING_RULES"  # (一) 制定和修改业主大会议事规则
    MANAGEMENT_RULES = "MANAGEMENT_RULES"  # (二) 制定和修改管理规约
    COMMITTEE = "COMMITTEE"  # (三) 选举业主委员会或者更换业主委员会成员
    PROPERTY_COMPANY = "PROPERTY_COMPANY"  # (四) 选聘和解聘物业服务企业或者其他管理人
    USE_MAINTENANCE_FUND = "USE_MAINTENANCE_FUND"  # (五) 使用维修资金
    RAISE_MAINTENANCE_FUND = "RAISE_MAINTENANCE_FUND"  # (六) 筹集维修资金
    REBUILD = "REBUILD"  # (七) 改建、重建建筑物及其附属设施
    CHANGE_COMMON_USE = "CHANGE_COMMON_USE"  # (八) 改变共有部分的用途或者利用共有部分从事经营活动
    OTHER_MAJOR = "OTHER_MAJOR"  # (九) 有关共有和共同管理权利的其他重大事项
    ELEVATOR_ADDITION = "ELEVATOR_ADDITION"  # 加装电梯, put to the owners of one entrance (单元)


# Items (六) to (八): the law asks three quarters of the participants for these.
SPECIAL_MATTERS: Final = frozenset(
    {Matter.RAISE_MAINTENANCE_FUND, Matter.REBUILD, Matter.CHANGE_COMMON_USE}
)


@dataclass(frozen=True)
class Threshold:
    """A share to reach: ``≥ fraction`` when inclusive (以上), ``> fraction`` when strict (过半数).

    One threshold applies to both figures, area and headcount, as in Art. 278.
    """

    fraction: Fraction
    inclusive: bool

    def __post_init__(self) -> None:
        if not isinstance(self.fraction, Fraction) or not 0 <= self.fraction <= 1:
            raise InvalidValue("fraction", "must be a Fraction between 0 and 1")

    def met(self, share: Fraction) -> bool:
        return share >= self.fraction if self.inclusive else share > self.fraction

    def __str__(self) -> str:
        return f"{'≥' if self.inclusive else '>'} {_ratio(self.fraction)}"


@dataclass(frozen=True)
class RuleSet:
    """表决规则 a named, versioned set of thresholds: one quorum, one approval per matter."""

    name: str
    version: int
    quorum: Threshold
    approvals: Mapping[Matter, Threshold]

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidValue("name", "must not be empty")
        if self.version < 1:
            raise InvalidValue("version", "must be 1 or more")
        # A private read-only copy in enum order, so the rule set cannot change under a tally.
        frozen = {matter: self.approvals[matter] for matter in Matter if matter in self.approvals}
        if not frozen or len(frozen) != len(self.approvals):
            raise InvalidValue(
                "approvals", "must map some matters, and only matters, to thresholds"
            )
        object.__setattr__(self, "approvals", MappingProxyType(frozen))

    def __hash__(self) -> int:
        return hash((self.name, self.version, self.quorum, tuple(self.approvals.items())))

    def approval(self, matter: Matter) -> Threshold:
        try:
            return self.approvals[matter]
        except KeyError:
            raise MatterNotCovered(
                "matter", f"rule set {self.name} v{self.version} has no rule for {matter.value}"
            ) from None

    def to_record(self) -> dict[str, object]:
        return {
            "name": self.name,
            "version": self.version,
            "quorum": _to_record(self.quorum),
            "approvals": {m.value: _to_record(t) for m, t in self.approvals.items()},
        }

    @classmethod
    def from_record(cls, data: Mapping[str, object]) -> RuleSet:
        approvals = data.get("approvals")
        if not isinstance(approvals, dict):
            raise InvalidValue("approvals", "must map matters to thresholds")
        return cls(
            name=_read("name", "str", data.get("name")),
            version=_read("version", "int", data.get("version")),
            quorum=_read("quorum", "Threshold", data.get("quorum")),
            approvals={
                _read("approvals", "Matter", k): _read("approvals", "Threshold", v)
                for k, v in approvals.items()
            },
        )


_ORDINARY = Threshold(Fraction(1, 2), inclusive=False)  # 过半数: exactly half is not enough
# "以上" includes the figure itself (Civil Code Art. 1259), hence inclusive.
_SPECIAL = Threshold(Fraction(3, 4), inclusive=True)
_TWO_THIRDS = Threshold(Fraction(2, 3), inclusive=True)

CIVIL_CODE_RULES: Final = RuleSet(
    name="CIVIL_CODE_ART_278",
    version=1,
    quorum=_TWO_THIRDS,
    approvals={
        matter: _SPECIAL
        if matter in SPECIAL_MATTERS
        # Elevator addition: the entrance's owners, with the usual 2/3 quorum, approve with
        # ≥ 2/3 of the participating area and headcount (DOMAIN.md's reading of local rules).
        # Cities that ask 3/4, like rebuilding, publish their own rule set.
        else _TWO_THIRDS
        if matter is Matter.ELEVATOR_ADDITION
        else _ORDINARY
        for matter in Matter
    },
)
"""民法典第二百七十八条 the default rule set, version 1."""


@dataclass(frozen=True)
class VotingUnit:
    """户 a unit in the decision's scope: its exclusive area and the key of who votes for it."""

    unit_id: str
    area: Decimal
    voter: str

    def __post_init__(self) -> None:
        if not self.unit_id or not self.voter:
            raise InvalidValue("electorate", "every unit needs a unit id and a voter key")
        if not self.area.is_finite() or self.area <= 0:
            raise InvalidValue("electorate", f"unit {self.unit_id}: area must be above zero")


@dataclass(frozen=True)
class OptionTally:
    """One option's count: the area and heads that chose it, and whether it carried."""

    option: str
    area: Decimal
    headcount: int
    area_share: Fraction  # of the participating area; 0 when nobody took part
    headcount_share: Fraction  # of the participating headcount; 0 when nobody took part
    passed: bool  # quorum met and both shares meet the approval threshold


@dataclass(frozen=True)
class TallyResult:
    """计票结果 every figure of a count, so it can be recomputed and shown to a court.

    An owner may ask a court to cancel a decision within a year; the record must hold up.
    """

    rule_set: str
    rule_set_version: int
    matter: Matter
    quorum: Threshold
    approval: Threshold
    total_area: Decimal
    total_headcount: int
    participating_area: Decimal
    participating_headcount: int
    abstaining_area: Decimal
    abstaining_headcount: int
    quorum_area_share: Fraction
    quorum_headcount_share: Fraction
    quorum_met: bool
    options: tuple[OptionTally, ...]  # sorted by option id

    def option(self, option_id: str) -> OptionTally:
        for counted in self.options:
            if counted.option == option_id:
                return counted
        raise InvalidValue("option", f"{option_id} is not an option of this proposal")

    @property
    def passed_options(self) -> tuple[str, ...]:
        """The options that carried; for a yes/no proposal, ``(APPROVE,)`` or ``()``."""
        return tuple(counted.option for counted in self.options if counted.passed)

    def to_record(self) -> dict[str, object]:
        """Plain JSON-able data keyed by field name: Decimals as strings, Fractions as "n/d"."""
        return {f.name: _to_record(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_record(cls, data: Mapping[str, object]) -> TallyResult:
        return _from_record(cls, data)


def tally(
    matter: Matter,
    options: Sequence[str],
    electorate: Iterable[VotingUnit],
    ballots: Mapping[str, str],
    rules: RuleSet = CIVIL_CODE_RULES,
) -> TallyResult:
    """Count ``ballots`` (voter key → option id or ``ABSTAIN``) over ``electorate``.

    Voters without a ballot did not take part: they lower the quorum shares and nothing else.
    Runs in one pass over the units and one over the ballots.
    """
    approval = rules.approval(matter)
    chosen = _option_ids(options)
    with localcontext() as context:
        context.prec = _PRECISION
        context.traps[Inexact] = True
        try:
            areas = _areas_by_voter(electorate)
            total_area = sum(areas.values(), _ZERO)
            option_area = dict.fromkeys(chosen, _ZERO)
            option_heads = dict.fromkeys(chosen, 0)
            for voter, choice in sorted(ballots.items()):
                area = areas.get(voter)
                if area is None:
                    raise UnknownVoter("ballots", f"voter {voter} is not in the electorate")
                if choice != ABSTAIN and choice not in option_area:
                    raise InvalidValue("ballots", f"{choice} is neither an option nor {ABSTAIN}")
                option_area[choice] = option_area.get(choice, _ZERO) + area
                option_heads[choice] = option_heads.get(choice, 0) + 1
            participating_area = sum(option_area.values(), _ZERO)
        except Inexact:
            raise InvalidValue("electorate", "areas have too many digits to add exactly") from None
    participating_heads = len(ballots)
    quorum_area_share = _share(participating_area, total_area)
    quorum_headcount_share = _share(participating_heads, len(areas))
    quorum_met = rules.quorum.met(quorum_area_share) and rules.quorum.met(quorum_headcount_share)
    counted = []
    for option in chosen:
        area_share = _share(option_area[option], participating_area)
        headcount_share = _share(option_heads[option], participating_heads)
        passed = quorum_met and approval.met(area_share) and approval.met(headcount_share)
        counted.append(
            OptionTally(
                option,
                option_area[option],
                option_heads[option],
                area_share,
                headcount_share,
                passed,
            )
        )
    return TallyResult(
        rule_set=rules.name,
        rule_set_version=rules.version,
        matter=matter,
        quorum=rules.quorum,
        approval=approval,
        total_area=total_area,
        total_headcount=len(areas),
        participating_area=participating_area,
        participating_headcount=participating_heads,
        abstaining_area=option_area.get(ABSTAIN, _ZERO),
        abstaining_headcount=option_heads.get(ABSTAIN, 0),
        quorum_area_share=quorum_area_share,
        quorum_headcount_share=quorum_headcount_share,
        quorum_met=quorum_met,
        options=tuple(counted),
    )


def _option_ids(options: Sequence[str]) -> list[str]:
    chosen = sorted(set(options))
    if not chosen or len(chosen) != len(options) or "" in chosen or ABSTAIN in chosen:
        raise InvalidValue("options", f"must be distinct, non-empty and other than {ABSTAIN}")
    return chosen


def _areas_by_voter(electorate: Iterable[VotingUnit]) -> dict[str, Decimal]:
    areas: dict[str, Decimal] = {}
    seen: set[str] = set()
    for unit in electorate:
        if unit.unit_id in seen:
            raise InvalidValue("electorate", f"unit {unit.unit_id} is listed twice")
        seen.add(unit.unit_id)
        areas[unit.voter] = areas.get(unit.voter, _ZERO) + unit.area
    if not areas:
        raise InvalidValue("electorate", "must hold at least one unit")
    return areas


def _share(part: Decimal | int, whole: Decimal | int) -> Fraction:
    return Fraction(part) / Fraction(whole) if whole else Fraction(0)


def _ratio(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _to_record(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Fraction):
        return _ratio(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [_to_record(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_record(getattr(value, f.name)) for f in fields(value)}
    return value


def _from_record(cls: type[_T], data: object) -> _T:
    """The inverse of ``_to_record``, led by each field's declared type."""
    if not isinstance(data, Mapping) or not is_dataclass(cls):
        raise TypeError(cls.__name__)  # _read names the field at fault
    values: dict[str, Any] = {
        f.name: _read(f.name, str(f.type), data.get(f.name)) for f in fields(cls)
    }
    return cls(**values)


def _read(name: str, kind: str, raw: object) -> Any:
    try:
        return _READERS[kind](raw)
    except (TypeError, ValueError, ArithmeticError):
        raise InvalidValue(name, f"is not a valid {kind} record value") from None


def _checked(kind: type[_T]) -> Callable[[object], _T]:
    def read(raw: object) -> _T:
        # bool is an int in Python; a count of True is a malformed record.
        if not isinstance(raw, kind) or (kind is int and isinstance(raw, bool)):
            raise TypeError(kind.__name__)
        return raw

    return read


# Field types as dataclasses declare them (strings, under postponed annotations).
_READERS: Final[dict[str, Callable[[object], object]]] = {
    "str": _checked(str),
    "int": _checked(int),
    "bool": _checked(bool),
    "Decimal": lambda raw: Decimal(_checked(str)(raw)),
    "Fraction": lambda raw: Fraction(_checked(str)(raw)),
    "Matter": Matter,
    "Threshold": lambda raw: _from_record(Threshold, raw),
    "tuple[OptionTally, ...]": lambda raw: tuple(
        _from_record(OptionTally, item) for item in _checked(list)(raw)
    ),
}


class UnknownVoter(DomainError):
    """Raised when a ballot comes from a voter key that is not in the electorate."""


class MatterNotCovered(DomainError):
    """Raised when a rule set has no approval threshold for the matter put to the vote."""
