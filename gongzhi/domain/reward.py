"""积分兑换 reward of a community's catalogue: a price in points and a stock."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.points import MAX_QUANTITY, PointsAccount, quantity_of
from gongzhi.domain.values import required_text

MAX_PRICE = 1_000_000


class Reward(Aggregate):
    """兑换商品/服务 in a community's catalogue."""

    class Added(Aggregate.Created):
        community_id: UUID
        name: str
        price_points: int
        stock: int

    class Restocked(Aggregate.Event):
        quantity: int

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Reward)
            aggregate.stock += self.quantity

    class Redeemed(Aggregate.Event):
        unit_id: UUID
        quantity: int
        points: int

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Reward)
            aggregate.stock -= self.quantity

    def __init__(self, community_id: UUID, name: str, price_points: int, stock: int) -> None:
        self.community_id = community_id
        self.name = name
        self.price_points = price_points
        self.stock = stock

    @classmethod
    def add(cls, *, community_id: UUID, name: str, price_points: int, stock: int) -> Reward:
        if not 1 <= price_points <= MAX_PRICE:
            raise InvalidValue("pricePoints", f"must be between 1 and {MAX_PRICE}")
        if not 0 <= stock <= MAX_QUANTITY * 100:
            raise InvalidValue("stock", f"must be between 0 and {MAX_QUANTITY * 100}")
        return cls._create(
            cls.Added,
            community_id=community_id,
            name=required_text("name", name),
            price_points=price_points,
            stock=stock,
        )

    def restock(self, quantity: int) -> None:
        self.trigger_event(self.Restocked, quantity=quantity_of("quantity", quantity))

    def redeem(self, account: PointsAccount, quantity: int, at: datetime) -> None:
        """Take ``quantity`` from stock and their price from the household's points; the
        caller saves both together, so a lost race on either is retried or refused."""
        count = quantity_of("quantity", quantity)
        if account.community_id != self.community_id:
            raise RuleViolated("rewardId", "the reward is from another community's catalogue")
        if count > self.stock:
            raise OutOfStock("quantity", f"only {self.stock} left in stock")
        points = self.price_points * count
        account.spend(
            reward_id=self.id, reward_name=self.name, quantity=count, points=points, at=at
        )
        self.trigger_event(self.Redeemed, unit_id=account.unit_id, quantity=count, points=points)


class OutOfStock(RuleViolated):
    """Raised when a redemption asks for more than the reward's stock."""
