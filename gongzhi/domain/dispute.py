"""矛盾纠纷 dispute in a community and its 调解 mediation sessions.

Resolved by mediation means: closed with an AGREEMENT after at least one session; the
statistics of a community count these against all disputes opened.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.values import enum_value, optional_text, required_text

MAX_TEXT = 4000


class PartyKind(enum.Enum):
    """当事人 kind."""

    OWNER = "OWNER"  # 业主
    COMPANY = "COMPANY"  # 物业服务企业
    COMMITTEE = "COMMITTEE"  # 业委会
    NEIGHBOUR = "NEIGHBOUR"  # 邻里
    OTHER = "OTHER"


class DisputeOutcome(enum.Enum):
    AGREEMENT = "AGREEMENT"  # 达成调解协议
    NO_AGREEMENT = "NO_AGREEMENT"  # 调解不成, referred to court or arbitration
    WITHDRAWN = "WITHDRAWN"  # 撤回


class Referral(enum.Enum):
    COURT = "COURT"  # 诉讼
    ARBITRATION = "ARBITRATION"  # 仲裁


@dataclass(frozen=True)
class DisputeParty:
    """A party by name, optionally linked to a unit or a company on record."""

    name: str
    kind: str
    unit_id: UUID | None = None
    company_id: UUID | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["unit_id"] = str(self.unit_id) if self.unit_id else None
        data["company_id"] = str(self.company_id) if self.company_id else None
        return data


def checked_parties(parties: list[DisputeParty]) -> list[dict[str, Any]]:
    if len(parties) < 2:
        raise InvalidValue("parties", "a dispute has at least two parties")
    return [
        DisputeParty(
            required_text(f"parties.{i}.name", p.name),
            enum_value(f"parties.{i}.kind", PartyKind, p.kind),
            p.unit_id,
            p.company_id,
        ).as_dict()
        for i, p in enumerate(parties)
    ]


class Dispute(Aggregate):
    """矛盾纠纷 between parties in a community, mediated (调解) until closed."""

    class Opened(Aggregate.Created):
        community_id: UUID
        subject: str
        parties: list[dict[str, Any]]
        opened_on: date

    class MediationHeld(Aggregate.Event):
        held_on: date
        mediator: str
        attendees: list[str]
        notes: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Dispute)
            aggregate.sessions.append(self.held_on)

    class Closed(Aggregate.Event):
        outcome: str
        terms: str
        referred_to: str | None
        closed_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Dispute)
            aggregate.outcome = self.outcome
            aggregate.closed_on = self.closed_on

    def __init__(
        self, community_id: UUID, subject: str, parties: list[dict[str, Any]], opened_on: date
    ) -> None:
        self.community_id = community_id
        self.subject = subject
        self.parties = parties
        self.opened_on = opened_on
        self.sessions: list[date] = []
        self.outcome: str | None = None
        self.closed_on: date | None = None

    @classmethod
    def open(
        cls, *, community_id: UUID, subject: str, parties: list[DisputeParty], opened_on: date
    ) -> Dispute:
        return cls._create(
            cls.Opened,
            community_id=community_id,
            subject=required_text("subject", subject, max_length=MAX_TEXT),
            parties=checked_parties(parties),
            opened_on=opened_on,
        )

    def hold_mediation(
        self, *, held_on: date, mediator: str, attendees: list[str], notes: str
    ) -> None:
        """调解: one session, with who mediated, who attended and what was said."""
        self._open("disputeId")
        self._not_before("heldOn", held_on, self.opened_on, "the dispute was opened")
        names = [required_text(f"attendees.{i}", a) for i, a in enumerate(attendees)]
        if not names:
            raise InvalidValue("attendees", "a mediation session has attendees")
        self.trigger_event(
            self.MediationHeld,
            held_on=held_on,
            mediator=required_text("mediator", mediator),
            attendees=names,
            notes=optional_text("notes", notes, max_length=MAX_TEXT),
        )

    def close(
        self, *, outcome: object, terms: str, referred_to: object | None, closed_on: date
    ) -> None:
        """结案: AGREEMENT with its terms after mediation, NO_AGREEMENT referred to a court
        or arbitration, or WITHDRAWN."""
        self._open("disputeId")
        result = enum_value("outcome", DisputeOutcome, outcome)
        text = optional_text("terms", terms, max_length=MAX_TEXT)
        referral = None
        if result == DisputeOutcome.AGREEMENT.value:
            if not text:
                raise InvalidValue("terms", "an agreement states its terms")
            if not self.sessions:
                raise RuleViolated(
                    "outcome", "an agreement is reached in mediation: record a session first"
                )
        if result == DisputeOutcome.NO_AGREEMENT.value:
            if referred_to is None:
                raise InvalidValue("referredTo", "say whether it goes to a court or to arbitration")
            referral = enum_value("referredTo", Referral, referred_to)
        elif referred_to is not None:
            raise InvalidValue("referredTo", "only a dispute without agreement is referred")
        last = max(self.sessions, default=self.opened_on)
        self._not_before("closedOn", closed_on, last, "the dispute's last step")
        self.trigger_event(
            self.Closed, outcome=result, terms=text, referred_to=referral, closed_on=closed_on
        )

    def _open(self, field: str) -> None:
        if self.outcome is not None:
            raise RuleViolated(field, "the dispute is closed")

    @staticmethod
    def _not_before(field: str, day: date, earliest: date, what: str) -> None:
        if day < earliest:
            raise InvalidValue(field, f"must not be before {what} ({earliest.isoformat()})")
