"""个人信息 in the records that name a person (issue 12 §1): the names that committees and party
organisations copy beside a person's id are sealed under that person's key, so an erasure
reaches the committee's members and candidates, the party members, secretary,
cross-appointment and 红管家, the credit evidence copied from them and the audit trail of
each; a rebuild gives the same rows; a record made after the erasure does not bring the name
back in clear."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import psycopg

from gongzhi.application.base import Meta, business_today
from gongzhi.application.committees import (
    AppointInterimCommittee,
    ChangeCommitteeMembers,
    CommitteeMember,
    FormPreparatoryGroup,
    NominateCommitteeCandidate,
)
from gongzhi.application.communities import ChangeManagementMode
from gongzhi.application.companies import RegisterCompany
from gongzhi.application.owners import RegisterPerson
from gongzhi.application.red_property import (
    AddPartyMember,
    AppointPartySecretary,
    ApprovePartyOrganisation,
    AssignRedSteward,
    CrossPost,
    RecordCrossAppointment,
    SetUpPartyOrganisation,
)
from gongzhi.demo import credit_code
from gongzhi.domain.committee import Committee
from gongzhi.domain.committee_rules import MemberRole
from gongzhi.domain.credit_evaluation import CreditEvaluation
from gongzhi.domain.credit_rule_sets import DEFAULT_RULE_SET
from gongzhi.domain.credit_rules import Period
from gongzhi.domain.party import Body, PartyOrganisationKind
from gongzhi.domain.person import ERASED_NAME
from gongzhi.workers.credit import evaluate_company
from tests.integration.conftest import Api
from tests.integration.test_graphql_communities import register
from tests.integration.test_personal_data import clear_values_found
from tests.integration.test_projection_runner import dump_views

META = Meta(actor="street-1", reason="个人信息测试", actor_role="REGULATOR")
# Distinctive names: a scan of the database for them finds nothing else by chance.
ERASED = "欧阳明远"
KEPT = ("司马清风", "上官云舒", "诸葛长青", "东方晓白")
NOT_ON_ROSTER = "慕容青山"  # a party member added without a roster id
PERIOD = "2026Q3"
JOINED = date(2026, 7, 1)


@dataclass
class Records:
    community: str
    company: str
    committee: str
    preparing: str
    organisation: str
    evaluation: str
    person: str
    kept: list[str]


def records_naming_a_person(api: Api) -> Records:
    """欧阳明远, on the roster, is 主任 of an interim committee, a candidate of another
    community's committee in preparation, a member, 书记, cross-appointed and 红管家 of the
    serving company's party organisation, beside four persons who stay."""
    app = api.platform.app
    community = register(api)["community"]["id"]
    other = register(api, name="幸福里二期")["community"]["id"]
    company = app.register_company(
        META, RegisterCompany(name="红塔安居物业", credit_code=credit_code(random.Random(7)))
    ).id
    app.change_management_mode(
        META,
        ChangeManagementMode(
            community_id=UUID(community),
            mode="PROFESSIONAL",
            company_id=company,
            effective_from=date(2026, 1, 1),
        ),
    )
    person = app.register_person(META, RegisterPerson(name=ERASED, phone="13712345678")).id
    kept = [app.register_person(META, RegisterPerson(name=n)).id for n in KEPT]
    roles = [MemberRole.DIRECTOR, MemberRole.DEPUTY_DIRECTOR] + [MemberRole.MEMBER] * 3
    members = [
        CommitteeMember(p, n, r)
        for p, n, r in zip([person, *kept], [ERASED, *KEPT], roles, strict=True)
    ]
    today = business_today()
    committee = app.appoint_interim_committee(
        META,
        AppointInterimCommittee(
            community_id=UUID(community),
            appointed_on=date(2026, 6, 1),
            term_ends_on=date(2028, 5, 31),
            members=members,
        ),
    ).id
    preparing = app.form_preparatory_group(
        META, FormPreparatoryGroup(community_id=UUID(other), group_members=["筹备组组长"])
    ).id
    app.nominate_committee_candidate(
        META,
        NominateCommitteeCandidate(
            committee_id=preparing, person_id=person, name=ERASED, nominated_on=today
        ),
    )
    organisation = app.set_up_party_organisation(
        META,
        SetUpPartyOrganisation(
            kind=PartyOrganisationKind.COMPANY_PARTY_ORGANISATION,
            name="安居物业党支部",
            company_id=company,
            set_up_on=date(2026, 1, 5),
        ),
    ).id
    app.approve_party_organisation(
        META,
        ApprovePartyOrganisation(
            organisation_id=organisation, approved_on=date(2026, 2, 1), approved_by="区两新工委"
        ),
    )
    for person_id, name in ((person, ERASED), (kept[0], KEPT[0]), (None, NOT_ON_ROSTER)):
        app.add_party_member(
            META,
            AddPartyMember(
                organisation_id=organisation, person_id=person_id, name=name, joined_on=JOINED
            ),
        )
    app.appoint_party_secretary(
        META,
        AppointPartySecretary(organisation_id=organisation, person_id=person, appointed_on=JOINED),
    )
    app.record_cross_appointment(
        META,
        RecordCrossAppointment(
            organisation_id=organisation,
            person_id=person,
            posts=[
                CrossPost(Body.PARTY_ORGANISATION, "书记"),
                CrossPost(Body.COMMITTEE, "物管会主任"),
            ],
            recorded_on=JOINED,
        ),
    )
    app.assign_red_steward(
        META,
        AssignRedSteward(
            organisation_id=organisation,
            person_id=person,
            community_id=UUID(community),
            assigned_on=JOINED,
        ),
    )
    api.settle()
    # The credit worker's job copies the names from the views into the evaluation's evidence.
    assert evaluate_company(
        api.platform.engine, app, str(company), PERIOD, DEFAULT_RULE_SET.key, business_today()
    )
    api.settle()
    return Records(
        community=community,
        company=str(company),
        committee=str(committee),
        preparing=str(preparing),
        organisation=str(organisation),
        evaluation=str(CreditEvaluation.id_for(company, Period.parse(PERIOD), DEFAULT_RULE_SET)),
        person=str(person),
        kept=[str(k) for k in kept],
    )


COMMITTEE = """query($id: ID!) { committee(id: $id) { ... on Committee {
    members { personId name role } director { name } candidates { personId name } } } }"""
ORGANISATION = """query($id: ID!) { partyOrganisation(id: $id) { ... on PartyOrganisation {
    secretary { personId name } members { personId name }
    crossAppointments { personId name } redStewards { personId name } } } }"""
EVALUATION = """query($c: ID!, $p: String!) { creditEvaluation(companyId: $c, period: $p) {
    ... on CreditEvaluation { contributions { key evidence } } } }"""
HISTORY = """query($id: ID!) { history(id: $id) { ... on HistoryConnection { entries {
    eventType data } } } }"""
ERASE = """mutation($input: ErasePersonInput!) { erasePerson(input: $input) { __typename } }"""


def names_shown(api: Api, r: Records) -> dict[str, Any]:
    """Every name of a person the API shows on these records, by where it is shown."""
    committee = api.gql(COMMITTEE, {"id": r.committee})["committee"]
    preparing = api.gql(COMMITTEE, {"id": r.preparing})["committee"]
    organisation = api.gql(ORGANISATION, {"id": r.organisation})["partyOrganisation"]
    evaluation = api.gql(EVALUATION, {"c": r.company, "p": PERIOD})["creditEvaluation"]
    evidence = {
        c["key"]: sorted(row["name"] for row in c["evidence"])
        for c in evaluation["contributions"]
        if c["key"] in {"party_members_among_staff", "cross_appointments", "red_stewards"}
    }
    return {
        "members": [m["name"] for m in committee["members"]],
        "director": committee["director"]["name"],
        "candidates": [c["name"] for c in preparing["candidates"]],
        "party members": sorted(m["name"] for m in organisation["members"]),
        "secretary": organisation["secretary"]["name"],
        "cross-appointed": [a["name"] for a in organisation["crossAppointments"]],
        "红管家": [s["name"] for s in organisation["redStewards"]],
        "evidence": evidence,
    }


def whole_trail(api: Api, thing: str) -> str:
    """An audit trail's entries as one JSON text, to search."""
    entries = api.gql(HISTORY, {"id": thing})["history"]["entries"]
    return json.dumps(entries, ensure_ascii=False)


def history_names(api: Api, thing: str) -> list[tuple[str, Any]]:
    """The names in an audit trail's entries, event by event."""
    found = []
    for entry in api.gql(HISTORY, {"id": thing})["history"]["entries"]:
        data = entry["data"]
        if "name" in data:
            found.append((entry["eventType"], data["name"]))
        if "members" in data:
            found.append((entry["eventType"], [m["name"] for m in data["members"]]))
    return found


def test_an_erased_committee_and_party_member_reads_as_erased_on_every_record(
    api: Api,
) -> None:
    # Given 欧阳明远 named on a committee, a candidacy, a party organisation and in its
    # company's credit evidence, beside persons who stay
    r = records_naming_a_person(api)
    before = names_shown(api, r)
    assert before == {
        "members": [ERASED, *KEPT],
        "director": ERASED,
        "candidates": [ERASED],
        "party members": sorted([ERASED, KEPT[0], NOT_ON_ROSTER]),
        "secretary": ERASED,
        "cross-appointed": [ERASED],
        "红管家": [ERASED],
        "evidence": {
            "party_members_among_staff": sorted([ERASED, KEPT[0], NOT_ON_ROSTER]),
            "cross_appointments": [ERASED],
            "red_stewards": [ERASED],
        },
    }
    assert ("Appointed", [ERASED, *KEPT]) in history_names(api, r.committee)
    assert ERASED in whole_trail(api, r.evaluation)
    # and the name is stored nowhere in clear, while the one of a party member not on the
    # roster (no person whose key could seal it) is stored as it was given
    assert clear_values_found(api.platform, {ERASED, *KEPT}) == []
    assert clear_values_found(api.platform, {NOT_ON_ROSTER}) != []

    # When the platform admin erases 欧阳明远
    erase = {"personId": r.person, "requestedByPerson": True, "reason": "本人申请删除个人信息"}
    assert api.gql(ERASE, {"input": erase})["erasePerson"]["__typename"] == "PersonPayload"

    # Then every record shows 已删除 where it showed the name, and the others unchanged
    after = names_shown(api, r)
    assert after == {
        "members": [ERASED_NAME, *KEPT],
        "director": ERASED_NAME,
        "candidates": [ERASED_NAME],
        "party members": sorted([ERASED_NAME, KEPT[0], NOT_ON_ROSTER]),
        "secretary": ERASED_NAME,
        "cross-appointed": [ERASED_NAME],
        "红管家": [ERASED_NAME],
        "evidence": {
            "party_members_among_staff": sorted([ERASED_NAME, KEPT[0], NOT_ON_ROSTER]),
            "cross_appointments": [ERASED_NAME],
            "red_stewards": [ERASED_NAME],
        },
    }
    # and so do the audit trails of the committee, the candidacy and the organisation
    assert history_names(api, r.committee) == [("Appointed", [ERASED_NAME, *KEPT])]
    assert history_names(api, r.preparing) == [("CandidateNominated", ERASED_NAME)]
    assert history_names(api, r.organisation) == [
        ("SetUp", "安居物业党支部"),
        ("MemberJoined", ERASED_NAME),
        ("MemberJoined", KEPT[0]),
        ("MemberJoined", NOT_ON_ROSTER),
        ("SecretaryAppointed", ERASED_NAME),
        ("CrossAppointmentRecorded", ERASED_NAME),
        ("StewardAssigned", ERASED_NAME),
    ]
    # and the evaluation's trail, whose evidence holds the names copied from the views
    trail = whole_trail(api, r.evaluation)
    assert ERASED_NAME in trail and ERASED not in trail and "pd1:" not in trail
    assert KEPT[0] in trail
    # and the committee as the application loads it
    loaded = api.platform.app.load(Committee, UUID(r.committee), "committeeId")
    assert [m.name for m in loaded.members] == [ERASED_NAME, *KEPT]

    # When the street office records the member list again, typing the erased name
    app = api.platform.app
    roles = [MemberRole.MEMBER, MemberRole.DIRECTOR] + [MemberRole.MEMBER] * 3
    people = [UUID(r.person), *map(UUID, r.kept)]
    app.change_committee_members(
        META,
        ChangeCommitteeMembers(
            committee_id=UUID(r.committee),
            members=[
                CommitteeMember(p, n, role)
                for p, n, role in zip(people, [ERASED, *KEPT], roles, strict=True)
            ],
            changed_on=business_today(),
        ),
    )
    api.settle()

    # Then the name is recorded as erased (no key to seal it with), not in clear
    assert names_shown(api, r)["members"] == [ERASED_NAME, *KEPT]
    assert history_names(api, r.committee)[-1] == ("MembersChanged", [ERASED_NAME, *KEPT])
    assert clear_values_found(api.platform, {ERASED}) == []
    with psycopg.connect(api.platform.pg.url()) as conn:
        erased = conn.execute(
            "SELECT count(*) FROM erased_persons WHERE person_id = %s", (UUID(r.person),)
        ).fetchone()
    assert erased == (1,)

    # When every view is rebuilt from the log (no key is needed for it)
    views = dump_views(api.platform.engine)
    api.platform.projection_runner().rebuild()

    # Then the views hold the same rows, and the records read the same
    assert dump_views(api.platform.engine) == views
    assert names_shown(api, r)["party members"] == sorted([ERASED_NAME, KEPT[0], NOT_ON_ROSTER])
