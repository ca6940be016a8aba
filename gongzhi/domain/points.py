"""积分 participation points of a household (户), earned by participation and spent on
rewards (积分兑换).

Points belong to the unit, not to a person: paying on time is a household's act, a
household's ballot is cast for its unit, and residents come and go while the account
stays with the home. Earning is idempotent per (rule, source reference): the same vote,
bill or survey answer never earns twice. A balance never goes below zero.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.complaint import aware
from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.values import enum_value, required_text

ACCOUNT_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/points-account")
MAX_QUANTITY = 1000


class PointsRule(enum.Enum):
    """积分规则: what earns points, per unit of ``quantity``."""

    VOTED = "VOTED"  # per owners' decision voted in
    VOLUNTEERED = "VOLUNTEERED"  # per hour of volunteering (志愿服务)
    PAID_ON_TIME = "PAID_ON_TIME"  # per bill paid by its due date
    SURVEY_ANSWERED = "SURVEY_ANSWERED"  # per satisfaction survey answered


@dataclass(frozen=True)
class PointsRuleSet:
    """A version of the points per rule; every earning records the version it used."""

    version: str
    points: MappingProxyType[str, int]

    def points_for(self, rule: str, quantity: int) -> int:
        return self.points[rule] * quantity


# Versioned configuration: a new version is added, never edited, so history stays true.
POINTS_RULE_SETS: dict[str, PointsRuleSet] = {
    "2026.1": PointsRuleSet(
        "2026.1",
        MappingProxyType({"VOTED": 5, "VOLUNTEERED": 10, "PAID_ON_TIME": 2, "SURVEY_ANSWERED": 1}),
    ),
}
CURRENT_POINTS_RULES = "2026.1"


def rule_set(version: str | None = None) -> PointsRuleSet:
    found = POINTS_RULE_SETS.get(version or CURRENT_POINTS_RULES)
    if found is None:
        raise InvalidValue("rulesVersion", f"no points rule set {version}")
    return found


def account_id(unit_id: UUID) -> UUID:
    """One account per household: derived from the unit, so it is never opened twice."""
    return uuid5(ACCOUNT_NAMESPACE, str(unit_id))


def quantity_of(field: str, quantity: int) -> int:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidValue(field, f"must be between 1 and {MAX_QUANTITY}")
    return quantity


class PointsAccount(Aggregate):
    """积分账户 of one household (户)."""

    class Opened(Aggregate.Created):
        unit_id: UUID
        community_id: UUID

    class Earned(Aggregate.Event):
        rule: str
        source_ref: str
        quantity: int
        points: int
        rules_version: str
        earned_at: datetime

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PointsAccount)
            aggregate.balance += self.points
            aggregate.earned_keys.add((self.rule, self.source_ref))

    class Spent(Aggregate.Event):
        reward_id: UUID
        reward_name: str
        quantity: int
        points: int
        spent_at: datetime

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PointsAccount)
            aggregate.balance -= self.points

    def __init__(self, unit_id: UUID, community_id: UUID) -> None:
        self.unit_id = unit_id
        self.community_id = community_id
        self.balance = 0
        self.earned_keys: set[tuple[str, str]] = set()

    @classmethod
    def open(cls, *, unit_id: UUID, community_id: UUID) -> PointsAccount:
        return cls._create(
            cls.Opened, id=account_id(unit_id), unit_id=unit_id, community_id=community_id
        )

    def has_earned(self, rule: str, source_ref: str) -> bool:
        return (rule, source_ref) in self.earned_keys

    def earn(
        self,
        rule: object,
        source_ref: str,
        at: datetime,
        quantity: int = 1,
        rules: PointsRuleSet | None = None,
    ) -> bool:
        """Earn for one source event; False (and nothing recorded) when it earned already."""
        name = enum_value("rule", PointsRule, rule)
        ref = required_text("sourceRef", source_ref)
        if self.has_earned(name, ref):
            return False
        used = rules or rule_set()
        count = quantity_of("quantity", quantity)
        self.trigger_event(
            self.Earned,
            rule=name,
            source_ref=ref,
            quantity=count,
            points=used.points_for(name, count),
            rules_version=used.version,
            earned_at=aware("earnedAt", at),
        )
        return True

    def spend(
        self, *, reward_id: UUID, reward_name: str, quantity: int, points: int, at: datetime
    ) -> None:
        """积分兑换: never below zero."""
        if points <= 0:
            raise InvalidValue("quantity", "a redemption costs points")
        if points > self.balance:
            raise InsufficientPoints(
                "quantity", f"the reward costs {points} points; the household has {self.balance}"
            )
        self.trigger_event(
            self.Spent,
            reward_id=reward_id,
            reward_name=reward_name,
            quantity=quantity,
            points=points,
            spent_at=aware("redeemedAt", at),
        )


class InsufficientPoints(RuleViolated):
    """Raised when a spend would take a household's balance below zero."""
