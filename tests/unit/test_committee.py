"""业主委员会 / 物业管理委员会 as aggregates: members, terms, filing, one committee in office."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.committee import Committee
from gongzhi.domain.committee_rules import (
    DEFAULT_RULES,
    CommitteeRules,
    ElectingDecision,
    Member,
    add_months,
    add_years,
)
from gongzhi.domain.errors import InvalidValue, RuleViolated

COMMUNITY = uuid4()
TODAY = date(2026, 6, 1)
FORMED = date(2024, 3, 1)
ELECTED = date(2024, 5, 10)


def people(count: int) -> list[Member]:
    roles = ["DIRECTOR", "DEPUTY_DIRECTOR"] + ["MEMBER"] * (count - 2)
    return [Member(uuid4(), f"成员{i}", roles[i]) for i in range(count)]


def decision(**overrides: object) -> ElectingDecision:
    facts: dict[str, object] = {
        "id": uuid4(),
        "community_id": COMMUNITY,
        "matter": "COMMITTEE",
        "scope": "COMMUNITY",
        "closed": True,
        "passed": True,
        "closed_on": ELECTED - timedelta(days=1),
    }
    facts.update(overrides)
    return ElectingDecision(**facts)  # type: ignore[arg-type]


def preparing(terms: list[Committee] | None = None, on: date = FORMED) -> Committee:
    return Committee.form_preparatory_group(
        community_id=COMMUNITY,
        terms=terms or [],
        group_members=["街道办 王主任", "居委会 李书记", "业主代表 张三"],
        formed_on=on,
        today=TODAY,
    )


def with_candidates(members: list[Member], terms: list[Committee] | None = None) -> Committee:
    committee = preparing(terms)
    for m in members:
        committee.nominate(m.person_id, m.name, FORMED, TODAY)
    return committee


def elected(
    count: int = 5, households: int = 300, ends: date = date(2029, 5, 9), on: date = ELECTED
) -> Committee:
    members = people(count)
    committee = with_candidates(members)
    committee.elect(
        decision=decision(),
        elected_on=on,
        term_ends_on=ends,
        members=members,
        households=households,
        today=TODAY,
    )
    return committee


@pytest.mark.parametrize("count", [5, 7, 9, 11])
def test_an_odd_number_from_five_to_eleven_may_be_elected(count: int) -> None:
    # Given a preparatory group with the candidates, When the owners elect them
    committee = elected(count)
    # Then the committee is in office with its director and deputy
    assert committee.in_office_on(ELECTED)
    assert len(committee.members) == count
    assert [m.role for m in committee.members][:2] == ["DIRECTOR", "DEPUTY_DIRECTOR"]


@pytest.mark.parametrize(
    ("count", "households"), [(4, 300), (6, 300), (3, 300), (13, 300), (1, 80), (4, 80), (12, 80)]
)
def test_other_member_counts_are_refused(count: int, households: int) -> None:
    with pytest.raises(InvalidValue, match="needs an odd number from"):
        elected(count, households)


def test_three_members_are_allowed_in_a_community_of_at_most_100_households() -> None:
    assert len(elected(3, households=100).members) == 3
    with pytest.raises(InvalidValue, match="101 households needs an odd number from 5 to 11"):
        elected(3, households=101)


def reference_count_allowed(count: int, households: int) -> bool:
    """The rule as DOMAIN.md states it."""
    lowest = 3 if households <= 100 else 5
    return lowest <= count <= 11 and count % 2 == 1


@given(st.integers(0, 20), st.integers(0, 5000))
def test_the_member_count_rule_matches_its_plain_statement(count: int, households: int) -> None:
    allowed = DEFAULT_RULES.member_count_problem(count, households) is None
    assert allowed == reference_count_allowed(count, households)


def test_the_member_count_rule_is_configurable() -> None:
    # Given a city that allows even numbers and 7 to 15 members
    rules = CommitteeRules(name="某市", version=2, min_members=7, max_members=15, odd_members=False)
    # Then 8 is fine and 5 is not, even in a small community without its own exception
    assert rules.member_count_problem(8, 500) is None
    assert rules.member_count_problem(5, 500) is not None
    assert CommitteeRules.from_record(rules.to_record()) == rules


def test_members_need_one_director_at_most_two_deputies_and_each_person_once() -> None:
    members = people(5)
    no_director = [Member(m.person_id, m.name, "MEMBER") for m in members]
    committee = with_candidates(members)
    args = {"decision": decision(), "elected_on": ELECTED, "term_ends_on": date(2029, 5, 9)}
    with pytest.raises(InvalidValue, match="exactly one director"):
        committee.elect(members=no_director, households=300, today=TODAY, **args)  # type: ignore[arg-type]
    deputies = [members[0]] + [Member(m.person_id, m.name, "DEPUTY_DIRECTOR") for m in members[1:]]
    with pytest.raises(InvalidValue, match="at most 2 deputy directors"):
        committee.elect(members=deputies, households=300, today=TODAY, **args)  # type: ignore[arg-type]
    twice = [*members[:4], members[1]]
    with pytest.raises(InvalidValue, match="each person once"):
        committee.elect(members=twice, households=300, today=TODAY, **args)  # type: ignore[arg-type]


def test_only_nominated_candidates_can_be_elected() -> None:
    members = people(5)
    committee = with_candidates(members[:4])
    with pytest.raises(RuleViolated, match=r"not nominated as candidates: members\.4"):
        committee.elect(
            decision=decision(),
            elected_on=ELECTED,
            term_ends_on=date(2029, 5, 9),
            members=members,
            households=300,
            today=TODAY,
        )


def test_a_term_is_at_most_five_years_for_a_homeowner_committee() -> None:
    # The last day may be the day before the fifth anniversary, not the anniversary itself
    assert elected(ends=date(2029, 5, 9)).term_ends_on == date(2029, 5, 9)
    with pytest.raises(InvalidValue, match="at most 5 years: the last day is 2029-05-09"):
        elected(ends=date(2029, 5, 10))
    with pytest.raises(InvalidValue, match="after the term starts"):
        elected(ends=ELECTED)


def test_an_interim_committee_is_appointed_for_at_most_three_years() -> None:
    with pytest.raises(InvalidValue, match="at most 3 years"):
        Committee.appoint_interim(
            community_id=COMMUNITY,
            terms=[],
            appointed_on=ELECTED,
            term_ends_on=date(2027, 5, 10),
            members=people(5),
            households=300,
            today=TODAY,
        )
    interim = Committee.appoint_interim(
        community_id=COMMUNITY,
        terms=[],
        appointed_on=ELECTED,
        term_ends_on=date(2027, 5, 9),
        members=people(5),
        households=300,
        today=TODAY,
    )
    assert interim.in_office_on(ELECTED) and interim.kind == "INTERIM"
    with pytest.raises(RuleViolated, match="appointed, not filed"):
        interim.file(ELECTED, "", TODAY)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        ({"community_id": uuid4()}, "another community"),
        ({"matter": "PROPERTY_COMPANY"}, "decided PROPERTY_COMPANY, not the election"),
        ({"closed": False, "passed": False}, "not closed yet"),
        ({"passed": False}, "did not approve"),
        ({"scope": "BUILDING"}, "whole community"),
    ],
)
def test_only_a_passed_committee_decision_of_the_community_elects(
    wrong: dict[str, object], message: str
) -> None:
    members = people(5)
    committee = with_candidates(members)
    with pytest.raises(RuleViolated, match=message):
        committee.elect(
            decision=decision(**wrong),
            elected_on=ELECTED,
            term_ends_on=date(2029, 5, 9),
            members=members,
            households=300,
            today=TODAY,
        )


@pytest.mark.parametrize(("days", "late"), [(0, False), (30, False), (31, True)])
def test_filing_later_than_30_days_after_the_election_is_flagged(days: int, late: bool) -> None:
    committee = elected()
    assert committee.file(ELECTED + timedelta(days=days), "红塔备字2024-001", TODAY) is late
    with pytest.raises(RuleViolated, match="already filed"):
        committee.file(ELECTED + timedelta(days=days), "", TODAY)


def test_filing_before_the_election_or_in_the_future_is_refused() -> None:
    with pytest.raises(RuleViolated, match="not been elected"):
        preparing().file(ELECTED, "", TODAY)
    with pytest.raises(InvalidValue, match="before the election"):
        elected().file(ELECTED - timedelta(days=1), "", TODAY)
    with pytest.raises(InvalidValue, match="in the future"):
        elected().file(TODAY + timedelta(days=1), "", TODAY)


def test_the_expiry_warning_opens_three_months_before_the_term_ends() -> None:
    committee = elected(ends=date(2029, 5, 9))
    assert not committee.expires_soon(date(2029, 2, 8))
    assert committee.expires_soon(date(2029, 2, 9))
    assert committee.status_on(date(2029, 5, 9)) == "IN_OFFICE"
    assert committee.status_on(date(2029, 5, 10)) == "EXPIRED"
    assert not committee.expires_soon(date(2029, 5, 10))


def test_a_second_committee_cannot_be_formed_while_one_is_in_office() -> None:
    # Given a committee in office until 2029-05-09
    first = elected(ends=date(2029, 5, 9))
    # When a new preparatory group is formed long before the end, Then it is refused
    with pytest.raises(RuleViolated, match="re-election may start on 2029-02-09"):
        preparing([first], on=date(2026, 1, 1))
    # And an interim committee cannot be appointed beside it either
    with pytest.raises(RuleViolated, match="in office until 2029-05-09"):
        Committee.appoint_interim(
            community_id=COMMUNITY,
            terms=[first],
            appointed_on=date(2025, 1, 1),
            term_ends_on=date(2026, 1, 1),
            members=people(5),
            households=300,
            today=TODAY,
        )


def test_a_preparatory_group_at_work_blocks_another_one() -> None:
    first = preparing()
    with pytest.raises(RuleViolated, match="term 1 is still being prepared"):
        preparing([first])
    # When it fails and is dissolved, Then a new one may start, as term 2
    first.dissolve(date(2024, 4, 1), "筹备失败: 业主大会未达法定人数", TODAY)
    assert preparing([first], on=date(2024, 4, 2)).term_number == 2


def test_re_election_succeeds_the_committee_in_office_which_ends_when_the_new_one_is_elected() -> (
    None
):
    # Given a committee whose term ends 2029-05-09 (today is inside the warning window)
    today = date(2029, 4, 1)
    first = elected(ends=date(2029, 5, 9))
    # When its re-election starts
    members = people(5)
    second = Committee.form_preparatory_group(
        community_id=COMMUNITY,
        terms=[first],
        group_members=["换届小组"],
        formed_on=date(2029, 3, 1),
        today=today,
    )
    # Then the new term succeeds it and the old one records the re-election
    assert second.term_number == 2 and second.predecessor_id == first.id
    assert second.id == Committee.id_for(COMMUNITY, 2)
    assert first.successor_id == second.id
    assert isinstance(first.pending_events[-1], Committee.ReElectionStarted)
    # When the successor is elected
    for m in members:
        second.nominate(m.person_id, m.name, date(2029, 3, 2), today)
    second.elect(
        decision=decision(closed_on=date(2029, 3, 30)),
        elected_on=date(2029, 3, 31),
        term_ends_on=date(2034, 3, 30),
        members=members,
        households=300,
        today=today,
        predecessor=first,
    )
    # Then exactly one committee is in office on every day
    assert first.in_office_on(date(2029, 3, 30)) and not second.in_office_on(date(2029, 3, 30))
    assert second.in_office_on(date(2029, 3, 31)) and not first.in_office_on(date(2029, 3, 31))
    assert first.status_on(date(2029, 3, 31)) == "ENDED"


def test_a_homeowner_committee_may_replace_an_interim_one_at_any_time() -> None:
    interim = Committee.appoint_interim(
        community_id=COMMUNITY,
        terms=[],
        appointed_on=date(2024, 1, 1),
        term_ends_on=date(2026, 12, 31),
        members=people(5),
        households=300,
        today=TODAY,
    )
    group = preparing([interim], on=date(2024, 6, 1))
    assert group.predecessor_id == interim.id


def test_member_changes_keep_the_count_rule_and_need_a_decision_to_replace_people() -> None:
    committee = elected(5)
    members = list(committee.members)
    # Offices reassigned among the same people: no decision needed
    swapped = [
        Member(members[0].person_id, members[0].name, "MEMBER"),
        Member(members[1].person_id, members[1].name, "DIRECTOR"),
        *members[2:],
    ]
    committee.change_members(
        members=swapped, changed_on=date(2025, 1, 1), households=300, today=TODAY
    )
    assert committee.members[1].role == "DIRECTOR"
    # A person replaced without a decision is refused; with a passed decision it is recorded
    replaced = [*swapped[:4], Member(uuid4(), "新委员", "MEMBER")]
    with pytest.raises(RuleViolated, match="needs a passed owners' decision"):
        committee.change_members(
            members=replaced, changed_on=date(2025, 2, 1), households=300, today=TODAY
        )
    committee.change_members(
        members=replaced,
        changed_on=date(2025, 2, 1),
        households=300,
        today=TODAY,
        decision=decision(closed_on=date(2025, 1, 31)),
    )
    # And a resignation that leaves four members is refused
    with pytest.raises(InvalidValue, match="not 4"):
        committee.change_members(
            members=replaced[:4], changed_on=date(2025, 3, 1), households=300, today=TODAY
        )


def test_a_dissolved_committee_is_out_of_office_from_that_day() -> None:
    committee = elected()
    committee.dissolve(date(2025, 1, 1), "业主大会决定解散", TODAY)
    assert committee.in_office_on(date(2024, 12, 31))
    assert committee.status_on(date(2025, 1, 1)) == "DISSOLVED"
    with pytest.raises(RuleViolated, match="already dissolved"):
        committee.dissolve(date(2025, 1, 2), "again", TODAY)
    with pytest.raises(InvalidValue, match="must not be empty"):
        elected().dissolve(date(2025, 1, 2), " ", TODAY)


def test_calendar_helpers_clip_to_shorter_months() -> None:
    assert add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)
    assert add_months(date(2029, 5, 31), -3) == date(2029, 2, 28)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_term_ids_are_derived_from_the_community_and_the_term_number() -> None:
    assert Committee.id_for(COMMUNITY, 1) == Committee.id_for(COMMUNITY, 1)
    assert Committee.id_for(COMMUNITY, 1) != Committee.id_for(COMMUNITY, 2)
    assert isinstance(Committee.id_for(COMMUNITY, 1), UUID)
