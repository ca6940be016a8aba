"""The Complaint (投诉) and Dispute (矛盾纠纷) state machines: given events, when a command,
then events or an error."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.complaint import Complaint
from gongzhi.domain.dispute import Dispute, DisputeParty
from gongzhi.domain.errors import InvalidValue, RuleViolated

CST = timezone(timedelta(hours=8))
FILED = datetime(2026, 3, 1, 9, tzinfo=CST)


def complaint(channel: str = "RESIDENT") -> Complaint:
    return Complaint.file(
        community_id=uuid4(),
        company_id=uuid4(),
        unit_id=uuid4(),
        category="REPAIRS",
        channel=channel,
        description="电梯停运",
        filed_at=FILED,
    )


def replied() -> Complaint:
    c = complaint()
    c.accept(FILED + timedelta(hours=1))
    c.answer("已报修", FILED + timedelta(hours=2))
    return c


def names(aggregate: Complaint | Dispute) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


def test_a_complaint_is_filed_accepted_replied_and_closed_in_order() -> None:
    c = replied()
    c.close("SUBSTANTIATED", 5, FILED + timedelta(days=1))
    assert names(c) == ["Filed", "Accepted", "Replied", "Closed"]
    assert (c.status, c.outcome, c.satisfaction) == ("CLOSED", "SUBSTANTIATED", 5)


def test_a_complaint_has_no_one_to_answer_it_without_a_serving_company() -> None:
    with pytest.raises(RuleViolated) as caught:
        Complaint.file(
            community_id=uuid4(),
            company_id=None,
            unit_id=None,
            category="OTHER",
            channel="HOTLINE_12345",
            description="x",
            filed_at=FILED,
        )
    assert caught.value.field == "communityId"


def test_a_complaint_time_must_carry_its_zone() -> None:
    with pytest.raises(InvalidValue) as caught:
        Complaint.file(
            community_id=uuid4(),
            company_id=uuid4(),
            unit_id=uuid4(),
            category="OTHER",
            channel="RESIDENT",
            description="x",
            filed_at=datetime(2026, 3, 1, 9),
        )
    assert caught.value.field == "filedAt"


def test_a_finding_needs_the_reply_but_withdrawal_does_not() -> None:
    c = complaint()
    with pytest.raises(RuleViolated):
        c.close("NOT_SUBSTANTIATED", None, FILED)
    c.close("WITHDRAWN", None, FILED)
    with pytest.raises(RuleViolated):
        c.close("WITHDRAWN", None, FILED)


def test_steps_cannot_go_back_in_time_or_repeat() -> None:
    c = complaint()
    with pytest.raises(InvalidValue):
        c.accept(FILED - timedelta(minutes=1))
    c.accept(FILED)
    with pytest.raises(RuleViolated):
        c.accept(FILED)


STEPS = st.lists(st.sampled_from(["accept", "answer", "find", "withdraw"]), max_size=6)


@given(STEPS)
def test_whatever_the_order_of_commands_the_status_only_moves_forward(steps: list[str]) -> None:
    # Given any sequence of commands, each either applied or refused
    c = complaint()
    order = ["FILED", "ACCEPTED", "REPLIED", "CLOSED"]
    seen = [c.status]
    at = FILED
    for step in steps:
        at += timedelta(minutes=5)
        try:
            match step:
                case "accept":
                    c.accept(at)
                case "answer":
                    c.answer("答复", at)
                case "find":
                    c.close("SUBSTANTIATED", 3, at)
                case "withdraw":
                    c.close("WITHDRAWN", None, at)
        except RuleViolated:
            pass
        seen.append(c.status)
    # Then the statuses never go back, and a finding always follows a reply
    assert [order.index(s) for s in seen] == sorted(order.index(s) for s in seen)
    if c.outcome == "SUBSTANTIATED":
        assert c.replied_at is not None


def dispute() -> Dispute:
    return Dispute.open(
        community_id=uuid4(),
        subject="噪音",
        opened_on=date(2026, 3, 1),
        parties=[DisputeParty("张三", "OWNER"), DisputeParty("李四", "NEIGHBOUR")],
    )


def test_a_dispute_ends_in_an_agreement_only_after_mediation() -> None:
    d = dispute()
    with pytest.raises(RuleViolated):
        d.close(outcome="AGREEMENT", terms="道歉", referred_to=None, closed_on=date(2026, 3, 2))
    d.hold_mediation(held_on=date(2026, 3, 2), mediator="王", attendees=["张三", "李四"], notes="")
    with pytest.raises(InvalidValue) as caught:
        d.close(outcome="AGREEMENT", terms=" ", referred_to=None, closed_on=date(2026, 3, 3))
    assert caught.value.field == "terms"
    d.close(outcome="AGREEMENT", terms="道歉", referred_to=None, closed_on=date(2026, 3, 3))
    assert names(d) == ["Opened", "MediationHeld", "Closed"]
    with pytest.raises(RuleViolated):
        d.hold_mediation(held_on=date(2026, 3, 4), mediator="王", attendees=["张三"], notes="")


def test_a_failed_mediation_is_referred_to_court_or_arbitration() -> None:
    d = dispute()
    with pytest.raises(InvalidValue) as caught:
        d.close(outcome="NO_AGREEMENT", terms="", referred_to=None, closed_on=date(2026, 3, 2))
    assert caught.value.field == "referredTo"
    with pytest.raises(InvalidValue):
        d.close(outcome="WITHDRAWN", terms="", referred_to="COURT", closed_on=date(2026, 3, 2))
    d.close(outcome="NO_AGREEMENT", terms="", referred_to="ARBITRATION", closed_on=date(2026, 3, 2))
    assert d.outcome == "NO_AGREEMENT"


def test_a_dispute_closes_not_before_its_last_session() -> None:
    d = dispute()
    d.hold_mediation(held_on=date(2026, 3, 5), mediator="王", attendees=["张三"], notes="")
    with pytest.raises(InvalidValue) as caught:
        d.close(outcome="WITHDRAWN", terms="", referred_to=None, closed_on=date(2026, 3, 4))
    assert caught.value.field == "closedOn"
