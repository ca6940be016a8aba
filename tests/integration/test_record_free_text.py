"""个人信息 in free text that names people who are not registered persons (issue 12 §1): a
committee's 筹备组, a dispute's parties and its mediation's mediator and attendees, a party
joint meeting's attendees, a facility inspection's inspector and a ballot's proxy
authorisation are sealed under the record's own
data key, in the stored event and in the view; the API opens them for those who may read the
record; a rebuild gives the same rows."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import psycopg

from gongzhi.application.base import Meta
from gongzhi.application.committees import FormPreparatoryGroup
from gongzhi.application.disputes import DisputeParty, OpenDispute, RecordMediation
from gongzhi.application.facilities import RecordInspection, RegisterFacility
from gongzhi.application.red_property import (
    Attendee,
    RecordJointMeeting,
    SetUpPartyOrganisation,
)
from gongzhi.domain.dispute import PartyKind
from gongzhi.domain.facility_rules import FacilityType, InspectionKind, InspectionOutcome
from gongzhi.domain.party import PartyOrganisationKind
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_decisions import ballot, entrance_with_owners, propose
from tests.integration.test_personal_data import clear_values_found
from tests.integration.test_projection_runner import dump_views

META = Meta(actor="street-1", reason="记录测试", actor_role="REGULATOR")
# Distinctive names: a scan of the database for them finds nothing else by chance.
GROUP = ["皇甫思远", "令狐秋水"]
PARTIES = ["宇文若兰", "端木清扬"]
MEDIATOR = "公孙明镜"
ATTENDEES = ["尉迟长风", "呼延晓月"]
MEETING = ["澹台静思", "闻人雨霁"]
PROXY = "委托书第0042号：业主长孙无垢委托代投"
INSPECTOR = "仲孙检安"
CLEAR = {*GROUP, *PARTIES, MEDIATOR, *ATTENDEES, *MEETING, "长孙无垢", INSPECTOR}

PREPARING = """query($id: ID!) { committee(id: $id) { ... on Committee { preparatoryGroup } } }"""
DISPUTES = """query($c: ID!) { disputes(communityId: $c) { ... on DisputeConnection {
    disputes { parties { name } sessions { mediator attendees } } } } }"""
ORGANISATION = """query($id: ID!) { partyOrganisation(id: $id) { ... on PartyOrganisation {
    jointMeetings { attendees { name organisation } } } } }"""
FACILITY = """query($id: ID!) { facility(id: $id) { ... on Facility {
    inspections { inspector } } } }"""
HISTORY = """query($id: ID!) { history(id: $id) { ... on HistoryConnection { entries {
    eventType data } } } }"""


def shown(
    api: Api, community: str, committee: str, organisation: str, facility: str
) -> dict[str, object]:
    dispute = api.gql(DISPUTES, {"c": community})["disputes"]["disputes"][0]
    meetings = api.gql(ORGANISATION, {"id": organisation})["partyOrganisation"]["jointMeetings"]
    inspections = api.gql(FACILITY, {"id": facility})["facility"]["inspections"]
    return {
        "inspector": [i["inspector"] for i in inspections],
        "group": api.gql(PREPARING, {"id": committee})["committee"]["preparatoryGroup"],
        "parties": [p["name"] for p in dispute["parties"]],
        "mediator": [s["mediator"] for s in dispute["sessions"]],
        "attendees": [s["attendees"] for s in dispute["sessions"]],
        "meeting": [a["name"] for a in meetings[0]["attendees"]],
    }


def test_free_text_naming_people_is_sealed_at_rest_and_shown_in_clear(api: Api) -> None:
    # Given a 筹备组, a mediated dispute, a joint meeting, an inspection and a proxy's ballot,
    # named in clear
    app = api.platform.app
    community, entrance, units, people = entrance_with_owners(api, floors=2)
    committee = app.form_preparatory_group(
        META, FormPreparatoryGroup(community_id=UUID(community), group_members=GROUP)
    ).id
    dispute = app.open_dispute(
        META,
        OpenDispute(
            community_id=UUID(community),
            subject="噪音纠纷",
            parties=[DisputeParty(name=n, kind=PartyKind.OWNER) for n in PARTIES],
            opened_on=date(2026, 7, 1),
        ),
    ).id
    app.record_mediation(
        META,
        RecordMediation(
            dispute_id=dispute, held_on=date(2026, 7, 2), mediator=MEDIATOR, attendees=ATTENDEES
        ),
    )
    organisation = app.set_up_party_organisation(
        META,
        SetUpPartyOrganisation(
            kind=PartyOrganisationKind.COMMITTEE_PARTY_BRANCH,
            name="幸福里业委会党支部",
            community_id=UUID(community),
            set_up_on=date(2026, 1, 5),
        ),
    ).id
    app.record_joint_meeting(
        META,
        RecordJointMeeting(
            organisation_id=organisation,
            held_on=date(2026, 7, 3),
            attendees=[Attendee(name=n, organisation="业委会") for n in MEETING],
            topics=["续聘物业"],
        ),
    )
    facility = app.register_facility(
        META,
        RegisterFacility(
            community_id=UUID(community),
            type=FacilityType.FIRE_EXTINGUISHER,
            name="1栋灭火器",
            installed_on=date(2025, 1, 1),
        ),
    ).id
    app.record_inspection(
        META,
        RecordInspection(
            facility_id=facility,
            kind=InspectionKind.ROUTINE,
            inspected_on=date(2026, 7, 4),
            inspector=INSPECTOR,
            outcome=InspectionOutcome.PASS,
        ),
    )
    now = datetime.now(UTC)
    decision = propose(api, community, entrance, now - timedelta(hours=1), now + timedelta(days=7))
    owner = Principal(subject="owner-1", role=Role.RESIDENT, unit_ids=(UUID(units[0]),))
    cast = ballot(api, decision, units[0], people[0], "APPROVE", owner, proxy=PROXY)
    assert cast["__typename"] == "DecisionPayload", cast
    api.settle()

    # Then the API shows every name in clear to the street office that keeps these records
    assert shown(api, community, str(committee), str(organisation), str(facility)) == {
        "inspector": [INSPECTOR],
        "group": GROUP,
        "parties": PARTIES,
        "mediator": [MEDIATOR],
        "attendees": [ATTENDEES],
        "meeting": MEETING,
    }
    # and the decision's trail shows the proxy authorisation, opened
    trail = json.dumps(api.gql(HISTORY, {"id": decision})["history"], ensure_ascii=False)
    assert PROXY in trail and "pd1:" not in trail
    # but no table holds any of them in clear: not the event table's stored state, nor a view
    assert clear_values_found(api.platform, CLEAR) == []
    # and each record has one key of its own, apart from the persons' keys
    with psycopg.connect(api.platform.pg.url()) as conn:
        keyed = {
            row[0]
            for row in conn.execute(
                "SELECT record_id FROM record_keys WHERE record_id = ANY(%s)",
                ([committee, dispute, organisation, facility],),
            )
        }
        persons = conn.execute(
            "SELECT count(*) FROM person_keys WHERE person_id = ANY(%s)",
            ([committee, dispute, organisation],),
        ).fetchone()
    assert keyed == {committee, dispute, organisation, facility} and persons == (0,)

    # When every view is rebuilt from the log (no key is needed for it)
    views = dump_views(api.platform.engine)
    api.platform.projection_runner().rebuild()

    # Then the views hold the same rows and the API shows the same names
    assert dump_views(api.platform.engine) == views
    assert shown(api, community, str(committee), str(organisation), str(facility))["attendees"] == [
        ATTENDEES
    ]

    # When a record's key is destroyed (its free text erased)
    with psycopg.connect(api.platform.pg.url()) as conn:
        conn.execute("DELETE FROM record_keys WHERE record_id = %s", (dispute,))

    # Then that record's names read as erased, and the others' stay
    after = shown(api, community, str(committee), str(organisation), str(facility))
    assert after["parties"] == ["已删除", "已删除"] and after["mediator"] == ["已删除"]
    assert after["group"] == GROUP and after["meeting"] == MEETING
