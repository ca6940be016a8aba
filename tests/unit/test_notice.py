"""通知 and 催缴 rules, on the aggregates alone."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.notice import (
    LEGAL_PATH,
    MAX_PERIOD_DAYS,
    PUBLICITY_DAYS,
    REMINDERS_PER_EVENT,
    Arrears,
    ArrearsRound,
    Notice,
    NoticeAudience,
    NoticeReceipt,
    NoticeRoles,
    NoticeType,
    reminder_text,
)

DAY = date(2026, 12, 7)


def notice(**overrides: object) -> Notice:
    fields: dict[str, object] = {
        "community_id": uuid4(),
        "audience": NoticeAudience.COMMUNITY,
        "audience_id": None,
        "roles": NoticeRoles.EVERYONE,
        "title": "停水通知",
        "body": "周三停水",
        "publish_from": DAY,
        "publish_until": DAY,
    }
    return Notice.publish(**{**fields, **overrides})  # type: ignore[arg-type]


def test_a_notice_runs_within_its_period_of_at_most_a_year() -> None:
    assert notice().publish_until == DAY  # one day: from and until both included
    with pytest.raises(InvalidValue) as backwards:
        notice(publish_until=date(2026, 12, 6))
    assert backwards.value.field == "publishUntil"
    with pytest.raises(InvalidValue):
        notice(publish_until=date.fromordinal(DAY.toordinal() + MAX_PERIOD_DAYS))


def test_a_notice_to_a_part_names_the_part_and_a_community_notice_names_none() -> None:
    with pytest.raises(InvalidValue):
        notice(audience=NoticeAudience.BUILDING)
    with pytest.raises(InvalidValue):
        notice(audience_id=uuid4())
    assert notice(audience=NoticeAudience.UNIT, audience_id=uuid4()).audience == "UNIT"


def test_a_notice_is_withdrawn_once_by_the_office_that_published_it() -> None:
    published = notice(publisher_role="COMMITTEE_MEMBER")
    with pytest.raises(RuleViolated) as not_theirs:
        published.withdraw(DAY, "COMPANY_STAFF")
    assert "COMMITTEE_MEMBER" in not_theirs.value.message
    published.withdraw(DAY, "COMMITTEE_MEMBER")
    with pytest.raises(RuleViolated):
        published.withdraw(DAY, "PLATFORM_ADMIN")


def test_a_households_receipt_has_one_id_per_notice_and_unit() -> None:
    notice_id, unit = uuid4(), uuid4()
    assert NoticeReceipt.id_for(notice_id, unit) == NoticeReceipt.id_for(notice_id, unit)
    assert NoticeReceipt.id_for(notice_id, unit) != NoticeReceipt.id_for(notice_id, uuid4())


def test_every_publicity_runs_at_least_seven_days() -> None:
    assert min(PUBLICITY_DAYS.values()) >= 7


def arrears(label: str, owed: int = 30696) -> Arrears:
    return Arrears(uuid4(), label, owed, 2, date(2026, 10, 31))


def test_a_round_reminds_each_unit_in_arrears_once() -> None:
    round_ = ArrearsRound.open(uuid4(), "2026-12", DAY)
    first, second = arrears("1栋-1单元-101"), arrears("1栋-1单元-102")
    sent = round_.remind([first])
    again = round_.remind([first, second, arrears("2栋-1单元-101", owed=0)])
    assert [n.audience_id for n in sent] == [first.unit_id]
    assert [n.audience_id for n in again] == [second.unit_id]
    assert round_.remind([first, second]) == []
    # the same round names the same notice for a unit: a second run cannot duplicate it
    other = ArrearsRound.open(round_.community_id, "2026-12", DAY)
    assert other.remind([first])[0].id == sent[0].id


def test_a_reminder_states_the_amount_and_the_legal_path_never_cutting_utilities() -> None:
    (reminder,) = ArrearsRound.open(uuid4(), "R1", DAY).remind([arrears("1栋-1单元-101")])
    assert reminder.kind == NoticeType.ARREARS_REMINDER.value
    assert "306.96元" in reminder.body and "1栋-1单元-101" in reminder.title
    assert LEGAL_PATH in reminder.body
    assert "诉讼或申请仲裁" in LEGAL_PATH and "不会以停止供水、供电" in LEGAL_PATH


def test_a_large_round_records_its_reminders_in_events_of_bounded_size() -> None:
    round_ = ArrearsRound.open(uuid4(), "R1", DAY)
    round_.remind([arrears(f"1栋-1单元-{n}") for n in range(REMINDERS_PER_EVENT * 2 + 1)])
    reminded = [e for e in round_.collect_events() if isinstance(e, ArrearsRound.Reminded)]
    assert [len(e.reminders) for e in reminded] == [REMINDERS_PER_EVENT, REMINDERS_PER_EVENT, 1]


def test_a_notice_to_the_committee_is_read_per_member_and_no_other_is() -> None:
    from datetime import datetime

    from gongzhi.domain.notice import NoticeMemberReceipt

    person, at = uuid4(), datetime(2026, 12, 7, 9, 0)
    to_committee = notice(roles=NoticeRoles.COMMITTEE)
    receipt = to_committee.read_by_member(person, at)
    # one receipt per member and notice: its id is derived from both
    assert receipt.id == NoticeMemberReceipt.id_for(to_committee.id, person)
    assert (receipt.notice_id, receipt.person_id, receipt.read_at) == (to_committee.id, person, at)
    # a notice to households is read by households, never per person
    with pytest.raises(RuleViolated):
        notice(roles=NoticeRoles.OWNERS).read_by_member(person, at)


def test_a_reminder_names_the_late_fee_within_its_amount() -> None:
    arrears = Arrears(uuid4(), "1栋-1单元-101", 25721, 2, date(2026, 11, 1), late_fee_fen=171)
    _, body = reminder_text(arrears, DAY)
    assert "合计257.21元（含滞纳金1.71元，最早一期应缴日2026-11-01）" in body
    _, plain = reminder_text(Arrears(uuid4(), "1-1-101", 100, 1, date(2026, 11, 1)), DAY)
    assert "滞纳金" not in plain
