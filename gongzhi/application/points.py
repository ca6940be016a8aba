"""积分 participation points: earning for source events, the rewards catalogue, redemption.

For other slices: ``award_points`` earns points for one source event in its own save;
``points_earning`` returns the account with the earning pending (or ``None`` when that
source earned already) so a slice can save it together with its own aggregates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from gongzhi.application.base import Changed, Done, GongzhiBase, Meta
from gongzhi.application.commands import Command, handles
from gongzhi.application.complaints import now
from gongzhi.application.fields import CommunityId, Doc, Name, Range, RewardId, Text, UnitId
from gongzhi.domain.community import Community
from gongzhi.domain.errors import RuleViolated, UnknownPart
from gongzhi.domain.points import MAX_QUANTITY, PointsAccount, PointsRule, account_id
from gongzhi.domain.reward import MAX_PRICE, Reward

Build = Callable[[], Sequence[Aggregate]]
Quantity = Annotated[int, Range(1, MAX_QUANTITY)]


@dataclass(frozen=True)
class AwardPoints(Command):
    """积分奖励 for one source event (e.g. volunteering hours); repeating it earns nothing"""

    community_id: CommunityId
    unit_id: UnitId
    rule: PointsRule
    source_ref: Annotated[str, Text(200, min_length=1), Doc("e.g. volunteer:2026-05-01:清扫楼道")]
    quantity: Annotated[Quantity, Doc("Hours for VOLUNTEERED")] = 1


@dataclass(frozen=True)
class AddReward(Command):
    """上架 a reward in a community's catalogue"""

    community_id: CommunityId
    name: Name
    price_points: Annotated[int, Range(1, MAX_PRICE)]
    stock: Annotated[int, Range(0, MAX_QUANTITY * 100)]


@dataclass(frozen=True)
class RestockReward(Command):
    """补货 a reward"""

    reward_id: RewardId
    quantity: Quantity


@dataclass(frozen=True)
class RedeemReward(Command):
    """积分兑换: a household spends points on a reward, never below a zero balance"""

    reward_id: RewardId
    unit_id: UnitId
    quantity: Quantity = 1


def points_account(app: GongzhiBase, unit_id: UUID, community_id: UUID) -> PointsAccount:
    """The household's account, opened (unsaved) on first use."""
    try:
        aggregate: Aggregate = app.repository.get(account_id(unit_id))
    except AggregateNotFoundError:
        return PointsAccount.open(unit_id=unit_id, community_id=community_id)
    assert isinstance(aggregate, PointsAccount)
    return aggregate


def points_earning(
    app: GongzhiBase,
    *,
    community_id: UUID,
    unit_id: UUID,
    rule: object,
    source_ref: str,
    quantity: int = 1,
    at: datetime | None = None,
) -> PointsAccount | None:
    """The account with the earning pending, or None when (rule, source_ref) earned
    already. Save it with the caller's aggregates; a lost race there is retried."""
    account = points_account(app, unit_id, community_id)
    if account.community_id != community_id:
        raise RuleViolated("unitId", "the unit's points account is in another community")
    return account if account.earn(rule, source_ref, at or now(), quantity) else None


def record_together(app: GongzhiBase, meta: Meta, build: Build, what: str) -> Done | None:
    """Build changes on fresh aggregates and save them atomically, retrying lost races
    (the rules are checked again on the reloaded state). None when nothing changed."""

    def attempt() -> Changed | None:
        aggregates = build()
        return Changed(aggregates) if aggregates else None

    return app.retrying(meta, attempt, what=what)


class PointsService(GongzhiBase):
    @handles(AwardPoints)
    def award_points(self, meta: Meta, command: AwardPoints) -> Done:
        """Earn points for one source event (a vote, a bill paid on time, hours volunteered);
        a repeat of the same (rule, source_ref) changes nothing and returns position 0."""
        community_id, unit_id, rule = command.community_id, command.unit_id, command.rule
        source_ref, quantity = command.source_ref, command.quantity
        at: datetime | None = None
        community = self.load(Community, community_id, "communityId")
        if unit_id not in community.unit_index:
            raise UnknownPart("unitId", "no such unit in this community")

        def build() -> Sequence[Aggregate]:
            account = points_earning(
                self,
                community_id=community_id,
                unit_id=unit_id,
                rule=rule,
                source_ref=source_ref,
                quantity=quantity,
                at=at,
            )
            return (account,) if account else ()

        done = record_together(self, meta, build, "the points account")
        return done or Done(account_id(unit_id), 0)

    @handles(AddReward)
    def add_reward(self, meta: Meta, command: AddReward) -> Done:
        community_id, name = command.community_id, command.name
        price_points, stock = command.price_points, command.stock
        self.load(Community, community_id, "communityId")
        reward = Reward.add(
            community_id=community_id, name=name, price_points=price_points, stock=stock
        )
        return self.create(meta, reward, "the reward exists already")

    @handles(RestockReward)
    def restock_reward(self, meta: Meta, command: RestockReward) -> Done:
        reward_id, quantity = command.reward_id, command.quantity
        return self.change(meta, Reward, reward_id, lambda r: r.restock(quantity), field="rewardId")

    @handles(RedeemReward)
    def redeem_reward(self, meta: Meta, command: RedeemReward) -> Done:
        """积分兑换: stock and points change in one save; a concurrent spend that saved first
        makes this one reload and check the balance again, so no balance goes negative."""
        reward_id, unit_id, quantity = command.reward_id, command.unit_id, command.quantity
        at: datetime | None = None

        def build() -> Sequence[Aggregate]:
            reward = self.load(Reward, reward_id, "rewardId")
            account = points_account(self, unit_id, reward.community_id)
            reward.redeem(account, quantity, at or now())
            return reward, account

        done = record_together(self, meta, build, "the reward or the points account")
        assert done is not None
        return done
