"""物业服务合同 property service contract (Civil Code arts. 937-950).

A community's contracts form a chain: contract 1, 2, 3 … in award order, each id derived
from the community and its number, so the store itself refuses a second contract with the
same number. A community has at most one contract in force; the next one can only be
awarded as the successor (接管) of the latest, and the latest keeps serving until the
successor takes over (art. 950).

Dates, all business dates (Asia/Shanghai):

* dismissal (解聘, art. 946): the owners decide, then notify 60 days ahead: the notice
  takes effect no earlier than ``given_on + 60 days``;
* non-renewal (不续聘, art. 947): the company notifies at least 90 days before the term
  ends: ``given_on <= term_end - 90 days``; the contract then ends with its term;
* expiry without a decision (art. 948): the contract runs on for an indefinite term
  (不定期); either side may then end it with 60 days' notice;
* ``effective_on`` of a notice is the first day the contract no longer binds: the first day
  a successor may take over. Nothing happens on that day by itself: the status is computed
  from the dates (``status_on``), never by a timer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.decision import CHALLENGE_PERIOD, Decision, Scope
from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.tally import Matter
from gongzhi.domain.values import ManagementMode, enum_value

CONTRACT_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/service-contract")
DISMISSAL_NOTICE = timedelta(days=60)  # art. 946 解聘, and ending an indefinite term (art. 948)
NON_RENEWAL_NOTICE = timedelta(days=90)  # art. 947 不续聘
FEE_PLACES = Decimal("0.0001")  # 元/m²/月 to four places: local price lists use up to three
MAX_FEE = Decimal("100")
RATE_PLACES = Decimal("0.0001")
CONTRACT_MODES = (ManagementMode.PROFESSIONAL.value, ManagementMode.COMMUNITY_CUSTODY.value)


class PricingModel(enum.Enum):
    """计费方式."""

    LUMP_SUM = "LUMP_SUM"  # 包干制: the company keeps the fees and bears the costs
    COMMISSION = "COMMISSION"  # 酬金制: costs paid from the fees, the company takes a share


class NoticeKind(enum.Enum):
    DISMISSAL = "DISMISSAL"  # 解聘: by the owners after their decision
    NON_RENEWAL = "NON_RENEWAL"  # 不续聘 / ending an indefinite term: by the company


class ContractStatus(enum.Enum):
    """Where a contract stands on a given day, computed from its dates."""

    AWARDED = "AWARDED"  # 已签订: not in force yet
    IN_FORCE = "IN_FORCE"  # 履行中: within its term
    RUNNING_ON_INDEFINITELY = "RUNNING_ON_INDEFINITELY"  # 不定期: term over, nobody decided
    ENDING = "ENDING"  # notice given or successor awarded; serves until the hand-over
    HANDED_OVER = "HANDED_OVER"  # 已交接: the successor took over


@dataclass(frozen=True)
class Notice:
    kind: str
    given_on: date
    effective_on: date
    decision_id: UUID | None


def contract_id(community_id: UUID, number: int) -> UUID:
    """The id of a community's ``number``-th contract (1, 2, …)."""
    return uuid5(CONTRACT_NAMESPACE, f"{community_id}/{number}")


def contract_status(
    *,
    on: date,
    started_on: date | None,
    term_end: date | None,
    ending: bool,
    handed_over_on: date | None,
) -> ContractStatus:
    """The status on ``on``; ``ending`` when a notice was given or a successor awarded.

    One function for the aggregate and the read side, so both always agree.
    """
    if handed_over_on is not None and on >= handed_over_on:
        return ContractStatus.HANDED_OVER
    if started_on is None or on < started_on:
        return ContractStatus.AWARDED
    if ending:
        return ContractStatus.ENDING
    if term_end is not None and on > term_end:
        return ContractStatus.RUNNING_ON_INDEFINITELY
    return ContractStatus.IN_FORCE


class ServiceContract(Aggregate):
    """物业服务合同 of one community with a company (专业物业), or 社区托管 by the street office."""

    class Awarded(Aggregate.Created):
        community_id: UUID
        number: int
        mode: str
        company_id: UUID | None
        decision_id: UUID | None
        predecessor_id: UUID | None
        term_start: date
        term_end: date | None
        fee_per_m2_month: Decimal
        pricing: str
        commission_rate: Decimal | None
        signed_on: date

    class SuccessorAwarded(Aggregate.Event):
        """另聘: the successor that will take over; from now on this contract is ending."""

        successor_id: UUID
        awarded_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ServiceContract)
            aggregate.successor_id = self.successor_id
            aggregate.successor_awarded_on = self.awarded_on

    class Started(Aggregate.Event):
        """In force from ``on``: the community is managed under this contract from then."""

        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ServiceContract)
            aggregate.started_on = self.on

    class DismissalNoticed(Aggregate.Event):
        """解聘通知 by the owners, on the strength of their decision."""

        given_on: date
        effective_on: date
        decision_id: UUID

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ServiceContract)
            aggregate.notice = Notice(
                NoticeKind.DISMISSAL.value, self.given_on, self.effective_on, self.decision_id
            )

    class NonRenewalNoticed(Aggregate.Event):
        """不续聘通知 by the company (or its notice ending an indefinite term)."""

        given_on: date
        effective_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ServiceContract)
            aggregate.notice = Notice(
                NoticeKind.NON_RENEWAL.value, self.given_on, self.effective_on, None
            )

    class HandedOver(Aggregate.Event):
        """交接: the successor serves from ``on``; this contract's service ends the day before."""

        successor_id: UUID
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ServiceContract)
            aggregate.handed_over_on = self.on

    def __init__(
        self,
        community_id: UUID,
        number: int,
        mode: str,
        company_id: UUID | None,
        decision_id: UUID | None,
        predecessor_id: UUID | None,
        term_start: date,
        term_end: date | None,
        fee_per_m2_month: Decimal,
        pricing: str,
        commission_rate: Decimal | None,
        signed_on: date,
    ) -> None:
        self.community_id = community_id
        self.number = number
        self.mode = mode
        self.company_id = company_id
        self.decision_id = decision_id
        self.predecessor_id = predecessor_id
        self.term_start = term_start
        self.term_end = term_end
        self.fee_per_m2_month = fee_per_m2_month
        self.pricing = pricing
        self.commission_rate = commission_rate
        self.signed_on = signed_on
        self.successor_id: UUID | None = None
        self.successor_awarded_on: date | None = None
        self.started_on: date | None = None
        self.notice: Notice | None = None
        self.handed_over_on: date | None = None

    @classmethod
    def award(
        cls,
        *,
        community_id: UUID,
        number: int,
        mode: str,
        company_id: UUID | None,
        decision: Decision | None,
        decisions_used: frozenset[UUID] = frozenset(),
        predecessor_id: UUID | None,
        term_start: date,
        term_end: date | None,
        fee_per_m2_month: Decimal | str,
        pricing: str,
        commission_rate: Decimal | str | None,
        signed_on: date,
    ) -> ServiceContract:
        """选聘: a company on the owners' decision to hire it, or 社区托管 by the street office.

        ``decisions_used`` are the decisions behind the community's earlier contracts: one
        decision to hire backs one contract.
        """
        mode_value = enum_value("mode", ManagementMode, mode)
        if mode_value not in CONTRACT_MODES:
            raise InvalidValue("mode", "must be PROFESSIONAL or COMMUNITY_CUSTODY")
        if number < 1:
            raise InvalidValue("number", "must be 1 or more")
        professional = mode_value == ManagementMode.PROFESSIONAL.value
        if professional:
            _check_hiring(community_id, company_id, decision, decisions_used, term_end, signed_on)
        elif company_id is not None:
            raise InvalidValue("companyId", "community custody (社区托管) has no company")
        elif decision is not None:
            raise InvalidValue("decisionId", "community custody is arranged by the street office")
        if term_end is not None and term_end <= term_start:
            raise InvalidValue("termEnd", "must be after the term starts")
        if signed_on > term_start:
            raise InvalidValue("signedOn", "must not be after the term starts")
        fee = fee_standard("feePerM2Month", fee_per_m2_month, allow_zero=not professional)
        pricing_value, rate = pricing_model(pricing, commission_rate)
        return cls._create(
            cls.Awarded,
            id=contract_id(community_id, number),
            community_id=community_id,
            number=number,
            mode=mode_value,
            company_id=company_id,
            decision_id=decision.id if decision is not None else None,
            predecessor_id=predecessor_id,
            term_start=term_start,
            term_end=term_end,
            fee_per_m2_month=fee,
            pricing=pricing_value,
            commission_rate=rate,
            signed_on=signed_on,
        )

    @property
    def professional(self) -> bool:
        return self.mode == ManagementMode.PROFESSIONAL.value

    @property
    def ending(self) -> bool:
        return self.notice is not None or self.successor_id is not None

    def status_on(self, day: date) -> ContractStatus:
        return contract_status(
            on=day,
            started_on=self.started_on,
            term_end=self.term_end,
            ending=self.ending,
            handed_over_on=self.handed_over_on,
        )

    def accept_successor(self, successor: ServiceContract) -> None:
        """Name the contract awarded to take over from this one (this one keeps serving)."""
        if successor.predecessor_id != self.id or successor.community_id != self.community_id:
            raise RuleViolated("predecessorId", "the successor must name this contract")
        if self.handed_over_on is not None:
            raise RuleViolated("predecessorId", "this contract was already handed over")
        if self.started_on is None:
            raise RuleViolated("predecessorId", "this contract has not started yet")
        if self.successor_id is not None:
            raise RuleViolated("predecessorId", "this contract already has a successor")
        self.trigger_event(
            self.SuccessorAwarded, successor_id=successor.id, awarded_on=successor.signed_on
        )

    def start(self, on: date) -> None:
        """生效: the first contract of a community comes into force (a successor takes over
        by the hand-over instead)."""
        if self.predecessor_id is not None:
            raise RuleViolated("contractId", "a successor comes into force by the hand-over")
        if self.started_on is not None:
            raise RuleViolated("contractId", f"already started on {self.started_on.isoformat()}")
        self._check_in_term("startedOn", on)
        self.trigger_event(self.Started, on=on)

    def give_dismissal_notice(
        self, decision: Decision, given_on: date, effective_on: date, today: date
    ) -> None:
        """解聘: the owners' decision, notified at least 60 days before it takes effect."""
        if not self.professional:
            raise RuleViolated("contractId", "community custody is not dismissed; hand it over")
        self._check_can_be_noticed(given_on, today)
        _check_decision(decision, self.community_id, given_on, "decisionId")
        if decision.id == self.decision_id:
            raise RuleViolated("decisionId", "this is the decision that hired the company")
        earliest = given_on + DISMISSAL_NOTICE
        if effective_on < earliest:
            raise RuleViolated(
                "effectiveOn",
                f"a dismissal needs 60 days' notice: given on {given_on.isoformat()}, "
                f"it takes effect on {earliest.isoformat()} at the earliest",
            )
        self.trigger_event(
            self.DismissalNoticed,
            given_on=given_on,
            effective_on=effective_on,
            decision_id=decision.id,
        )

    def give_non_renewal_notice(
        self, given_on: date, today: date, effective_on: date | None = None
    ) -> date:
        """不续聘: the company declines a new term, at least 90 days before this one ends.

        After the term (running on indefinitely) the company may end the contract with 60
        days' notice instead (art. 948). Returns the day the notice takes effect.
        """
        if not self.professional:
            raise RuleViolated("contractId", "community custody has no company to decline")
        self._check_can_be_noticed(given_on, today)
        assert self.term_end is not None  # a company's contract has a fixed term
        if given_on <= self.term_end:
            latest = self.term_end - NON_RENEWAL_NOTICE
            if given_on > latest:
                raise RuleViolated(
                    "givenOn",
                    f"non-renewal needs 90 days' notice before the term ends on "
                    f"{self.term_end.isoformat()}: {latest.isoformat()} was the last day",
                )
            end = self.term_end + timedelta(days=1)
            if effective_on is not None and effective_on != end:
                raise InvalidValue(
                    "effectiveOn", f"a non-renewal takes effect when the term ends: {end}"
                )
        else:
            earliest = given_on + DISMISSAL_NOTICE
            end = effective_on or earliest
            if end < earliest:
                raise RuleViolated(
                    "effectiveOn",
                    "ending an indefinite term needs 60 days' notice: "
                    f"{earliest.isoformat()} at the earliest",
                )
        self.trigger_event(self.NonRenewalNoticed, given_on=given_on, effective_on=end)
        return end

    def earliest_hand_over(self) -> date | None:
        """The first day a successor may take over; ``None`` when it may not yet.

        With a notice: the day it takes effect. Without one: a successor decided on within
        the term takes over after the term; custody ends whenever the successor is ready.
        """
        if self.notice is not None:
            return self.notice.effective_on
        if not self.professional:
            return self.started_on
        assert self.term_end is not None
        if self.successor_awarded_on is not None and self.successor_awarded_on <= self.term_end:
            return self.term_end + timedelta(days=1)
        return None  # running on indefinitely: someone must give 60 days' notice first

    def hand_over(self, successor: ServiceContract, on: date) -> None:
        """交接 from this contract to its successor on ``on``; the successor then takes over.

        The old company serves until the new one takes over (art. 950), so ``on`` may be any
        day from the earliest possible one on.
        """
        if self.successor_id is None or successor.id != self.successor_id:
            raise RuleViolated("contractId", "no successor has been awarded for this contract")
        if self.handed_over_on is not None:
            raise RuleViolated(
                "contractId", f"already handed over on {self.handed_over_on.isoformat()}"
            )
        if self.started_on is None:
            raise RuleViolated("contractId", "this contract never started")
        earliest = self.earliest_hand_over()
        if earliest is None:
            raise RuleViolated(
                "contractId",
                "the contract runs on indefinitely: give 60 days' notice before handing over",
            )
        earliest = max(earliest, self.started_on + timedelta(days=1))
        if on < earliest:
            raise RuleViolated(
                "on", f"the hand-over can be on {earliest.isoformat()} at the earliest"
            )
        successor._check_in_term("on", on)
        self.trigger_event(self.HandedOver, successor_id=successor.id, on=on)

    def take_over(self, predecessor: ServiceContract, on: date) -> None:
        """接管: the successor comes into force on the day of the hand-over."""
        if self.predecessor_id != predecessor.id or predecessor.handed_over_on != on:
            raise RuleViolated("contractId", "the predecessor must be handed over that day first")
        if self.started_on is not None:
            raise RuleViolated("contractId", f"already started on {self.started_on.isoformat()}")
        self._check_in_term("on", on)
        self.trigger_event(self.Started, on=on)

    def _check_in_term(self, field: str, on: date) -> None:
        if on < self.term_start:
            raise RuleViolated(
                field, f"must not be before the term starts on {self.term_start.isoformat()}"
            )
        if self.term_end is not None and on > self.term_end:
            raise RuleViolated(field, f"must not be after the term ends on {self.term_end}")

    def _check_can_be_noticed(self, given_on: date, today: date) -> None:
        if given_on > today:
            raise InvalidValue("givenOn", "must not be in the future")
        if self.started_on is None:
            raise RuleViolated("contractId", "the contract has not started yet")
        if given_on < self.started_on:
            raise InvalidValue("givenOn", "must not be before the contract started")
        if self.handed_over_on is not None:
            raise RuleViolated("contractId", "the contract was already handed over")
        if self.notice is not None:
            raise RuleViolated(
                "contractId",
                f"notice was already given: the contract ends on "
                f"{self.notice.effective_on.isoformat()}",
            )


def decided_on(decision: Decision) -> date:
    """The day the voting closed, as the closing event recorded it."""
    assert decision.challengeable_until is not None
    return decision.challengeable_until - CHALLENGE_PERIOD


def _check_hiring(
    community_id: UUID,
    company_id: UUID | None,
    decision: Decision | None,
    decisions_used: frozenset[UUID],
    term_end: date | None,
    signed_on: date,
) -> None:
    """选聘: a company, for a fixed term, on a decision of the owners not used before."""
    if company_id is None:
        raise InvalidValue("companyId", "is required for a property company's contract")
    if decision is None:
        raise InvalidValue("decisionId", "a company is hired only on the owners' decision (选聘)")
    _check_decision(decision, community_id, signed_on, "decisionId")
    if decision.id in decisions_used:
        raise RuleViolated("decisionId", "this decision already backs another contract")
    if term_end is None:
        raise InvalidValue("termEnd", "a company's contract has a fixed term")


def pricing_model(
    pricing: str, commission_rate: Decimal | str | None
) -> tuple[str, Decimal | None]:
    """包干制 without a rate, or 酬金制 with its rate."""
    value = enum_value("pricing", PricingModel, pricing)
    if value == PricingModel.COMMISSION.value:
        if commission_rate is None:
            raise InvalidValue("commissionRate", "is required for 酬金制 (COMMISSION)")
        return value, commission("commissionRate", commission_rate)
    if commission_rate is not None:
        raise InvalidValue("commissionRate", "is only for 酬金制 (COMMISSION)")
    return value, None


def _check_decision(decision: Decision, community_id: UUID, on: date, field: str) -> None:
    """A closed, passed owners' decision of the whole community on a property company."""
    if decision.community_id != community_id:
        raise RuleViolated(field, "the decision belongs to another community")
    if decision.matter != Matter.PROPERTY_COMPANY.value:
        raise RuleViolated(
            field, "must be a decision on hiring or dismissing a company (PROPERTY_COMPANY)"
        )
    if decision.scope != Scope.COMMUNITY.value:
        raise RuleViolated(field, "must be a decision of the whole community's owners")
    if not decision.closed:
        raise RuleViolated(field, "the voting on this decision has not closed")
    if not decision.passed():
        raise RuleViolated(field, "the owners did not pass this decision")
    if decided_on(decision) > on:
        raise RuleViolated(
            field, f"the decision was made on {decided_on(decision).isoformat()}, later than this"
        )


def fee_standard(field: str, value: Decimal | str, *, allow_zero: bool = False) -> Decimal:
    """物业费标准 in 元 per m² per month, exact to four decimal places."""
    amount = _decimal(field, value, "must be an amount in 元 per m² per month")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise InvalidValue(field, "must be greater than zero")
    if amount >= MAX_FEE:
        raise InvalidValue(field, f"must be less than {MAX_FEE} 元 per m² per month")
    if amount != amount.quantize(FEE_PLACES):
        raise InvalidValue(field, "must have at most four decimal places")
    return amount.quantize(FEE_PLACES)


def commission(field: str, value: Decimal | str) -> Decimal:
    """酬金比例 as a fraction of the fees collected (0.1 = 10 %), to four decimal places."""
    rate = _decimal(field, value, "must be a fraction such as 0.1 for 10 %")
    if not Decimal(0) < rate < Decimal(1):
        raise InvalidValue(field, "must be between 0 and 1 (0.1 = 10 %)")
    if rate != rate.quantize(RATE_PLACES):
        raise InvalidValue(field, "must have at most four decimal places")
    return rate.quantize(RATE_PLACES)


def _decimal(field: str, value: Decimal | str, message: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidValue(field, message) from None
    if not number.is_finite():
        raise InvalidValue(field, message)
    return number
