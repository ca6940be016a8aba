"""The PartyOrganisation aggregate (党组织, 红色物业): given events, when a command, then events
or an error."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.party import PartyOrganisation, PartyOrganisationKind

COMMUNITY = uuid4()
COMPANY = uuid4()
SET_UP = date(2024, 3, 1)


def organisation(kind: str = "COMMITTEE_PARTY_BRANCH") -> PartyOrganisation:
    if kind == "COMPANY_PARTY_ORGANISATION":
        return PartyOrganisation.set_up(
            kind=kind, name="安居物业党支部", company_id=COMPANY, set_up_on=SET_UP
        )
    return PartyOrganisation.set_up(
        kind=kind, name="幸福里业委会党支部", community_id=COMMUNITY, set_up_on=SET_UP
    )


def with_member(
    kind: str = "COMMITTEE_PARTY_BRANCH", party_member: bool = True
) -> tuple[PartyOrganisation, UUID]:
    o = organisation(kind)
    person = o.add_member(uuid4(), "李红", party_member, date(2024, 3, 2))
    return o, person


def event_names(o: PartyOrganisation) -> list[str]:
    return [type(e).__name__ for e in o.collect_events()]


@pytest.mark.parametrize("kind", [k.value for k in PartyOrganisationKind])
def test_each_kind_is_attached_where_it_belongs_and_nowhere_else(kind: str) -> None:
    # Given the attachment the kind requires, the other one refused
    of_company = kind == "COMPANY_PARTY_ORGANISATION"
    right = {"company_id": COMPANY} if of_company else {"community_id": COMMUNITY}
    wrong = {"community_id": COMMUNITY} if of_company else {"company_id": COMPANY}

    # When set up with the right attachment, then it is; with the wrong one, or both, it is not
    o = PartyOrganisation.set_up(kind=kind, name="党组织", set_up_on=SET_UP, **right)  # type: ignore[arg-type]
    assert (o.company_id, o.community_id) == ((COMPANY, None) if of_company else (None, COMMUNITY))
    for attachment in (wrong, {**right, **wrong}, {}):
        with pytest.raises(InvalidValue):
            PartyOrganisation.set_up(kind=kind, name="党组织", set_up_on=SET_UP, **attachment)  # type: ignore[arg-type]


def test_one_organisation_of_a_kind_per_community_gets_the_same_id() -> None:
    # Given two set-ups of the same kind for the same community
    first, second = organisation(), organisation()
    # Then they have one id (the store refuses the second), another kind has its own
    assert first.id == second.id
    assert organisation("COMMITTEE_PARTY_WORKING_GROUP").id != first.id


def test_an_unknown_kind_is_refused_with_the_allowed_ones() -> None:
    with pytest.raises(InvalidValue) as refused:
        PartyOrganisation.set_up(kind="BRANCH", name="x", community_id=COMMUNITY, set_up_on=SET_UP)
    assert refused.value.field == "kind"
    assert "COMMITTEE_PARTY_BRANCH" in refused.value.message


def test_approval_happens_once_and_not_before_set_up() -> None:
    o = organisation()
    with pytest.raises(InvalidValue):
        o.approve(date(2024, 2, 1))
    o.approve(date(2024, 3, 5), "玉兴街道党工委")
    assert o.approved
    with pytest.raises(RuleViolated):
        o.approve(date(2024, 3, 6))


def test_the_secretary_must_be_a_current_party_member() -> None:
    # Given a working group with a party member and a non-party member
    o, member = with_member("COMMITTEE_PARTY_WORKING_GROUP")
    outsider = o.add_member(uuid4(), "王五", False, date(2024, 3, 2))

    # Then a stranger or a non-party member cannot be secretary; the party member can
    with pytest.raises(UnknownPart):
        o.appoint_secretary(uuid4(), date(2024, 3, 3))
    with pytest.raises(RuleViolated) as refused:
        o.appoint_secretary(outsider, date(2024, 3, 3))
    assert refused.value.message == "the secretary must be a party member"
    o.appoint_secretary(member, date(2024, 3, 3))
    assert o.secretary_id == member


def test_only_a_working_group_has_non_party_members() -> None:
    o = organisation("COMMITTEE_PARTY_BRANCH")
    with pytest.raises(RuleViolated):
        o.add_member(uuid4(), "王五", False, date(2024, 3, 2))


def test_a_secretary_leaving_vacates_the_post() -> None:
    # Given a secretary
    o, member = with_member()
    o.appoint_secretary(member, date(2024, 3, 3))
    o.collect_events()
    # When the secretary leaves
    o.remove_member(member, date(2024, 6, 1))
    # Then the post is vacant and the event says so
    events = o.collect_events()
    assert [type(e).__name__ for e in events] == ["MemberLeft"]
    assert events[0].secretary_vacated is True  # type: ignore[attr-defined]
    assert o.secretary_id is None
    assert member not in o.members


def test_a_cross_appointment_needs_a_post_here_and_one_elsewhere() -> None:
    o, member = with_member()
    with pytest.raises(InvalidValue):
        o.record_cross_appointment(member, [("PARTY_ORGANISATION", "书记")], date(2024, 4, 1))
    with pytest.raises(InvalidValue):
        o.record_cross_appointment(member, [("COMMITTEE", "主任")], date(2024, 4, 1))
    with pytest.raises(InvalidValue) as refused:
        o.record_cross_appointment(
            member, [("PARTY_ORGANISATION", "书记"), ("BOARD", "x")], date(2024, 4, 1)
        )
    assert refused.value.field == "posts.1.body"
    o.record_cross_appointment(
        member, [("PARTY_ORGANISATION", "书记"), ("COMMITTEE", "主任")], date(2024, 4, 1)
    )
    assert member in o.cross_appointments


def test_a_red_steward_is_a_party_member_of_a_company_organisation() -> None:
    # Given a company party organisation with a member
    o, member = with_member("COMPANY_PARTY_ORGANISATION")
    # When assigned twice to the same community, then the second is refused
    assignment = o.assign_steward(member, COMMUNITY, date(2024, 4, 1))
    with pytest.raises(RuleViolated):
        o.assign_steward(member, COMMUNITY, date(2024, 4, 2))
    # And a member still assigned cannot leave before the assignment is withdrawn
    with pytest.raises(RuleViolated):
        o.remove_member(member, date(2024, 5, 1))
    o.withdraw_steward(assignment, date(2024, 5, 1))
    with pytest.raises(UnknownPart):
        o.withdraw_steward(assignment, date(2024, 5, 2))
    o.remove_member(member, date(2024, 5, 1))


def test_a_community_organisation_assigns_no_red_stewards() -> None:
    o, member = with_member()
    with pytest.raises(RuleViolated):
        o.assign_steward(member, COMMUNITY, date(2024, 4, 1))


def test_joint_meetings_and_deliberations_belong_to_a_community_organisation() -> None:
    # Given a committee branch
    o = organisation()
    # When a joint meeting and a 先议 are recorded
    o.hold_joint_meeting(
        date(2024, 4, 10),
        [("李红", "业委会党支部"), ("张三", "安居物业")],
        ["停车收费调整"],
        ["提交业主大会表决"],
    )
    deliberation = o.record_deliberation("续聘物业服务企业", date(2024, 4, 11), "同意提交业主表决")
    # Then both are recorded and the deliberation can be cited
    assert event_names(o)[-2:] == ["JointMeetingHeld", "DeliberationRecorded"]
    assert o.deliberation(deliberation).conclusion == "同意提交业主表决"
    with pytest.raises(UnknownPart):
        o.deliberation(uuid4())
    # And a company organisation records neither
    company = organisation("COMPANY_PARTY_ORGANISATION")
    with pytest.raises(RuleViolated):
        company.record_deliberation("x", date(2024, 4, 11), "y")


def test_a_joint_meeting_needs_two_attendees_and_a_topic() -> None:
    o = organisation()
    with pytest.raises(InvalidValue) as refused:
        o.hold_joint_meeting(date(2024, 4, 10), [("李红", "党支部")], ["议题"], [])
    assert refused.value.field == "attendees"
    with pytest.raises(InvalidValue) as refused:
        o.hold_joint_meeting(date(2024, 4, 10), [("李红", "党支部"), ("张三", "")], ["议题"], [])
    assert refused.value.field == "attendees.1.organisation"
    with pytest.raises(InvalidValue):
        o.hold_joint_meeting(date(2024, 4, 10), [("李红", "党支部"), ("张三", "物业")], [], [])
