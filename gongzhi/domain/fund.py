"""住宅专项维修资金 a community's maintenance fund: per-unit sub-accounts (分户账) and uses.

One ``MaintenanceFund`` per community (id derived from the community). Money moves only by
events that name every sub-account they touch and by how much, so the fund's balance is
Σ sub-accounts after every event (a property test checks it), and every payout names the
use it pays, and the use its owners' decision or emergency record.

Use (使用) of the fund:

* ORDINARY: proposed by the company on a passed owners' decision (matter
  USE_MAINTENANCE_FUND) → approved by the committee in office → paid;
* EMERGENCY (one of the six emergencies): proposed → reviewed by the committee in office →
  confirmed by the street office → paid → audited afterwards (事后审计).

The committee may reject (驳回) a proposed use, the street office an emergency the committee
reviewed; the proposer may withdraw (撤回) a use until it is paid. A rejected or withdrawn use
is closed, and its decision may back a new proposal.

A payout is split over the affected units' sub-accounts by area; if any of them would go
below zero the use is refused and nothing changes: at the proposal, at each step and at the
payout, as balances move in between (``labels`` name the units in the message).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.fund_rules import (
    DepositRule,
    HousingKind,
    UseKind,
    below_threshold,
    checked_emergency,
    shares_by,
)
from gongzhi.domain.money import fen_amount, fen_to_yuan
from gongzhi.domain.values import enum_value, exclusive_area, optional_text, required_text

# A use still on its way (it may be withdrawn), and one closed without a payout.
OPEN_USE = frozenset({"PROPOSED", "APPROVED", "REVIEWED", "CONFIRMED"})
CLOSED_USE = frozenset({"REJECTED", "WITHDRAWN"})
FUND_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/maintenance-fund")
MAX_UNITS_PER_USE = 5000


@dataclass
class SubAccount:
    """分户账 one unit's sub-account."""

    unit_id: UUID
    housing_kind: str
    area: Decimal
    first_deposit_fen: int
    balance_fen: int


@dataclass
class FundUse:
    """维修资金使用 one use, from proposal to payout (and audit for an emergency)."""

    id: UUID
    kind: str
    emergency: str | None
    decision_id: UUID | None
    amount_fen: int
    unit_ids: list[UUID]
    status: str = "PROPOSED"
    committee_id: UUID | None = None
    shares: list[dict[str, Any]] = field(default_factory=list)


class MaintenanceFund(Aggregate):
    """住宅专项维修资金 of one community."""

    class Opened(Aggregate.Created):
        community_id: UUID
        rule: dict[str, str]

    class RuleChanged(Aggregate.Event):
        rule: dict[str, str]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MaintenanceFund)
            aggregate.rule = DepositRule.from_record(self.rule)

    class FirstDeposited(Aggregate.Event):
        """首次交存 by the rule in force: rate × price per m² × area."""

        unit_id: UUID
        housing_kind: str
        area: Decimal
        rule_version: int
        rate: Decimal
        price_per_m2: Decimal
        amount_fen: int
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MaintenanceFund)
            aggregate.accounts[self.unit_id] = SubAccount(
                self.unit_id, self.housing_kind, self.area, self.amount_fen, self.amount_fen
            )
            aggregate.balance_fen += self.amount_fen

    class ToppedUp(Aggregate.Event):
        """续筹 into one sub-account."""

        unit_id: UUID
        amount_fen: int
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MaintenanceFund)
            aggregate.accounts[self.unit_id].balance_fen += self.amount_fen
            aggregate.balance_fen += self.amount_fen

    class InterestAllocated(Aggregate.Event):
        """利息 split over the sub-accounts by balance."""

        amount_fen: int
        on: date
        shares: list[dict[str, Any]]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MaintenanceFund)
            aggregate._apply_shares(self.amount_fen, self.shares)

    class TopUpNoticeSent(Aggregate.Event):
        """续筹通知 to one unit in one notice round."""

        round: str
        unit_id: UUID
        balance_fen: int
        first_deposit_fen: int

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MaintenanceFund)
            aggregate.notices.add((self.round, self.unit_id))

    class UseProposed(Aggregate.Event):
        use_id: UUID
        kind: str
        emergency: str | None
        decision_id: UUID | None
        title: str
        contractor: str
        amount_fen: int
        unit_ids: list[UUID]
        proposed_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MaintenanceFund)
            aggregate.uses[self.use_id] = FundUse(
                self.use_id,
                self.kind,
                self.emergency,
                self.decision_id,
                self.amount_fen,
                list(self.unit_ids),
            )

    class UseApproved(Aggregate.Event):
        """审批 of an ordinary use by the committee in office."""

        use_id: UUID
        committee_id: UUID
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MaintenanceFund)
            use = aggregate.uses[self.use_id]
            use.status, use.committee_id = "APPROVED", self.committee_id

    class EmergencyReviewed(Aggregate.Event):
        """审核 of an emergency use by the committee in office."""

        use_id: UUID
        committee_id: UUID
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MaintenanceFund)
            use = aggregate.uses[self.use_id]
            use.status, use.committee_id = "REVIEWED", self.committee_id

    class EmergencyConfirmed(Aggregate.Event):
        """确认 of an emergency use by the street office (街道)."""

        use_id: UUID
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MaintenanceFund)
            aggregate.uses[self.use_id].status = "CONFIRMED"

    class PaidOut(Aggregate.Event):
        """支付 to the contractor, debited from the affected units by area."""

        use_id: UUID
        amount_fen: int
        on: date
        shares: list[dict[str, Any]]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MaintenanceFund)
            use = aggregate.uses[self.use_id]
            use.status, use.shares = "PAID", self.shares
            aggregate._apply_shares(-self.amount_fen, [_negated(s) for s in self.shares])

    class UseRejected(Aggregate.Event):
        """驳回 by the committee in office (a proposed use) or the street office (an emergency
        use the committee reviewed)."""

        use_id: UUID
        by: str  # COMMITTEE | STREET_OFFICE
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MaintenanceFund)
            aggregate.uses[self.use_id].status = "REJECTED"

    class UseWithdrawn(Aggregate.Event):
        """撤回 by the proposer, before the payout."""

        use_id: UUID
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MaintenanceFund)
            aggregate.uses[self.use_id].status = "WITHDRAWN"

    class EmergencyAudited(Aggregate.Event):
        """事后审计 of a paid emergency use."""

        use_id: UUID
        on: date
        findings: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MaintenanceFund)
            aggregate.uses[self.use_id].status = "AUDITED"

    class CommonIncomeTransferred(Aggregate.Event):
        """公共收益转入: common income put into the fund (negative: a correction's reversal),
        split over the sub-accounts by area as the owners' income is (Art. 283)."""

        entry_id: UUID
        period: str
        amount_fen: int
        shares: list[dict[str, Any]]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, MaintenanceFund)
            aggregate._apply_shares(self.amount_fen, self.shares)

    def __init__(self, community_id: UUID, rule: dict[str, str]) -> None:
        self.community_id = community_id
        self.rule = DepositRule.from_record(rule)
        self.accounts: dict[UUID, SubAccount] = {}
        self.balance_fen = 0
        self.notices: set[tuple[str, UUID]] = set()
        self.uses: dict[UUID, FundUse] = {}

    @staticmethod
    def id_for(community_id: UUID) -> UUID:
        return uuid5(FUND_NAMESPACE, str(community_id))

    @classmethod
    def open(
        cls,
        community_id: UUID,
        commodity_rate: Decimal | str,
        building_cost_per_m2: Decimal | str,
        reform_cost_price_per_m2: Decimal | str,
    ) -> MaintenanceFund:
        rule = DepositRule.checked(
            1, commodity_rate, building_cost_per_m2, reform_cost_price_per_m2
        )
        return cls._create(
            cls.Opened,
            id=cls.id_for(community_id),
            community_id=community_id,
            rule=rule.to_record(),
        )

    # --- Money in --------------------------------------------------------------------------

    def change_rule(
        self,
        commodity_rate: Decimal | str,
        building_cost_per_m2: Decimal | str,
        reform_cost_price_per_m2: Decimal | str,
    ) -> None:
        """A new version of the deposit rule; deposits already made keep the version they
        were made under."""
        rule = DepositRule.checked(
            self.rule.version + 1, commodity_rate, building_cost_per_m2, reform_cost_price_per_m2
        )
        self.trigger_event(self.RuleChanged, rule=rule.to_record())

    def deposit_first(self, unit_id: UUID, housing_kind: str, area: Decimal, on: date) -> int:
        kind = enum_value("housingKind", HousingKind, housing_kind)
        if unit_id in self.accounts:
            raise RuleViolated("unitId", "this unit has made its first deposit already")
        unit_area = exclusive_area("unitId", area)
        rate, price, fen = self.rule.first_deposit_fen(kind, unit_area)
        self.trigger_event(
            self.FirstDeposited,
            unit_id=unit_id,
            housing_kind=kind,
            area=unit_area,
            rule_version=self.rule.version,
            rate=rate,
            price_per_m2=price,
            amount_fen=fen,
            on=on,
        )
        return fen

    def top_up(self, unit_id: UUID, amount_fen: int, on: date) -> None:
        self._account(unit_id, "unitId")
        self.trigger_event(
            self.ToppedUp, unit_id=unit_id, amount_fen=fen_amount("amountFen", amount_fen), on=on
        )

    def allocate_interest(self, amount_fen: int, on: date) -> None:
        amount = fen_amount("amountFen", amount_fen)
        weights = [(a.unit_id, a.balance_fen) for a in self.accounts.values() if a.balance_fen > 0]
        if not weights:
            raise RuleViolated("communityId", "no sub-account has a balance to earn interest")
        self.trigger_event(
            self.InterestAllocated, amount_fen=amount, on=on, shares=shares_by(amount, weights)
        )

    def transfer_common_income(self, entry_id: UUID, period: str, amount_fen: int) -> None:
        """Common income in (or, negative, back out after a correction) by area."""
        if amount_fen == 0:
            return
        if not self.accounts:
            raise RuleViolated("communityId", "the fund has no sub-accounts to receive income")
        shares = shares_by(amount_fen, [(a.unit_id, a.area) for a in self.accounts.values()])
        self._refuse_overdraft(shares, "entryId")
        self.trigger_event(
            self.CommonIncomeTransferred,
            entry_id=entry_id,
            period=period,
            amount_fen=amount_fen,
            shares=shares,
        )

    # --- The 30 % rule ---------------------------------------------------------------------

    @property
    def first_deposits_fen(self) -> int:
        return sum(a.first_deposit_fen for a in self.accounts.values())

    def below_threshold(self) -> bool:
        """The whole fund is below 30 % of the first deposits."""
        return below_threshold(
            self.balance_fen, self.first_deposits_fen, self.rule.top_up_threshold
        )

    def units_below_threshold(self) -> list[SubAccount]:
        return [
            a
            for a in sorted(self.accounts.values(), key=lambda a: str(a.unit_id))
            if below_threshold(a.balance_fen, a.first_deposit_fen, self.rule.top_up_threshold)
        ]

    def send_top_up_notices(self, round_name: str) -> int:
        """续筹通知 to every unit below 30 % not yet noticed in this round; sending the same
        round again sends nothing new."""
        name = required_text("round", round_name, max_length=40)
        sent = 0
        for account in self.units_below_threshold():
            if (name, account.unit_id) in self.notices:
                continue
            self.trigger_event(
                self.TopUpNoticeSent,
                round=name,
                unit_id=account.unit_id,
                balance_fen=account.balance_fen,
                first_deposit_fen=account.first_deposit_fen,
            )
            sent += 1
        return sent

    # --- Use -------------------------------------------------------------------------------

    def propose_use(
        self,
        *,
        kind: str,
        emergency: str | None,
        decision_id: UUID | None,
        title: str,
        contractor: str,
        amount_fen: int,
        unit_ids: list[UUID],
        on: date,
        labels: Mapping[UUID, str] | None = None,
    ) -> UUID:
        """The owners' decision itself is checked by the caller (it lives in another
        aggregate); here: one open use per decision, known units, and sub-accounts that hold
        the amount."""
        kind_value = enum_value("kind", UseKind, kind)
        emergency_value = checked_emergency(kind_value, emergency, decision_id is not None)
        used = {u.decision_id for u in self.uses.values() if u.status not in CLOSED_USE}
        if decision_id is not None and decision_id in used:
            raise RuleViolated("decisionId", "this decision already backs another use of the fund")
        if not unit_ids or len(unit_ids) > MAX_UNITS_PER_USE:
            raise InvalidValue("unitIds", f"must list 1 to {MAX_UNITS_PER_USE} affected units")
        if len(set(unit_ids)) != len(unit_ids):
            raise InvalidValue("unitIds", "lists a unit twice")
        for i, unit_id in enumerate(unit_ids):
            self._account(unit_id, f"unitIds.{i}")
        amount = fen_amount("amountFen", amount_fen)
        self._refuse_overdraft(self._debits(amount, unit_ids), "amountFen", labels)
        use_id = uuid4()
        self.trigger_event(
            self.UseProposed,
            use_id=use_id,
            kind=kind_value,
            emergency=emergency_value,
            decision_id=decision_id,
            title=required_text("title", title),
            contractor=required_text("contractor", contractor),
            amount_fen=amount,
            unit_ids=list(unit_ids),
            proposed_on=on,
        )
        return use_id

    def approve_use(
        self, use_id: UUID, committee_id: UUID, on: date, labels: Mapping[UUID, str] | None = None
    ) -> None:
        use = self._use(use_id, UseKind.ORDINARY, "PROPOSED", "approved")
        self._refuse_overdraft(self._debits(use.amount_fen, use.unit_ids), "useId", labels)
        self.trigger_event(self.UseApproved, use_id=use_id, committee_id=committee_id, on=on)

    def review_emergency(
        self, use_id: UUID, committee_id: UUID, on: date, labels: Mapping[UUID, str] | None = None
    ) -> None:
        use = self._use(use_id, UseKind.EMERGENCY, "PROPOSED", "reviewed")
        self._refuse_overdraft(self._debits(use.amount_fen, use.unit_ids), "useId", labels)
        self.trigger_event(self.EmergencyReviewed, use_id=use_id, committee_id=committee_id, on=on)

    def confirm_emergency(
        self, use_id: UUID, on: date, labels: Mapping[UUID, str] | None = None
    ) -> None:
        use = self._use(
            use_id, UseKind.EMERGENCY, "REVIEWED", "confirmed (after the committee review)"
        )
        self._refuse_overdraft(self._debits(use.amount_fen, use.unit_ids), "useId", labels)
        self.trigger_event(self.EmergencyConfirmed, use_id=use_id, on=on)

    def reject_use(self, use_id: UUID, by: str, on: date) -> None:
        """驳回: the committee rejects a proposed use (ordinary or emergency); the street
        office rejects an emergency use the committee reviewed, instead of confirming it."""
        if by == "STREET_OFFICE":
            self._use(use_id, UseKind.EMERGENCY, "REVIEWED", "rejected by the street office")
        elif by == "COMMITTEE":
            use = self.uses.get(use_id)
            if use is None:
                raise UnknownPart("useId", "no such use of this fund")
            if use.status != "PROPOSED":
                raise RuleViolated(
                    "useId", f"the use is {use.status}; the committee rejects a PROPOSED use"
                )
        else:
            raise InvalidValue("by", "must be COMMITTEE or STREET_OFFICE")
        self.trigger_event(self.UseRejected, use_id=use_id, by=by, on=on)

    def withdraw_use(self, use_id: UUID, on: date) -> None:
        """撤回 by the proposer, at any step before the payout."""
        use = self.uses.get(use_id)
        if use is None:
            raise UnknownPart("useId", "no such use of this fund")
        if use.status not in OPEN_USE:
            raise RuleViolated(
                "useId", f"the use is {use.status}; it can be withdrawn until it is paid"
            )
        self.trigger_event(self.UseWithdrawn, use_id=use_id, on=on)

    def pay_use(self, use_id: UUID, on: date, labels: Mapping[UUID, str] | None = None) -> None:
        use = self.uses.get(use_id)
        if use is None:
            raise UnknownPart("useId", "no such use of this fund")
        ready = "APPROVED" if use.kind == UseKind.ORDINARY.value else "CONFIRMED"
        if use.status != ready:
            raise RuleViolated("useId", f"the use is {use.status}; it is paid once {ready}")
        shares = self._debits(use.amount_fen, use.unit_ids)
        self._refuse_overdraft(shares, "useId", labels)
        self.trigger_event(
            self.PaidOut,
            use_id=use_id,
            amount_fen=use.amount_fen,
            on=on,
            shares=[_negated(s) for s in shares],
        )

    def audit_emergency(self, use_id: UUID, findings: str, on: date) -> None:
        self._use(use_id, UseKind.EMERGENCY, "PAID", "audited (after its payout)")
        text = optional_text("findings", findings, max_length=5000)
        if not text:
            raise InvalidValue("findings", "must not be empty")
        self.trigger_event(self.EmergencyAudited, use_id=use_id, on=on, findings=text)

    def unaudited_emergencies(self) -> list[FundUse]:
        return [
            u
            for u in self.uses.values()
            if u.kind == UseKind.EMERGENCY.value and u.status == "PAID"
        ]

    # --- Helpers ---------------------------------------------------------------------------

    def _account(self, unit_id: UUID, field: str) -> SubAccount:
        account = self.accounts.get(unit_id)
        if account is None:
            raise UnknownPart(field, "the unit has no sub-account in this fund (no first deposit)")
        return account

    def _use(self, use_id: UUID, kind: UseKind, status: str, step: str) -> FundUse:
        """The use, if it is of ``kind`` and at ``status``: the step before ``step``."""
        use = self.uses.get(use_id)
        if use is None:
            raise UnknownPart("useId", "no such use of this fund")
        if use.kind != kind.value:
            raise RuleViolated("useId", f"only an {kind.value} use can be {step}")
        if use.status != status:
            raise RuleViolated("useId", f"the use is {use.status}; it can be {step} when {status}")
        return use

    def _debits(self, amount_fen: int, unit_ids: list[UUID]) -> list[dict[str, Any]]:
        """What a use of ``amount_fen`` takes from each affected sub-account, by area."""
        weights = [(u, self.accounts[u].area) for u in unit_ids]
        return [_negated(s) for s in shares_by(amount_fen, weights)]

    def _refuse_overdraft(
        self,
        shares: list[dict[str, Any]],
        field: str,
        labels: Mapping[UUID, str] | None = None,
    ) -> None:
        """Nothing is applied if the affected sub-accounts together, or any one of them,
        would go below zero; amounts in 元, units by their labels (楼栋-单元-房号)."""
        accounts = [self.accounts[UUID(share["unit_id"])] for share in shares]
        held = sum(a.balance_fen for a in accounts)
        needed = -sum(share["fen"] for share in shares)
        if needed > held:
            raise RuleViolated(
                field,
                f"the use needs {yuan(needed)} 元 but the affected sub-accounts hold "
                f"{yuan(held)} 元 (the fund {yuan(self.balance_fen)} 元): overdraft refused",
            )
        for share, account in zip(shares, accounts, strict=True):
            if account.balance_fen + share["fen"] < 0:
                name = (labels or {}).get(account.unit_id, str(account.unit_id))
                raise RuleViolated(
                    field,
                    f"unit {name}'s sub-account holds {yuan(account.balance_fen)} 元, "
                    f"{yuan(-share['fen'])} 元 are needed: overdraft refused",
                )

    def _apply_shares(self, total_fen: int, shares: list[dict[str, Any]]) -> None:
        for share in shares:
            self.accounts[UUID(share["unit_id"])].balance_fen += share["fen"]
        self.balance_fen += total_fen


def yuan(fen: int) -> str:
    """An amount for a message: 元 with thousands separators and two places."""
    return f"{fen_to_yuan(fen):,}"


def _negated(share: dict[str, Any]) -> dict[str, Any]:
    return {"unit_id": share["unit_id"], "fen": -share["fen"]}
