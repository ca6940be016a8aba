"""个人信息 at rest (issue 12 §1): no phone, ID number or name in clear anywhere in the database
after the demo load (its owners named on role records too); erasure by key shredding shows the
person as 已删除 everywhere, a rebuild agrees; every unmasked phone shown is in the access log."""

from __future__ import annotations

import random
import re
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import EventStore
from psycopg import sql

from gongzhi.application.base import Meta
from gongzhi.application.committees import (
    AppointInterimCommittee,
    CommitteeMember,
    FormPreparatoryGroup,
    NominateCommitteeCandidate,
)
from gongzhi.application.communities import ChangeManagementMode
from gongzhi.application.companies import RegisterCompany
from gongzhi.application.owners import ErasePerson, RegisterPerson
from gongzhi.application.red_property import (
    AddPartyMember,
    AppointPartySecretary,
    AssignRedSteward,
    CrossPost,
    RecordCrossAppointment,
    SetUpPartyOrganisation,
)
from gongzhi.bootstrap import Platform
from gongzhi.demo import credit_code, load_demo
from gongzhi.domain.committee_rules import MemberRole
from gongzhi.domain.party import Body, PartyOrganisationKind
from gongzhi.domain.person import Person
from gongzhi.graphql.auth import Principal, Role
from gongzhi.infra.audit_keys import new_key_pem
from gongzhi.infra.personal_data import create_master_key
from gongzhi.infra.settings import Settings
from tests.integration.conftest import Api
from tests.integration.test_graphql_communities import building_with_entrance, register
from tests.integration.test_graphql_owners import OWNERSHIP, add_unit, person
from tests.integration.test_graphql_roster import run
from tests.integration.test_projection_runner import dump_views

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"
TEXT_TYPES = {"text", "character varying", "character", "json", "jsonb", "bytea", "ARRAY"}


def personal_values(platform: Platform) -> set[str]:
    """Every phone and ID number the log holds, as the application reads it (opened)."""
    values: set[str] = set()
    for event in registrations(platform):
        values.update(v for v in (event.phone, getattr(event, "id_number", "")) if v)
    return values


def registrations(platform: Platform) -> list[Person.Registered | Person.PhoneChanged]:
    """The persons' registrations and phone changes, as the application reads them."""
    found = []
    for notification in platform.app.recorder.select_notifications(start=1, limit=1_000_000):
        event = platform.app.mapper.to_domain_event(notification)
        if isinstance(event, Person.Registered | Person.PhoneChanged):
            found.append(event)
    return found


def distinctive_names(platform: Platform) -> dict[UUID, str]:
    """The registered persons whose names are three characters or more: a two-character
    name (the demo's spouses, 王伟) is too common a string to scan a database for."""
    return {
        e.originator_id: e.name
        for e in registrations(platform)
        if isinstance(e, Person.Registered) and len(e.name) >= 3
    }


def name_on_role_records(
    platform: Platform, communities: list[UUID], names: dict[UUID, str]
) -> None:
    """Five of ``names`` on an interim committee of a demo community, one a candidate of
    another's committee in preparation, two in the party organisation of the company serving
    the first (the secretary cross-appointed and assigned there as 红管家)."""
    app, meta = platform.app, Meta(actor="street-1", reason="扫描测试", actor_role="REGULATOR")
    community, other = communities[:2]
    company = app.register_company(
        meta, RegisterCompany(name="扫描测试物业", credit_code=credit_code(random.Random(99)))
    ).id
    app.change_management_mode(
        meta,
        ChangeManagementMode(
            community_id=community,
            mode="PROFESSIONAL",
            company_id=company,
            effective_from=date(2026, 1, 1),
        ),
    )
    people = list(names.items())[:5]
    roles = [MemberRole.DIRECTOR, MemberRole.DEPUTY_DIRECTOR] + [MemberRole.MEMBER] * 3
    app.appoint_interim_committee(
        meta,
        AppointInterimCommittee(
            community_id=community,
            appointed_on=date(2026, 6, 1),
            term_ends_on=date(2028, 5, 31),
            members=[CommitteeMember(p, n, r) for (p, n), r in zip(people, roles, strict=True)],
        ),
    )
    preparing = app.form_preparatory_group(
        meta, FormPreparatoryGroup(community_id=other, group_members=["筹备组组长"])
    ).id
    app.nominate_committee_candidate(
        meta,
        NominateCommitteeCandidate(
            committee_id=preparing, person_id=people[0][0], name=people[0][1]
        ),
    )
    organisation = app.set_up_party_organisation(
        meta,
        SetUpPartyOrganisation(
            kind=PartyOrganisationKind.COMPANY_PARTY_ORGANISATION,
            name="扫描测试物业党支部",
            company_id=company,
            set_up_on=date(2026, 1, 5),
        ),
    ).id
    for person_id, name in people[:2]:
        app.add_party_member(
            meta, AddPartyMember(organisation_id=organisation, person_id=person_id, name=name)
        )
    secretary = people[0][0]
    app.appoint_party_secretary(
        meta, AppointPartySecretary(organisation_id=organisation, person_id=secretary)
    )
    app.record_cross_appointment(
        meta,
        RecordCrossAppointment(
            organisation_id=organisation,
            person_id=secretary,
            posts=[CrossPost(Body.PARTY_ORGANISATION, "书记"), CrossPost(Body.COMMITTEE, "主任")],
        ),
    )
    app.assign_red_steward(
        meta,
        AssignRedSteward(organisation_id=organisation, person_id=secretary, community_id=community),
    )


def clear_values_found(platform: Platform, values: set[str]) -> list[str]:
    """Where in the database (table.column) any of ``values`` is stored in clear: every text,
    json, array and bytea column of every table, bytea compared byte for byte."""
    pattern = re.compile("|".join(re.escape(v) for v in values))
    byte_pattern = re.compile(b"|".join(re.escape(v.encode()) for v in values))
    found = []
    with psycopg.connect(platform.pg.url()) as conn:
        columns = conn.execute(
            """SELECT table_name, column_name, data_type FROM information_schema.columns
               WHERE table_schema = 'public'"""
        ).fetchall()
        for table, column, data_type in columns:
            if data_type not in TEXT_TYPES:
                continue
            cast = "" if data_type == "bytea" else "::text"
            query = sql.SQL("SELECT {}" + cast + " FROM {}").format(
                sql.Identifier(column), sql.Identifier(table)
            )
            for (value,) in conn.execute(query):
                if value is None:
                    continue
                hit = (
                    byte_pattern.search(bytes(value))
                    if data_type == "bytea"
                    else pattern.search(value)
                )
                if hit:
                    found.append(f"{table}.{column}")
                    break
    return found


def test_no_phone_id_number_or_name_in_clear_anywhere_after_the_demo_load(
    platform: Platform,
) -> None:
    # Given the demo district loaded through the services, five of its owners named on a
    # committee, a candidacy and a party organisation, and every view projected
    demo = load_demo(platform.app, communities=3)
    names = distinctive_names(platform)
    name_on_role_records(platform, demo.communities, names)
    platform.projection_runner().catch_up()
    values = personal_values(platform)
    assert len(values) > 100  # the demo's owners have phones and ID numbers
    assert any(len(v) == 18 for v in values) and any(len(v) == 11 for v in values)
    assert len(names) > 50  # and distinctive names

    # When every table of the database is scanned, the event table's stored state byte by
    # byte, for the phones, the ID numbers and the names
    found = clear_values_found(platform, values | set(names.values()))

    # Then none of those phones, ID numbers and names is stored in clear
    assert found == []
    # and every person has exactly one data key, stored with the registration
    with psycopg.connect(platform.pg.url()) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM person_keys), (SELECT count(*) FROM persons)"
        ).fetchone()
        # (the role records were made: the names were there to be found)
        named = conn.execute(
            "SELECT (SELECT count(*) FROM party_members), (SELECT count(*) FROM red_stewards),"
            " (SELECT count(*) FROM committee_candidates),"
            " (SELECT jsonb_array_length(members) FROM committees WHERE kind = 'INTERIM')"
        ).fetchone()
    assert counts is not None and counts[0] == counts[1] > 100
    assert named == (2, 1, 1, 5)
    # (and the scan does find a value stored in clear: it is not blind)
    with psycopg.connect(platform.pg.url()) as conn:
        conn.execute("CREATE TABLE scan_check (note text, raw bytea)")
        conn.execute("INSERT INTO scan_check VALUES ('', %s)", (next(iter(values)).encode(),))
        conn.execute("INSERT INTO scan_check VALUES (%s, NULL)", (next(iter(names.values())),))
    assert clear_values_found(platform, values) == ["scan_check.raw"]
    assert clear_values_found(platform, set(names.values())) == ["scan_check.note"]


PERSON_FIELDS = "id name phone idNumber erased"
PERSONS = (
    """query($c: ID!) { persons(communityId: $c) { ... on PersonConnection { persons { """
    + PERSON_FIELDS
    + " } } } }"
)
HISTORY = """query($id: ID!) { history(id: $id) { ... on HistoryConnection { entries {
    eventType reason data } } } }"""
ERASE = """mutation($input: ErasePersonInput!) { erasePerson(input: $input) { __typename
    ... on PersonPayload { person { name phone idNumber erased } }
    ... on ValidationError { field message } ... on Forbidden { message } } }"""
STAFF_READS = """query($c: ID!) { community(id: $c) { ... on Community { buildings { entrances {
    units { owners { name share } } } } } } }"""


def owned_unit(api: Api) -> tuple[str, str, str]:
    """A community with one unit owned half and half by 张三 (phone, ID number) and 李四."""
    community_id = register(api)["community"]["id"]
    _, entrance = building_with_entrance(api, community_id)
    unit = add_unit(api, community_id, entrance, "101")
    zhang = person(api, "张三", PHONE, ID_NUMBER)["person"]["id"]
    li = person(api, "李四", "13800001111")["person"]["id"]
    owners = [{"personId": zhang, "share": "1/2"}, {"personId": li, "share": "1/2"}]
    result = api.gql(
        OWNERSHIP,
        {
            "input": {
                "communityId": community_id,
                "unitId": unit,
                "on": "2020-05-01",
                "reason": "不动产登记",
                "owners": owners,
            }
        },
    )["recordOwnership"]
    assert result["__typename"] == "CommunityPayload", result
    return community_id, zhang, li


def test_an_erased_person_reads_as_erased_everywhere_and_a_rebuild_agrees(api: Api) -> None:
    # Given 张三, with a phone and an ID number, owning half of a unit
    community_id, zhang, li = owned_unit(api)
    erase = {"personId": zhang, "requestedByPerson": True, "reason": "本人申请删除个人信息"}

    by_name = """query($c: ID!, $n: String) { persons(communityId: $c, name: $n) {
        ... on PersonConnection { persons { id } } } }"""
    found = api.gql(by_name, {"c": community_id, "n": " 张三 "})["persons"]["persons"]
    assert found == [{"id": zhang}]  # by the keyed hash of the exact name

    # When the serving company's staff asks to erase 张三, it is refused
    staff = Principal(subject="staff", role=Role.COMPANY_STAFF, company_id=uuid4())
    refused = api.gql(ERASE, {"input": erase}, as_=staff)["erasePerson"]
    assert refused["__typename"] == "Forbidden"

    # When the platform admin erases 张三 at the person's request
    erased = api.gql(ERASE, {"input": erase})["erasePerson"]

    # Then 张三 reads as 已删除 with no phone and no ID number, in the reply
    assert erased == {
        "__typename": "PersonPayload",
        "person": {"name": "已删除", "phone": "", "idNumber": "", "erased": True},
    }
    # and in the persons list, while 李四 is untouched
    listed = api.gql(PERSONS, {"c": community_id})["persons"]["persons"]
    by_id = {p["id"]: p for p in listed}
    assert by_id[zhang] == {
        "id": zhang,
        "name": "已删除",
        "phone": "",
        "idNumber": "",
        "erased": True,
    }
    assert by_id[li]["name"] == "李四" and by_id[li]["phone"] == "13800001111"
    # and on the unit, where the share keeps its figure
    units = api.gql(STAFF_READS, {"c": community_id})["community"]["buildings"][0]["entrances"]
    owners = sorted((o["name"], o["share"]) for o in units[0]["units"][0]["owners"])
    assert owners == [("已删除", "1/2"), ("李四", "1/2")]
    # and in the audit trail: the registration shows no name, phone or ID number any more
    entries = api.gql(HISTORY, {"id": zhang})["history"]["entries"]
    assert [e["eventType"] for e in entries] == ["Registered", "Erased"]
    assert entries[0]["data"] == {"name": "已删除", "phone": "", "id_number": ""}
    assert entries[1]["data"] == {"requested_by_person": True}
    assert entries[1]["reason"] == "本人申请删除个人信息"
    # and the persons view keeps nothing of 张三 but the erasure
    with psycopg.connect(api.platform.pg.url()) as conn:
        row = conn.execute(
            "SELECT name, phone, id_number, erased FROM persons WHERE id = %s", (UUID(zhang),)
        ).fetchone()
    assert row == ("已删除", "", "", True)
    # and in the event store as the application reads it
    assert api.platform.app.repository.get(UUID(zhang)).name == "已删除"

    # and the name no longer finds the person (the keyed hash went with the key)
    assert api.gql(by_name, {"c": community_id, "n": "张三"})["persons"]["persons"] == []

    # When it is asked again, it is refused: nothing is left to erase
    again = api.gql(ERASE, {"input": erase})["erasePerson"]
    assert again["__typename"] == "ValidationError"

    # When every view is rebuilt from the log
    api.settle()
    before = dump_views(api.platform.engine)
    api.platform.projection_runner().rebuild()

    # Then the views hold the same rows as before, and 张三 still reads as erased
    assert dump_views(api.platform.engine) == before
    listed = api.gql(PERSONS, {"c": community_id})["persons"]["persons"]
    assert {p["id"]: p["name"] for p in listed} == {zhang: "已删除", li: "李四"}


ACCESS = """query($p: ID, $after: String) { personalDataAccess(personId: $p, first: 2,
    after: $after) { __typename ... on PersonalDataAccessConnection {
    entries { actor actorRole personId field } pageInfo { hasNextPage endCursor } }
    ... on Forbidden { message } } }"""


def test_every_unmasked_phone_shown_is_logged_and_the_admin_reads_the_log(api: Api) -> None:
    # Given 张三 and 李四 owning a unit of a community
    community_id, zhang, li = owned_unit(api)
    before = api.gql(ACCESS, {"p": zhang})["personalDataAccess"]["entries"]

    # When a committee member reads the persons (masked) and the admin reads them (unmasked)
    committee = Principal(
        subject="ywh-1", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id)
    )
    masked = api.gql(PERSONS, {"c": community_id}, as_=committee)["persons"]["persons"]
    assert all("****" in p["phone"] for p in masked)
    api.gql(PERSONS, {"c": community_id})

    # Then the admin's read of both phones is logged, the committee member's is not
    after = api.gql(ACCESS, {"p": zhang})["personalDataAccess"]["entries"]
    assert len(after) == len(before) + 1
    assert after[0] == {
        "actor": "admin-1",
        "actorRole": "PLATFORM_ADMIN",
        "personId": zhang,
        "field": "phone",
    }
    everyone = api.gql(ACCESS, {"p": None})["personalDataAccess"]
    assert everyone["pageInfo"]["hasNextPage"] is True  # pages of two: several entries
    rest = api.gql(ACCESS, {"p": None, "after": everyone["pageInfo"]["endCursor"]})
    seen = everyone["entries"] + rest["personalDataAccess"]["entries"]
    assert {e["personId"] for e in seen} >= {zhang, li}
    assert all(e["actor"] != "ywh-1" for e in seen)

    # When anyone but the admin asks for the log, it is refused
    refused = api.gql(ACCESS, {"p": zhang}, as_=committee)["personalDataAccess"]
    assert refused["__typename"] == "Forbidden"


def test_production_refuses_to_start_without_a_master_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {
        "GONGZHI_ENV": "production",
        "GONGZHI_JWT_SECRET": "a-production-signing-key-of-at-least-32-bytes",
        "GONGZHI_AUDIT_SIGNING_KEY": new_key_pem(),  # production's other required key, given
        "GONGZHI_DATA_DIR": str(data),
    }
    with pytest.raises(ValueError, match="GONGZHI_MASTER_KEY_FILE"):
        Settings.from_env(env)
    assert not list(data.glob("*")), "no key may be generated in production"

    key = tmp_path / "master.key"
    create_master_key(key)
    settings = Settings.from_env({**env, "GONGZHI_MASTER_KEY_FILE": str(key)})
    assert settings.master_key_file == key.resolve()
    key.write_text("not a key\n")
    with pytest.raises(ValueError):
        Settings.from_env({**env, "GONGZHI_MASTER_KEY_FILE": str(key)})


FIRST_ROSTER = """楼栋,层数,电梯,单元,房号,楼层,面积,面积来源,业主姓名,业主电话,份额
1栋,6,否,1单元,101,1,88.50,登记,张三,13812341234,
1栋,6,否,1单元,102,1,70.25,登记,李四,13912341234,
"""
SECOND_ROSTER = """楼栋,层数,电梯,单元,房号,楼层,面积,面积来源,业主姓名,业主电话,份额
3栋,6,否,1单元,101,1,88.50,登记,张三,13812341234,
3栋,6,否,1单元,102,1,70.25,登记,李四,13700000000,
"""
OWNERS = """query($c: ID!) { community(id: $c) { ... on Community { buildings { number entrances {
    units { number owners { personId name } } } } } } }"""


def test_a_roster_re_import_matches_an_owner_by_the_keyed_hash_of_the_phone(api: Api) -> None:
    # Given a community whose building 1 was imported with 张三 and 李四 as owners
    community_id = register(api)["community"]["id"]
    assert run(api, community_id, FIRST_ROSTER, dry_run=False)["ownersRegistered"] == 2

    # When building 3 is imported naming 张三 with the same phone, 李四 with another phone
    report = run(api, community_id, SECOND_ROSTER, dry_run=False)

    # Then 张三 is the same person (one new owner registered: 李四 with the new phone)
    assert report["imported"] is True and report["ownersRegistered"] == 1
    buildings = api.gql(OWNERS, {"c": community_id})["community"]["buildings"]
    owner = {
        (b["number"], u["number"]): u["owners"][0]
        for b in buildings
        for e in b["entrances"]
        for u in e["units"]
    }
    assert owner[("1栋", "101")] == owner[("3栋", "101")]
    assert owner[("1栋", "102")]["personId"] != owner[("3栋", "102")]["personId"]
    # and what matched them is a keyed hash: the phone is nowhere in clear
    found = clear_values_found(api.platform, {"13812341234", "13912341234", "13700000000"})
    assert found == []


def test_another_process_that_read_a_person_before_the_erasure_cannot_read_it_after(
    platform: Platform, settings: Settings
) -> None:
    # Given a person registered, and read by a second process (its own application and keys)
    meta = Meta(actor="admin-1", reason="业主登记")
    person_id = platform.app.register_person(
        meta, RegisterPerson(name="张三", phone=PHONE, id_number=ID_NUMBER)
    ).id
    other = Platform(settings)
    try:
        assert other.app.repository.get(person_id, version=1).id_number == ID_NUMBER

        # When the first process erases the person
        platform.app.erase_person(
            Meta(actor="admin-1", reason="本人申请"),
            ErasePerson(person_id=person_id, requested_by_person=True),
        )

        # Then the second process reads the registration as erased, whatever it cached
        registered = other.app.repository.get(person_id, version=1)
        assert (registered.name, registered.phone, registered.id_number) == ("已删除", "", "")
    finally:
        other.close()


def test_a_person_recorded_in_clear_before_sealing_gets_a_key_on_the_first_change(
    platform: Platform,
) -> None:
    # Given a person whose registration was stored in clear (as before sealing existed)
    person = Person.register(name="王五", phone="13600000000")
    events = person.collect_events()
    for event in events:
        event.__dict__["meta"] = {"actor": "admin-1", "actor_role": "", "reason": "旧数据"}
    EventStore(mapper=platform.app.log_mapper(), recorder=platform.app.recorder).put(events)

    # When the person's phone changes
    platform.app.change_phone(Meta(actor="admin-1", reason="换号"), person.id, PHONE)

    # Then the person now has a key, the new phone is sealed, and both read back in clear
    loaded = platform.app.repository.get(person.id, version=2)
    assert (loaded.name, loaded.phone) == ("王五", PHONE)
    platform.projection_runner().catch_up()
    assert clear_values_found(platform, {PHONE}) == []
