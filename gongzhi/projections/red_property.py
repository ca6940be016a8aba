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
    insert_statement,
    plain,
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

INSERT_ORGANISATION = insert_statement(
    "insert party organisation", CREATE, party_organisations, on_conflict_do_nothing=True
)
INSERT_MEMBER = insert_statement("insert party member", ADD, party_members)
INSERT_CROSS = insert_statement("insert cross-appointment", ADD, cross_appointments)
INSERT_STEWARD = insert_statement("insert red steward", ADD, red_stewards)
INSERT_MEETING = insert_statement("insert joint meeting", ADD, joint_meetings)
INSERT_DELIBERATION = insert_statement("insert party deliberation", ADD, party_deliberations)
APPROVE_ORGANISATION = update_statement(
    "approve party organisation",
    CHANGE,
    party_organisations,
    key=("id", "b_id"),
    assign={"status": "status", "approved_on": "approved_on", "approved_by": "approved_by"},
)
SET_SECRETARY = update_statement(
    "set party secretary",
    CHANGE,
    party_organisations,
    key=("id", "b_id"),
    assign={"secretary_id": "secretary_id", "secretary_name": "secretary_name"},
)
MEMBER_LEFT = update_statement(
    "party member left",
    CHANGE,
    party_members,
    key=("id", "b_id"),
    assign={"left_on": "left_on"},
    constants={"active": False},
)
STEWARD_WITHDRAWN = update_statement(
    "red steward withdrawn",
    CHANGE,
    red_stewards,
    key=("id", "b_id"),
    assign={"withdrawn_on": "withdrawn_on"},
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

INSERT_TITLE = insert_statement(
    "insert demonstration title", CREATE, demonstration_titles, on_conflict_do_nothing=True
)
SCORE_TITLE = update_statement(
    "score demonstration title",
    CHANGE,
    demonstration_titles,
    key=("id", "b_id"),
    assign={
        "status": "status",
        "rule_set_name": "rule_set_name",
        "rule_set_version": "rule_set_version",
        "score": "score",
        "max_score": "max_score",
        "score_items": "score_items",
        "scored_on": "scored_on",
    },
)
AWARD_TITLE = update_statement(
    "award demonstration title",
    CHANGE,
    demonstration_titles,
    key=("id", "b_id"),
    assign={"status": "status", "awarded_on": "awarded_on"},
)
REVOKE_TITLE = update_statement(
    "revoke demonstration title",
    CHANGE,
    demonstration_titles,
    key=("id", "b_id"),
    assign={"status": "status", "revoked_on": "revoked_on", "revocation_reason": "reason"},
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


@red_property_ops.register
def _(event: PartyOrganisation.SetUp) -> list[Op]:
    row = {
        "id": event.originator_id,
        "kind": event.kind,
        "name": event.name,
        "community_id": event.community_id,
        "company_id": event.company_id,
        "status": "SET_UP",
        "set_up_on": event.set_up_on,
        "approved_by": "",
        "member_count": 0,
        "party_member_count": 0,
        "version": event.originator_version,
        "created_at": event.timestamp,
        "updated_at": event.timestamp,
    }
    return [Op(INSERT_ORGANISATION, row)]


@red_property_ops.register
def _(event: PartyOrganisation.Approved) -> list[Op]:
    params = {
        "b_id": event.originator_id,
        "status": "APPROVED",
        "approved_on": event.approved_on,
        "approved_by": event.approved_by,
    }
    return [Op(APPROVE_ORGANISATION, params), _touch(event)]


@red_property_ops.register
def _(event: PartyOrganisation.MemberJoined) -> list[Op]:
    row = {
        "id": event.membership_id,
        "organisation_id": event.originator_id,
        "person_id": event.person_id,
        "name": event.name,
        "party_member": event.party_member,
        "joined_on": event.joined_on,
        "active": True,
    }
    return [Op(INSERT_MEMBER, row), _touch(event, 1, 1 if event.party_member else 0)]


@red_property_ops.register
def _(event: PartyOrganisation.MemberLeft) -> list[Op]:
    ops = [Op(MEMBER_LEFT, {"b_id": event.membership_id, "left_on": event.left_on})]
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


@red_property_ops.register
def _(event: PartyOrganisation.CrossAppointmentRecorded) -> list[Op]:
    row = {
        "id": event.appointment_id,
        "organisation_id": event.originator_id,
        "person_id": event.person_id,
        "name": event.name,
        "posts": plain(event.posts),
        "recorded_on": event.recorded_on,
    }
    return [Op(INSERT_CROSS, row), _touch(event)]


@red_property_ops.register
def _(event: PartyOrganisation.StewardAssigned) -> list[Op]:
    row = {
        "id": event.assignment_id,
        "organisation_id": event.originator_id,
        "person_id": event.person_id,
        "name": event.name,
        "community_id": event.community_id,
        "assigned_on": event.assigned_on,
        "active": True,
    }
    return [Op(INSERT_STEWARD, row), _touch(event)]


@red_property_ops.register
def _(event: PartyOrganisation.StewardWithdrawn) -> list[Op]:
    params = {"b_id": event.assignment_id, "withdrawn_on": event.withdrawn_on}
    return [Op(STEWARD_WITHDRAWN, params), _touch(event)]


@red_property_ops.register
def _(event: PartyOrganisation.JointMeetingHeld) -> list[Op]:
    row = {
        "id": event.meeting_id,
        "organisation_id": event.originator_id,
        "held_on": event.held_on,
        "attendees": plain(event.attendees),
        "topics": plain(event.topics),
        "decisions": plain(event.decisions),
    }
    return [Op(INSERT_MEETING, row), _touch(event)]


@red_property_ops.register
def _(event: PartyOrganisation.DeliberationRecorded) -> list[Op]:
    row = {
        "id": event.deliberation_id,
        "organisation_id": event.originator_id,
        "matter": event.matter,
        "deliberated_on": event.deliberated_on,
        "conclusion": event.conclusion,
    }
    return [Op(INSERT_DELIBERATION, row), _touch(event)]


def _touch_title(event: DemonstrationTitle.Event) -> Op:
    return Op(
        TOUCH_TITLE,
        {"b_id": event.originator_id, "version": event.originator_version, "at": event.timestamp},
    )


@red_property_ops.register
def _(event: DemonstrationTitle.Applied) -> list[Op]:
    row: dict[str, Any] = {
        "id": event.originator_id,
        "subject": event.subject,
        "community_id": event.community_id,
        "company_id": event.company_id,
        "district": event.district,
        "year": event.year,
        "status": "APPLIED",
        "applied_on": event.applied_on,
        "evidence": plain(event.evidence),
        "version": event.originator_version,
        "updated_at": event.timestamp,
    }
    return [Op(INSERT_TITLE, row)]


@red_property_ops.register
def _(event: DemonstrationTitle.Scored) -> list[Op]:
    params = {
        "b_id": event.originator_id,
        "status": "SCORED",
        "rule_set_name": event.rule_set["name"],
        "rule_set_version": event.rule_set["version"],
        "score": event.total,
        "max_score": event.max_total,
        "score_items": plain(event.items),
        "scored_on": event.scored_on,
    }
    return [Op(SCORE_TITLE, params), _touch_title(event)]


@red_property_ops.register
def _(event: DemonstrationTitle.Awarded) -> list[Op]:
    params = {"b_id": event.originator_id, "status": "AWARDED", "awarded_on": event.awarded_on}
    return [Op(AWARD_TITLE, params), _touch_title(event)]


@red_property_ops.register
def _(event: DemonstrationTitle.Revoked) -> list[Op]:
    params = {
        "b_id": event.originator_id,
        "status": "REVOKED",
        "revoked_on": event.revoked_on,
        "reason": event.reason,
    }
    return [Op(REVOKE_TITLE, params), _touch_title(event)]


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
