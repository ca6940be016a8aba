"""Read model of 红色物业 red property: party organisations with their members and links,
demonstration titles, and the district figures (Yuxi's line) computed from them."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, String, Table, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB

from gongzhi.domain.demonstration import DemonstrationTitle
from gongzhi.domain.party import PartyOrganisation
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    CREATE,
    TOUCH,
    Op,
    event_insert,
    event_update,
    project_events,
    update_statement,
)

party_organisations = Table(
    "party_organisations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("name", Text, nullable=False),
    Column("community_id", Uuid, index=True),
    Column("company_id", Uuid, index=True),
    Column("status", String(20), nullable=False),
    Column("set_up_on", Date, nullable=False),
    Column("approved_on", Date),
    Column("approved_by", Text, nullable=False, server_default=""),
    Column("secretary_id", Uuid),
    Column("secretary_name", Text),
    Column("member_count", Integer, nullable=False, server_default="0"),
    Column("party_member_count", Integer, nullable=False, server_default="0"),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

party_members = Table(
    "party_members",
    metadata,
    Column("id", Uuid, primary_key=True),  # the membership
    Column("organisation_id", Uuid, nullable=False),
    Column("person_id", Uuid, nullable=False),
    Column("name", Text, nullable=False),
    Column("party_member", Boolean, nullable=False),
    Column("joined_on", Date, nullable=False),
    Column("left_on", Date),
    Column("active", Boolean, nullable=False),
    Index("party_members_organisation", "organisation_id", "active"),
)

cross_appointments = Table(
    "party_cross_appointments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False, index=True),
    Column("person_id", Uuid, nullable=False),
    Column("name", Text, nullable=False),
    Column("posts", JSONB, nullable=False),
    Column("recorded_on", Date, nullable=False),
)

red_stewards = Table(
    "red_stewards",
    metadata,
    Column("id", Uuid, primary_key=True),  # the assignment
    Column("organisation_id", Uuid, nullable=False, index=True),
    Column("person_id", Uuid, nullable=False),
    Column("name", Text, nullable=False),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("assigned_on", Date, nullable=False),
    Column("withdrawn_on", Date),
    Column("active", Boolean, nullable=False),
)

joint_meetings = Table(
    "party_joint_meetings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False, index=True),
    Column("held_on", Date, nullable=False),
    Column("attendees", JSONB, nullable=False),
    Column("topics", JSONB, nullable=False),
    Column("decisions", JSONB, nullable=False),
)

party_deliberations = Table(
    "party_deliberations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False, index=True),
    Column("matter", Text, nullable=False),
    Column("deliberated_on", Date, nullable=False),
    Column("conclusion", Text, nullable=False),
)

demonstration_titles = Table(
    "demonstration_titles",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("subject", String(20), nullable=False),
    Column("community_id", Uuid, index=True),
    Column("company_id", Uuid, index=True),
    Column("district", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("applied_on", Date, nullable=False),
    Column("evidence", JSONB, nullable=False),
    Column("rule_set_name", Text),
    Column("rule_set_version", Integer),
    Column("score", Integer),
    Column("max_score", Integer),
    Column("score_items", JSONB),
    Column("scored_on", Date),
    Column("awarded_on", Date),
    Column("revoked_on", Date),
    Column("revocation_reason", Text),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("demonstration_titles_district", "district", "status", "subject"),
)

RED_PROPERTY_TABLES = (
    party_organisations,
    party_members,
    cross_appointments,
    red_stewards,
    joint_meetings,
    party_deliberations,
    demonstration_titles,
)

# The statements of one event take its fields by name (``event_insert``/``event_update``);
# versions are stamped by TOUCH_ORGANISATION and TOUCH_TITLE after every change of a batch.
INSERT_ORGANISATION = event_insert(
    "insert party organisation",
    CREATE,
    party_organisations,
    PartyOrganisation.SetUp,
    renamed={"created_at": "timestamp", "updated_at": "timestamp"},
    constants={"status": "SET_UP", "approved_by": "", "member_count": 0, "party_member_count": 0},
    on_conflict_do_nothing=True,
)


def _part(name: str, table: Table, event_class: type, part_id: str, **active: bool) -> Any:
    """A row of an organisation's part (a member, a steward …), keyed by the id the event
    gives it."""
    return event_insert(
        name,
        ADD,
        table,
        event_class,
        id_from=part_id,
        renamed={"organisation_id": "originator_id"},
        constants=active,
    )


INSERT_MEMBER = _part(
    "insert party member",
    party_members,
    PartyOrganisation.MemberJoined,
    "membership_id",
    active=True,
)
INSERT_CROSS = _part(
    "insert cross-appointment",
    cross_appointments,
    PartyOrganisation.CrossAppointmentRecorded,
    "appointment_id",
)
INSERT_STEWARD = _part(
    "insert red steward",
    red_stewards,
    PartyOrganisation.StewardAssigned,
    "assignment_id",
    active=True,
)
INSERT_MEETING = _part(
    "insert joint meeting", joint_meetings, PartyOrganisation.JointMeetingHeld, "meeting_id"
)
INSERT_DELIBERATION = _part(
    "insert party deliberation",
    party_deliberations,
    PartyOrganisation.DeliberationRecorded,
    "deliberation_id",
)
APPROVE_ORGANISATION = event_update(
    "approve party organisation",
    CHANGE,
    party_organisations,
    PartyOrganisation.Approved,
    version_column=None,
    constants={"status": "APPROVED"},
)
# One statement for the appointment and the vacancy a leaving secretary leaves, so that a
# batch holding both sets them in the events' order.
SET_SECRETARY = update_statement(
    "set party secretary",
    CHANGE,
    party_organisations,
    key=("id", "b_id"),
    assign={"secretary_id": "secretary_id", "secretary_name": "secretary_name"},
)
MEMBER_LEFT = event_update(
    "party member left",
    CHANGE,
    party_members,
    PartyOrganisation.MemberLeft,
    key_from="membership_id",
    ignore=("person_id", "party_member"),
    constants={"active": False},
)
STEWARD_WITHDRAWN = event_update(
    "red steward withdrawn",
    CHANGE,
    red_stewards,
    PartyOrganisation.StewardWithdrawn,
    key_from="assignment_id",
    constants={"active": False},
)
TOUCH_ORGANISATION = update_statement(
    "touch party organisation",
    TOUCH,
    party_organisations,
    key=("id", "b_id"),
    add={"member_count": "members", "party_member_count": "party_members"},
    assign={"version": "version", "updated_at": "at"},
)

INSERT_TITLE = event_insert(
    "insert demonstration title",
    CREATE,
    demonstration_titles,
    DemonstrationTitle.Applied,
    renamed={"updated_at": "timestamp"},
    constants={"status": "APPLIED"},
    on_conflict_do_nothing=True,
)
SCORE_TITLE = event_update(
    "score demonstration title",
    CHANGE,
    demonstration_titles,
    DemonstrationTitle.Scored,
    version_column=None,
    renamed={"score": "total", "max_score": "max_total", "score_items": "items"},
    constants={"status": "SCORED"},
    computed=("rule_set_name", "rule_set_version"),
)
AWARD_TITLE = event_update(
    "award demonstration title",
    CHANGE,
    demonstration_titles,
    DemonstrationTitle.Awarded,
    version_column=None,
    constants={"status": "AWARDED"},
)
REVOKE_TITLE = event_update(
    "revoke demonstration title",
    CHANGE,
    demonstration_titles,
    DemonstrationTitle.Revoked,
    version_column=None,
    renamed={"revocation_reason": "reason"},
    constants={"status": "REVOKED"},
)
TOUCH_TITLE = update_statement(
    "touch demonstration title",
    TOUCH,
    demonstration_titles,
    key=("id", "b_id"),
    assign={"version": "version", "updated_at": "at"},
)


@singledispatch
def red_property_ops(event: object) -> list[Op]:
    return []


def _touch(event: PartyOrganisation.Event, members: int = 0, party_members: int = 0) -> Op:
    return Op(
        TOUCH_ORGANISATION,
        {
            "b_id": event.originator_id,
            "members": members,
            "party_members": party_members,
            "version": event.originator_version,
            "at": event.timestamp,
        },
    )


project_events(red_property_ops, INSERT_ORGANISATION)
project_events(
    red_property_ops,
    APPROVE_ORGANISATION,
    INSERT_CROSS,
    INSERT_STEWARD,
    STEWARD_WITHDRAWN,
    INSERT_MEETING,
    INSERT_DELIBERATION,
    also=lambda event: [_touch(event)],
)


@red_property_ops.register
def _(event: PartyOrganisation.MemberJoined) -> list[Op]:
    return [INSERT_MEMBER.op(event), _touch(event, 1, 1 if event.party_member else 0)]


@red_property_ops.register
def _(event: PartyOrganisation.MemberLeft) -> list[Op]:
    ops = [MEMBER_LEFT.op(event)]
    if event.secretary_vacated:
        ops.append(
            Op(
                SET_SECRETARY,
                {"b_id": event.originator_id, "secretary_id": None, "secretary_name": None},
            )
        )
    ops.append(_touch(event, -1, -1 if event.party_member else 0))
    return ops


@red_property_ops.register
def _(event: PartyOrganisation.SecretaryAppointed) -> list[Op]:
    params = {
        "b_id": event.originator_id,
        "secretary_id": event.person_id,
        "secretary_name": event.name,
    }
    return [Op(SET_SECRETARY, params), _touch(event)]


def _touch_title(event: DemonstrationTitle.Event) -> Op:
    return Op(
        TOUCH_TITLE,
        {"b_id": event.originator_id, "version": event.originator_version, "at": event.timestamp},
    )


project_events(red_property_ops, INSERT_TITLE)
project_events(
    red_property_ops, AWARD_TITLE, REVOKE_TITLE, also=lambda event: [_touch_title(event)]
)


@red_property_ops.register
def _(event: DemonstrationTitle.Scored) -> list[Op]:
    rule_set = {
        "rule_set_name": event.rule_set["name"],
        "rule_set_version": event.rule_set["version"],
    }
    return [SCORE_TITLE.op(event, **rule_set), _touch_title(event)]


# --- District figures (Yuxi's line), from the views above ---------------------------------

# $1 district. Party organisations count once approved (批准成立). A company's organisation
# counts in a district when the company serves (professional management, today) at least
# one community there: companies carry no district of their own, and the figure answers
# "how many companies working here have a party organisation". Titles count while in force
# (awarded, not revoked), each community or company once however many years it holds.
RED_PROPERTY_FIGURES = """
WITH served AS (
    SELECT DISTINCT cm.company_id
    FROM communities c
    JOIN LATERAL management_on(c.id, (now() AT TIME ZONE 'Asia/Shanghai')::date) cm
        ON cm.company_id IS NOT NULL
    WHERE c.district = $1
),
community_organisations AS (
    SELECT po.kind FROM party_organisations po
    JOIN communities c ON c.id = po.community_id
    WHERE c.district = $1 AND po.status = 'APPROVED'
)
SELECT
  (SELECT count(*) FROM party_organisations po
    WHERE po.kind = 'COMPANY_PARTY_ORGANISATION' AND po.status = 'APPROVED'
      AND po.company_id IN (SELECT company_id FROM served))::int AS company_organisations,
  (SELECT count(*) FROM community_organisations
    WHERE kind = 'COMMITTEE_PARTY_WORKING_GROUP')::int AS committee_working_groups,
  (SELECT count(*) FROM community_organisations
    WHERE kind = 'COMMITTEE_PARTY_BRANCH')::int AS committee_branches,
  (SELECT count(*) FROM community_organisations
    WHERE kind = 'COMMUNITY_PARTY_COMMITTEE')::int AS community_party_committees,
  (SELECT count(DISTINCT community_id) FROM demonstration_titles
    WHERE district = $1 AND subject = 'COMMUNITY' AND status = 'AWARDED')::int
    AS demonstration_communities,
  (SELECT count(DISTINCT company_id) FROM demonstration_titles
    WHERE district = $1 AND subject = 'COMPANY' AND status = 'AWARDED')::int
    AS demonstration_companies
"""
