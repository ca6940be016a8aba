"""红色物业 over GraphQL: party organisations and their links, demonstration titles, the
district figures (Yuxi's line), bad input and history."""

from __future__ import annotations

import random
from typing import Any
from uuid import UUID

import pytest

from gongzhi.application.red_property import community_party_deliberation
from gongzhi.demo import credit_code
from gongzhi.domain.errors import UnknownPart
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_communities import register

ORGANISATION_FIELDS = """
    id kind name approved approvedOn communityId companyId memberCount partyMemberCount version
    secretary { personId name }
    members { personId name partyMember }
    crossAppointments { personId name posts { body post } }
    redStewards { assignmentId personId name communityId }
    jointMeetings { heldOn attendees { name organisation } topics decisions }
    deliberations { id matter conclusion }
"""

ORGANISATION_RESULT = f"""
    __typename
    ... on PartyOrganisationPayload {{ partId organisation {{ {ORGANISATION_FIELDS} }} }}
    ... on ValidationError {{ field message }}
    ... on NotFound {{ field message }}
    ... on Conflict {{ message }}
    ... on Forbidden {{ message }}
"""

TITLE_RESULT = """
    __typename
    ... on DemonstrationTitlePayload { title { id subject status inForce district year score
        maxScore ruleSetName ruleSetVersion scoreItems { key value points maxPoints }
        revocationReason evidence { crossAppointed committeeMembers } } }
    ... on ValidationError { field message }
    ... on NotFound { field message }
    ... on Conflict { message }
    ... on Forbidden { message }
"""


def mutate(
    api: Api, name: str, input_type: str, data: dict[str, Any], as_: Principal | None = None
) -> dict[str, Any]:
    result = TITLE_RESULT if "Demonstration" in input_type else ORGANISATION_RESULT
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {result} }} }}"
    kwargs = {"as_": as_} if as_ is not None else {}
    payload: dict[str, Any] = api.gql(query, {"input": data}, **kwargs)[name]
    return payload


def new_company(api: Api, name: str, seed: str) -> str:
    result = api.gql(
        """mutation($name: String!, $code: String!) { registerCompany(input: {
        name: $name, creditCode: $code, reason: "备案"}) { ... on CompanyPayload {
        company { id } } } }""",
        {"name": name, "code": credit_code(random.Random(seed))},
    )
    return str(result["registerCompany"]["company"]["id"])


def serve(api: Api, community: str, company: str | None, mode: str = "PROFESSIONAL") -> None:
    result = api.gql(
        """mutation($input: ChangeManagementModeInput!) { changeManagementMode(input: $input) {
        __typename } }""",
        {
            "input": {
                "communityId": community,
                "mode": mode,
                "companyId": company,
                "effectiveFrom": "2024-02-01",
                "reason": "确定管理模式",
            }
        },
    )
    assert result["changeManagementMode"]["__typename"] == "CommunityPayload"


def organisations_of(
    api: Api, *, community: str | None = None, company: str | None = None, as_: Any = None
) -> list[dict[str, Any]]:
    kwargs = {"as_": as_} if as_ is not None else {}
    data = api.gql(
        f"""query($c: ID, $co: ID) {{ partyOrganisations(communityId: $c, companyId: $co) {{
        __typename ... on PartyOrganisationList {{ organisations {{ {ORGANISATION_FIELDS} }} }}
        ... on ValidationError {{ field message }} }} }}""",
        {"c": community, "co": company},
        **kwargs,
    )["partyOrganisations"]
    assert data["__typename"] == "PartyOrganisationList", data
    organisations: list[dict[str, Any]] = data["organisations"]
    return organisations


def set_up(
    api: Api,
    kind: str,
    *,
    community: str | None = None,
    company: str | None = None,
    approve: bool = True,
) -> str:
    """A party organisation of a kind, set up (and approved) once; its id."""
    existing = [
        o for o in organisations_of(api, community=community, company=company) if o["kind"] == kind
    ]
    if existing:
        return str(existing[0]["id"])
    result = mutate(
        api,
        "setUpPartyOrganisation",
        "SetUpPartyOrganisationInput",
        {
            "kind": kind,
            "name": f"{kind} 党组织",
            "communityId": community,
            "companyId": company,
            "setUpOn": "2024-03-01",
            "reason": "组建",
        },
    )
    assert result["__typename"] == "PartyOrganisationPayload", result
    organisation = str(result["organisation"]["id"])
    if approve:
        approved = mutate(
            api,
            "approvePartyOrganisation",
            "ApprovePartyOrganisationInput",
            {
                "organisationId": organisation,
                "approvedOn": "2024-03-05",
                "approvedBy": "玉兴街道党工委",
                "reason": "批复",
            },
        )
        assert approved["organisation"]["approved"] is True
    return organisation


def roster_person(api: Api, name: str) -> str:
    """A person registered on the roster (by the platform admin); the id."""
    result = api.gql(
        """mutation($name: String!) { registerPerson(input: {name: $name, reason: "登记"}) {
        ... on PersonPayload { person { id } } } }""",
        {"name": name},
    )
    return str(result["registerPerson"]["person"]["id"])


def add_member(
    api: Api, organisation: str, name: str, as_: Principal | None = None, **extra: Any
) -> dict[str, Any]:
    return mutate(
        api,
        "addPartyMember",
        "AddPartyMemberInput",
        {
            "organisationId": organisation,
            "name": name,
            "joinedOn": "2024-03-02",
            "reason": "转入",
            **extra,
        },
        as_,
    )


def apply(api: Api, year: int, as_: Principal | None = None, **subject: Any) -> dict[str, Any]:
    return mutate(
        api,
        "applyForDemonstration",
        "ApplyForDemonstrationInput",
        {
            "year": year,
            "appliedOn": f"{year}-05-01",
            "evidence": {
                "partyOrganisationApproved": True,
                "partyMembersAmongStaff": 4,
                "secretaryOnCommittee": True,
                "crossAppointed": 3,
                "committeeMembers": 5,
                "deliberationRuleAdopted": True,
            },
            "reason": "申报",
            **subject,
        },
        as_,
    )


def title_step(api: Api, step: str, title: str, **extra: Any) -> dict[str, Any]:
    input_type = step[0].upper() + step[1:] + "Input"
    return mutate(api, step, input_type, {"titleId": title, "reason": "评审", **extra})


def red_statistics(api: Api, district: str, as_: Any = None) -> dict[str, Any]:
    kwargs = {"as_": as_} if as_ is not None else {}
    data: dict[str, Any] = api.gql(
        """query($d: String!) { redPropertyStatistics(district: $d) { __typename
        ... on RedPropertyStatistics { companyPartyOrganisations committeePartyWorkingGroups
        committeePartyBranches communityPartyCommittees demonstrationCommunities
        demonstrationCompanies } } }""",
        {"d": district},
        **kwargs,
    )["redPropertyStatistics"]
    return data


def test_a_company_organisation_with_members_secretary_and_red_stewards(api: Api) -> None:
    # Given 安居物业 serving 幸福里, and its party organisation, approved
    anju = new_company(api, "安居物业", "anju")
    xingfu = register(api, name="幸福里")["community"]["id"]
    serve(api, xingfu, anju)
    organisation = set_up(api, "COMPANY_PARTY_ORGANISATION", company=anju)

    # When three party members join (one from the roster) and one becomes secretary
    roster_id = roster_person(api, "李红")
    li = add_member(api, organisation, "李红", personId=roster_id)
    assert li["partId"] == roster_id
    wang = add_member(api, organisation, "王强")["partId"]
    add_member(api, organisation, "赵敏")
    secretary = mutate(
        api,
        "appointPartySecretary",
        "AppointPartySecretaryInput",
        {"organisationId": organisation, "personId": roster_id, "reason": "选举"},
    )["organisation"]

    # Then the organisation shows its members, counts and secretary
    assert secretary["secretary"] == {"personId": roster_id, "name": "李红"}
    assert (secretary["memberCount"], secretary["partyMemberCount"]) == (3, 3)

    # When 王强 becomes 红管家 of 幸福里 (by the company's own staff)
    staff = Principal(subject="staff", role=Role.COMPANY_STAFF, company_id=UUID(anju))
    assigned = mutate(
        api,
        "assignRedSteward",
        "AssignRedStewardInput",
        {
            "organisationId": organisation,
            "personId": wang,
            "communityId": xingfu,
            "assignedOn": "2024-04-01",
            "reason": "派驻红管家",
        },
        staff,
    )
    # Then the assignment is in force
    assert assigned["__typename"] == "PartyOrganisationPayload", assigned
    stewards = assigned["organisation"]["redStewards"]
    assert [(s["name"], s["communityId"]) for s in stewards] == [("王强", xingfu)]
    assert assigned["partId"] == stewards[0]["assignmentId"]

    # When the secretary leaves and the assignment is withdrawn
    left = mutate(
        api,
        "removePartyMember",
        "RemovePartyMemberInput",
        {"organisationId": organisation, "personId": roster_id, "reason": "调离"},
    )["organisation"]
    withdrawn = mutate(
        api,
        "withdrawRedSteward",
        "WithdrawRedStewardInput",
        {"organisationId": organisation, "assignmentId": assigned["partId"], "reason": "轮换"},
        staff,
    )["organisation"]
    # Then the post is vacant, the counts follow, and no 红管家 remains
    assert left["secretary"] is None
    assert (left["memberCount"], left["partyMemberCount"]) == (2, 2)
    assert withdrawn["redStewards"] == []


def test_a_red_steward_goes_only_to_a_community_the_company_serves(api: Api) -> None:
    # Given 安居物业's organisation and a community served by another company
    anju = new_company(api, "安居物业", "anju")
    other = new_company(api, "红塔物业", "hongta")
    heping = register(api, name="和平苑")["community"]["id"]
    serve(api, heping, other)
    organisation = set_up(api, "COMPANY_PARTY_ORGANISATION", company=anju)
    member = add_member(api, organisation, "王强")["partId"]

    # When its member is assigned there
    result = mutate(
        api,
        "assignRedSteward",
        "AssignRedStewardInput",
        {"organisationId": organisation, "personId": member, "communityId": heping, "reason": "x"},
    )
    # Then it is refused, naming the community
    assert result == {
        "__typename": "ValidationError",
        "field": "input.communityId",
        "message": "the company does not serve this community",
    }


def test_committee_members_record_joint_meetings_and_deliberations(api: Api) -> None:
    # Given 幸福里's committee party branch with a member who also chairs the committee
    xingfu = register(api, name="幸福里")["community"]["id"]
    branch = set_up(api, "COMMITTEE_PARTY_BRANCH", community=xingfu)
    li = add_member(api, branch, "李红")["partId"]
    crossed = mutate(
        api,
        "recordCrossAppointment",
        "RecordCrossAppointmentInput",
        {
            "organisationId": branch,
            "personId": li,
            "posts": [
                {"body": "PARTY_ORGANISATION", "post": "书记"},
                {"body": "COMMITTEE", "post": "主任"},
            ],
            "reason": "交叉任职备案",
        },
    )["organisation"]
    assert crossed["crossAppointments"][0]["posts"] == [
        {"body": "PARTY_ORGANISATION", "post": "书记"},
        {"body": "COMMITTEE", "post": "主任"},
    ]
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(xingfu))

    # When a committee member records a joint meeting and a 先议
    meeting = mutate(
        api,
        "recordJointMeeting",
        "RecordJointMeetingInput",
        {
            "organisationId": branch,
            "heldOn": "2024-04-10",
            "attendees": [
                {"name": "李红", "organisation": "业委会党支部"},
                {"name": "张三", "organisation": "安居物业"},
            ],
            "topics": ["续聘物业服务企业"],
            "decisions": ["先由党支部研究, 再提交业主大会"],
            "reason": "会议记录",
        },
        committee,
    )
    deliberation = mutate(
        api,
        "recordPartyDeliberation",
        "RecordPartyDeliberationInput",
        {
            "organisationId": branch,
            "matter": "续聘物业服务企业",
            "deliberatedOn": "2024-04-12",
            "conclusion": "同意提交业主共同决定",
            "reason": "党组织先议",
        },
        committee,
    )

    # Then both are shown, and the deliberation's id is the one to cite in a proposal
    assert meeting["__typename"] == "PartyOrganisationPayload", meeting
    organisation = deliberation["organisation"]
    assert organisation["jointMeetings"][0]["attendees"][1] == {
        "name": "张三",
        "organisation": "安居物业",
    }
    assert organisation["deliberations"] == [
        {
            "id": deliberation["partId"],
            "matter": "续聘物业服务企业",
            "conclusion": "同意提交业主共同决定",
        }
    ]
    # And a proposal in 幸福里 can find it by community and id alone; a stray id is refused
    app = api.platform.app
    facts = community_party_deliberation(app, UUID(xingfu), UUID(deliberation["partId"]))
    assert (facts.organisation_id, facts.deliberation.matter) == (UUID(branch), "续聘物业服务企业")
    assert app.party_deliberation(UUID(branch), UUID(deliberation["partId"])) == facts
    with pytest.raises(UnknownPart):
        community_party_deliberation(app, UUID(xingfu), UUID(branch))


def test_a_demonstration_title_from_application_to_revocation(api: Api) -> None:
    # Given an application for 幸福里 in 2024
    xingfu = register(api, name="幸福里")["community"]["id"]
    regulator = Principal(subject="reg", role=Role.REGULATOR, districts=("红塔区",))
    applied = apply(api, 2024, regulator, subject="COMMUNITY", communityId=xingfu)
    assert applied["title"]["status"] == "APPLIED"
    assert applied["title"]["district"] == "红塔区"
    title = applied["title"]["id"]

    # When it is scored under the shipped rule set
    scored = title_step(api, "scoreDemonstration", title, scoredOn="2024-05-20")["title"]
    # Then every criterion's points and the rule set are shown
    assert (scored["status"], scored["score"], scored["maxScore"]) == ("SCORED", 17, 19)
    assert (scored["ruleSetName"], scored["ruleSetVersion"]) == ("红色物业示范评分", 1)
    assert [(i["key"], i["value"], i["points"]) for i in scored["scoreItems"]] == [
        ("party_organisation", "true", 5),
        ("party_members", "4", 3),
        ("secretary_on_committee", "true", 3),
        ("cross_appointment", "3/5", 3),
        ("deliberation_rule", "true", 3),
    ]

    # When awarded, then revoked with a reason
    awarded = title_step(api, "awardDemonstration", title, awardedOn="2024-06-01")["title"]
    assert (awarded["status"], awarded["inForce"]) == ("AWARDED", True)
    revoked = title_step(api, "revokeDemonstration", title, revokedOn="2024-09-01")
    assert revoked["title"]["status"] == "REVOKED"
    assert revoked["title"]["inForce"] is False
    assert revoked["title"]["revocationReason"] == "评审"

    # And the history shows the four steps with who and why
    entries = api.gql(
        """query($id: ID!) { history(id: $id) { ... on HistoryConnection { entries {
        eventType reason } } } }""",
        {"id": title},
    )["history"]["entries"]
    assert [e["eventType"] for e in entries] == ["Applied", "Scored", "Awarded", "Revoked"]


def test_the_district_figures_follow_yuxis_line(api: Api) -> None:
    # Given 红塔区 with three communities; 安居物业 serves one of them, 江川物业 serves only
    # a community in 江川区
    anju = new_company(api, "安居物业", "anju")
    jiangchuan = new_company(api, "江川物业", "jc")
    xingfu = register(api, name="幸福里")["community"]["id"]
    heping = register(api, name="和平苑")["community"]["id"]
    dongfeng = register(api, name="东风小区")["community"]["id"]
    xiangyang = register(api, name="向阳新村", district="江川区")["community"]["id"]
    serve(api, xingfu, anju)
    serve(api, xiangyang, jiangchuan)
    # Party organisations: approved ones count, a set-up one does not
    set_up(api, "COMPANY_PARTY_ORGANISATION", company=anju)
    set_up(api, "COMPANY_PARTY_ORGANISATION", company=jiangchuan)
    set_up(api, "COMMITTEE_PARTY_BRANCH", community=xingfu)
    set_up(api, "COMMITTEE_PARTY_BRANCH", community=heping)
    set_up(api, "COMMITTEE_PARTY_WORKING_GROUP", community=dongfeng)
    set_up(api, "COMMUNITY_PARTY_COMMITTEE", community=dongfeng, approve=False)
    set_up(api, "COMMITTEE_PARTY_BRANCH", community=xiangyang)
    # Titles: 幸福里 awarded twice (two years), 和平苑 only scored, 安居物业 awarded then revoked
    for year in (2023, 2024):
        title = apply(api, year, subject="COMMUNITY", communityId=xingfu)["title"]["id"]
        title_step(api, "scoreDemonstration", title, scoredOn=f"{year}-05-20")
        title_step(api, "awardDemonstration", title, awardedOn=f"{year}-06-01")
    title_step(
        api,
        "scoreDemonstration",
        apply(api, 2024, subject="COMMUNITY", communityId=heping)["title"]["id"],
        scoredOn="2024-05-20",
    )
    company_title = apply(api, 2024, subject="COMPANY", companyId=anju, district="红塔区")
    company_title_id = company_title["title"]["id"]
    title_step(api, "scoreDemonstration", company_title_id, scoredOn="2024-05-20")
    title_step(api, "awardDemonstration", company_title_id, awardedOn="2024-06-01")
    regulator = Principal(subject="reg", role=Role.REGULATOR, districts=("红塔区",))
    before = red_statistics(api, "红塔区", regulator)
    title_step(api, "revokeDemonstration", company_title_id, revokedOn="2024-08-01")

    # When a regulator of 红塔区 reads the figures
    after = red_statistics(api, "红塔区", regulator)

    # Then each figure counts what is established and in force in 红塔区
    assert after == {
        "__typename": "RedPropertyStatistics",
        "companyPartyOrganisations": 1,
        "committeePartyWorkingGroups": 1,
        "committeePartyBranches": 2,
        "communityPartyCommittees": 0,
        "demonstrationCommunities": 1,
        "demonstrationCompanies": 0,
    }
    assert before["demonstrationCompanies"] == 1
    assert red_statistics(api, "江川区")["committeePartyBranches"] == 1
    assert red_statistics(api, "江川区")["companyPartyOrganisations"] == 1
    # And a regulator of another district is refused
    assert red_statistics(api, "江川区", regulator)["__typename"] == "Forbidden"


def test_bad_red_property_input_gets_typed_errors(api: Api) -> None:
    anju = new_company(api, "安居物业", "anju")
    xingfu = register(api, name="幸福里")["community"]["id"]
    set_up_input = {"kind": "COMPANY_PARTY_ORGANISATION", "name": "党支部", "reason": "组建"}

    # A company organisation attached to a community names the missing company
    wrong = mutate(
        api,
        "setUpPartyOrganisation",
        "SetUpPartyOrganisationInput",
        {**set_up_input, "communityId": xingfu},
    )
    assert (wrong["__typename"], wrong["field"]) == ("ValidationError", "input.companyId")
    # A second organisation of the same kind is a conflict
    organisation = set_up(api, "COMPANY_PARTY_ORGANISATION", company=anju)
    again = mutate(
        api,
        "setUpPartyOrganisation",
        "SetUpPartyOrganisationInput",
        {**set_up_input, "companyId": anju},
    )
    assert again == {
        "__typename": "Conflict",
        "message": "this company already has a party organisation of this kind",
    }
    # A secretary who is not a member
    stranger = mutate(
        api,
        "appointPartySecretary",
        "AppointPartySecretaryInput",
        {
            "organisationId": organisation,
            "personId": "5f0c1d2e-0000-4000-8000-000000000000",
            "reason": "任命",
        },
    )
    # (an id that no organisation has as a member is not a party member at all)
    assert stranger == {
        "__typename": "NotFound",
        "field": "input.personId",
        "message": "no party member with this id",
    }
    branch = set_up(api, "COMMITTEE_PARTY_BRANCH", community=xingfu)
    elsewhere = add_member(api, branch, "王强")["partId"]
    not_here = mutate(
        api,
        "appointPartySecretary",
        "AppointPartySecretaryInput",
        {"organisationId": organisation, "personId": elsewhere, "reason": "任命"},
    )
    assert not_here == {
        "__typename": "ValidationError",
        "field": "input.personId",
        "message": "the person is not a member of this party organisation",
    }
    # An unknown organisation, and an id that is not one
    missing = add_member(api, "5f0c1d2e-0000-4000-8000-000000000000", "李红")
    assert (missing["__typename"], missing["field"]) == ("NotFound", "input.organisationId")
    malformed = add_member(api, "not-an-id", "李红")
    assert (malformed["__typename"], malformed["field"]) == (
        "ValidationError",
        "input.organisationId",
    )
    # An empty reason
    no_reason = mutate(
        api,
        "approvePartyOrganisation",
        "ApprovePartyOrganisationInput",
        {"organisationId": organisation, "reason": "  "},
    )
    assert (no_reason["__typename"], no_reason["field"]) == ("ValidationError", "input.reason")
    # Revoking a title never awarded, and evidence out of range
    title = apply(api, 2024, subject="COMMUNITY", communityId=xingfu)["title"]["id"]
    revoke = title_step(api, "revokeDemonstration", title)
    assert revoke == {
        "__typename": "ValidationError",
        "field": "input.titleId",
        "message": "only an awarded title can be revoked",
    }
    bad_version = title_step(api, "scoreDemonstration", title, ruleSetVersion=7)
    assert (bad_version["__typename"], bad_version["field"]) == (
        "ValidationError",
        "input.ruleSetVersion",
    )
    # A regulator leaving out what an organisation or a company title belongs to is told so
    regulator = Principal(subject="reg", role=Role.REGULATOR, districts=("红塔区",))
    unattached = mutate(
        api,
        "setUpPartyOrganisation",
        "SetUpPartyOrganisationInput",
        {"kind": "COMMITTEE_PARTY_BRANCH", "name": "党支部", "reason": "组建"},
        regulator,
    )
    assert unattached == {
        "__typename": "ValidationError",
        "field": "input.communityId",
        "message": "is required for a community's party organisation",
    }
    no_district = apply(api, 2024, regulator, subject="COMPANY", companyId=anju)
    assert (no_district["__typename"], no_district["field"]) == (
        "ValidationError",
        "input.district",
    )
    # Evidence out of range names the figure
    crossed = apply(
        api,
        2023,
        subject="COMMUNITY",
        communityId=xingfu,
        evidence={
            "partyOrganisationApproved": True,
            "partyMembersAmongStaff": 4,
            "secretaryOnCommittee": True,
            "crossAppointed": 6,
            "committeeMembers": 5,
            "deliberationRuleAdopted": True,
        },
    )
    assert (crossed["__typename"], crossed["field"]) == (
        "ValidationError",
        "input.evidence.crossAppointed",
    )
    # Neither a community nor a company to list
    neither = api.gql("{ partyOrganisations { __typename ... on ValidationError { field } } }")
    assert neither["partyOrganisations"] == {
        "__typename": "ValidationError",
        "field": "communityId",
    }


def test_the_shipped_rule_set_is_listed(api: Api) -> None:
    data = api.gql(
        """{ demonstrationRuleSets { name version maxTotal passMark
        criteria { key points threshold bands { minimum maximum points } } } }"""
    )["demonstrationRuleSets"]
    assert [(r["name"], r["version"], r["maxTotal"], r["passMark"]) for r in data] == [
        ("红色物业示范评分", 1, 19, None)
    ]
    members = next(c for c in data[0]["criteria"] if c["key"] == "party_members")
    assert members["bands"] == [
        {"minimum": 0, "maximum": 2, "points": 1},
        {"minimum": 3, "maximum": 5, "points": 3},
        {"minimum": 6, "maximum": None, "points": 5},
    ]


def test_titles_are_listed_by_scope_newest_year_first(api: Api) -> None:
    # Given titles of 幸福里 for three years and one of a community in 江川区
    xingfu = register(api, name="幸福里")["community"]["id"]
    xiangyang = register(api, name="向阳新村", district="江川区")["community"]["id"]
    for year in (2022, 2023, 2024):
        apply(api, year, subject="COMMUNITY", communityId=xingfu)
    apply(api, 2024, subject="COMMUNITY", communityId=xiangyang)
    regulator = Principal(subject="reg", role=Role.REGULATOR, districts=("红塔区",))
    query = """query($after: String) { demonstrationTitles(first: 2, after: $after) {
        ... on DemonstrationTitleConnection { edges { node { year district } }
        pageInfo { hasNextPage endCursor } } } }"""

    # When a regulator of 红塔区 pages through them, two at a time
    first = api.gql(query, {}, as_=regulator)["demonstrationTitles"]
    second = api.gql(query, {"after": first["pageInfo"]["endCursor"]}, as_=regulator)[
        "demonstrationTitles"
    ]
    # Then only 红塔区's titles come, newest first
    years = [e["node"]["year"] for e in first["edges"] + second["edges"]]
    assert years == [2024, 2023, 2022]
    assert first["pageInfo"]["hasNextPage"] is True
    assert second["pageInfo"]["hasNextPage"] is False


def test_a_committee_asking_for_another_communitys_title_or_organisation_gets_not_found(
    api: Api,
) -> None:
    # Given a title and a party branch of 幸福里, and the committee of 和平苑
    xingfu = register(api, name="幸福里")["community"]["id"]
    heping = register(api, name="和平苑")["community"]["id"]
    title = apply(api, 2024, subject="COMMUNITY", communityId=xingfu)["title"]["id"]
    branch = set_up(api, "COMMITTEE_PARTY_BRANCH", community=xingfu)
    committee = Principal(subject="ywh-hp", role=Role.COMMITTEE_MEMBER, community_id=UUID(heping))
    problem = "__typename ... on NotFound { field message }"

    # When it asks for the title and the branch by id
    one_title = api.gql(
        f"query($id: ID!) {{ demonstrationTitle(id: $id) {{ {problem} }} }}",
        {"id": title},
        as_=committee,
    )["demonstrationTitle"]
    one_branch = api.gql(
        f"query($id: ID!) {{ partyOrganisation(id: $id) {{ {problem} }} }}",
        {"id": branch},
        as_=committee,
    )["partyOrganisation"]

    # Then each is NotFound naming the argument
    assert one_title == {
        "__typename": "NotFound",
        "field": "id",
        "message": "no demonstration title with this id that you may see",
    }
    assert one_branch == {
        "__typename": "NotFound",
        "field": "id",
        "message": "no party organisation with this id that you may see",
    }


# --- Access matrix rows (spread into tests/integration/test_access_matrix.py) ------------
# ``w`` is that file's World: 幸福里 and 和平苑 in 红塔区 (served by 安居物业 and 红塔物业),
# 向阳新村 in 江川区. Roles by subject: admin, reg, staff (安居物业), ywh (幸福里), owner.

KINDS = {
    "admin": "COMMITTEE_PARTY_BRANCH",
    "reg": "COMMITTEE_PARTY_WORKING_GROUP",
    "staff": "COMMUNITY_PARTY_COMMITTEE",
    "ywh": "COMMUNITY_PARTY_COMMITTEE",
    "owner": "COMMUNITY_PARTY_COMMITTEE",
}
YEARS = {"admin": 2021, "reg": 2022, "staff": 2023, "ywh": 2024, "owner": 2025}


def _outcome(result: dict[str, Any]) -> str:
    kind = result["__typename"]
    if kind == "Forbidden":
        return "denied"
    assert kind.endswith("Payload") or kind in {"RedPropertyStatistics", "HistoryConnection"}, (
        result
    )
    return "allowed"


def _assign(api: Api, w: Any, p: Principal) -> str:
    organisation = set_up(api, "COMPANY_PARTY_ORGANISATION", company=w.anju)
    person = add_member(api, organisation, f"红管家-{p.subject}")["partId"]
    data = {"organisationId": organisation, "personId": person, "communityId": w.xingfu}
    return _outcome(
        mutate(api, "assignRedSteward", "AssignRedStewardInput", {**data, "reason": "派驻"}, p)
    )


def _meeting(api: Api, w: Any, p: Principal) -> str:
    branch = set_up(api, "COMMITTEE_PARTY_BRANCH", community=w.xingfu)
    data = {
        "organisationId": branch,
        "heldOn": "2024-04-10",
        "attendees": [
            {"name": "李红", "organisation": "党支部"},
            {"name": "张三", "organisation": "物业"},
        ],
        "topics": [f"议题-{p.subject}"],
        "reason": "会议记录",
    }
    return _outcome(mutate(api, "recordJointMeeting", "RecordJointMeetingInput", data, p))


def _deliberation(api: Api, w: Any, p: Principal) -> str:
    branch = set_up(api, "COMMITTEE_PARTY_BRANCH", community=w.xingfu)
    data = {
        "organisationId": branch,
        "matter": f"事项-{p.subject}",
        "deliberatedOn": "2024-04-12",
        "conclusion": "同意",
        "reason": "先议",
    }
    return _outcome(mutate(api, "recordPartyDeliberation", "RecordPartyDeliberationInput", data, p))


def _history(api: Api, organisation: str, p: Principal) -> str:
    data = api.gql(
        "query($id: ID!) { history(id: $id) { __typename } }", {"id": organisation}, as_=p
    )
    return _outcome(data["history"])


RED_PROPERTY_OPERATIONS: dict[str, Any] = {
    "setUpPartyOrganisation in 幸福里": lambda api, w, p: _outcome(
        mutate(
            api,
            "setUpPartyOrganisation",
            "SetUpPartyOrganisationInput",
            {"kind": KINDS[p.subject], "name": "党组织", "communityId": w.xingfu, "reason": "组建"},
            p,
        )
    ),
    "addPartyMember to 安居物业's organisation": lambda api, w, p: _outcome(
        add_member(
            api,
            set_up(api, "COMPANY_PARTY_ORGANISATION", company=w.anju),
            f"党员-{p.subject}",
            p,
        )
    ),
    "assignRedSteward to 幸福里": _assign,
    "recordJointMeeting in 幸福里": _meeting,
    "recordPartyDeliberation in 幸福里": _deliberation,
    "applyForDemonstration 幸福里": lambda api, w, p: _outcome(
        apply(api, YEARS[p.subject], p, subject="COMMUNITY", communityId=w.xingfu)
    ),
    "party organisations of 幸福里": lambda api, w, p: len(
        organisations_of(
            api,
            community=set_up(api, "COMMITTEE_PARTY_BRANCH", community=w.xingfu) and w.xingfu,
            as_=p,
        )
    ),
    "party organisations of 和平苑": lambda api, w, p: len(
        organisations_of(
            api,
            community=set_up(api, "COMMITTEE_PARTY_BRANCH", community=w.heping) and w.heping,
            as_=p,
        )
    ),
    "redPropertyStatistics 红塔区": lambda api, w, p: _outcome(red_statistics(api, "红塔区", p)),
    "history of 幸福里's party branch": lambda api, w, p: _history(
        api, set_up(api, "COMMITTEE_PARTY_BRANCH", community=w.xingfu), p
    ),
    "history of 安居物业's party organisation": lambda api, w, p: _history(
        api, set_up(api, "COMPANY_PARTY_ORGANISATION", company=w.anju), p
    ),
}

_DENIED = "denied"
_ALLOWED = "allowed"
RED_PROPERTY_EXPECTED: dict[str, dict[str, object]] = {
    "setUpPartyOrganisation in 幸福里": dict(
        admin=_ALLOWED, regulator=_ALLOWED, company=_DENIED, committee=_DENIED, resident=_DENIED
    ),
    "addPartyMember to 安居物业's organisation": dict(
        admin=_ALLOWED, regulator=_ALLOWED, company=_ALLOWED, committee=_DENIED, resident=_DENIED
    ),
    "assignRedSteward to 幸福里": dict(
        admin=_ALLOWED, regulator=_ALLOWED, company=_ALLOWED, committee=_DENIED, resident=_DENIED
    ),
    "recordJointMeeting in 幸福里": dict(
        admin=_ALLOWED, regulator=_ALLOWED, company=_DENIED, committee=_ALLOWED, resident=_DENIED
    ),
    "recordPartyDeliberation in 幸福里": dict(
        admin=_ALLOWED, regulator=_ALLOWED, company=_DENIED, committee=_ALLOWED, resident=_DENIED
    ),
    "applyForDemonstration 幸福里": dict(
        admin=_ALLOWED, regulator=_ALLOWED, company=_DENIED, committee=_DENIED, resident=_DENIED
    ),
    "party organisations of 幸福里": dict(admin=1, regulator=1, company=1, committee=1, resident=1),
    "party organisations of 和平苑": dict(admin=1, regulator=1, company=0, committee=0, resident=0),
    "redPropertyStatistics 红塔区": dict(
        admin=_ALLOWED, regulator=_ALLOWED, company=_DENIED, committee=_DENIED, resident=_DENIED
    ),
    "history of 幸福里's party branch": dict(
        admin=_ALLOWED, regulator=_ALLOWED, company=_ALLOWED, committee=_ALLOWED, resident=_DENIED
    ),
    "history of 安居物业's party organisation": dict(
        admin=_ALLOWED, regulator=_ALLOWED, company=_ALLOWED, committee=_DENIED, resident=_DENIED
    ),
}


def test_another_companys_or_communitys_things_are_refused_before_anything_is_recorded(
    api: Api,
) -> None:
    # Given 幸福里 served by 安居物业 and 和平苑 served by 红塔物业, each company with its
    # party organisation and a 红管家 in its community, and 和平苑's party branch with a 先议
    anju, hongta = new_company(api, "安居物业", "anju"), new_company(api, "红塔物业", "hongta")
    xingfu = register(api, name="幸福里")["community"]["id"]
    heping = register(api, name="和平苑")["community"]["id"]
    serve(api, xingfu, anju)
    serve(api, heping, hongta)
    ours = set_up(api, "COMPANY_PARTY_ORGANISATION", company=anju)
    theirs = set_up(api, "COMPANY_PARTY_ORGANISATION", company=hongta)
    our_member = add_member(api, ours, "王强")["partId"]
    their_member = add_member(api, theirs, "赵敏")["partId"]
    their_steward = mutate(
        api,
        "assignRedSteward",
        "AssignRedStewardInput",
        {
            "organisationId": theirs,
            "personId": their_member,
            "communityId": heping,
            "reason": "派驻",
        },
    )["partId"]
    heping_branch = set_up(api, "COMMITTEE_PARTY_BRANCH", community=heping)
    heping_deliberation = mutate(
        api,
        "recordPartyDeliberation",
        "RecordPartyDeliberationInput",
        {
            "organisationId": heping_branch,
            "matter": "续聘物业服务企业",
            "deliberatedOn": "2024-04-12",
            "conclusion": "同意",
            "reason": "先议",
        },
    )["partId"]
    heping_owner = roster_person(api, "和平苑业主")
    granted = api.gql(
        """mutation($p: ID!, $c: ID!) { grantRole(input: {personId: $p, communityId: $c,
        role: PARTY_MEMBER, reason: "党员登记"}) { __typename } }""",
        {"p": heping_owner, "c": heping},
    )
    assert granted["grantRole"]["__typename"] == "PersonPayload"
    staff = Principal(subject="staff", role=Role.COMPANY_STAFF, company_id=UUID(anju))
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(xingfu))
    events = api.platform.app.recorder.max_notification_id()

    # When 安居物业's staff send their member to 和平苑, enrol 和平苑's person, take the other
    # company's member, and withdraw the other company's 红管家
    to_heping = mutate(
        api,
        "assignRedSteward",
        "AssignRedStewardInput",
        {"organisationId": ours, "personId": our_member, "communityId": heping, "reason": "x"},
        staff,
    )
    enrolled = add_member(api, ours, "和平苑业主", staff, personId=heping_owner)
    poached = mutate(
        api,
        "assignRedSteward",
        "AssignRedStewardInput",
        {"organisationId": ours, "personId": their_member, "communityId": xingfu, "reason": "x"},
        staff,
    )
    withdrawn = mutate(
        api,
        "withdrawRedSteward",
        "WithdrawRedStewardInput",
        {"organisationId": ours, "assignmentId": their_steward, "reason": "x"},
        staff,
    )
    # And 幸福里's committee cites 和平苑's 先议 in a proposal of its own
    propose = """mutation($input: ProposeDecisionInput!) { proposeDecision(input: $input) {
        __typename ... on NotFound { field } ... on ValidationError { field message } } }"""
    proposal = {
        "communityId": xingfu,
        "scope": "COMMUNITY",
        "matter": "PROPERTY_COMPANY",
        "title": "续聘物业服务企业",
        "opensAt": "2030-01-01T00:00:00+08:00",
        "closesAt": "2030-01-15T00:00:00+08:00",
        "partyDeliberationId": heping_deliberation,
        "reason": "业主提议",
    }
    cited = api.gql(propose, {"input": proposal}, as_=committee)["proposeDecision"]
    cited_by_admin = api.gql(propose, {"input": proposal})["proposeDecision"]

    # Then each is refused, naming the field
    assert (to_heping["__typename"], to_heping["field"]) == ("NotFound", "input.communityId")
    assert (enrolled["__typename"], enrolled["field"]) == ("NotFound", "input.personId")
    assert (poached["__typename"], poached["field"]) == ("NotFound", "input.personId")
    assert withdrawn["__typename"] == "Forbidden"
    assert cited == {"__typename": "NotFound", "field": "input.partyDeliberationId"}
    assert cited_by_admin == {
        "__typename": "ValidationError",
        "field": "input.partyDeliberationId",
        "message": "this party deliberation is not in that community",
    }
    # And nothing was recorded
    assert api.platform.app.recorder.max_notification_id() == events
