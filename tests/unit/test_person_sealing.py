"""Sealed values and the Person's erasure: no store involved (the store is tested in
tests/integration/test_personal_data.py)."""

from __future__ import annotations

import base64
import os
from typing import Any
from uuid import UUID, uuid4

import pytest
from cryptography.exceptions import InvalidTag

from gongzhi.application.personal_data import DECLARED, RECORD, Declared
from gongzhi.domain.committee import Committee
from gongzhi.domain.dispute import Dispute
from gongzhi.domain.errors import RuleViolated
from gongzhi.domain.party import PartyOrganisation
from gongzhi.domain.person import Person
from gongzhi.infra.personal_data import (
    FileKeyProvider,
    is_sealed,
    keyed_digest,
    seal,
    sealed_subject,
    unseal,
)


def test_a_sealed_value_names_its_person_hides_the_value_and_opens_with_the_key() -> None:
    person, key = uuid4(), os.urandom(32)
    sealed = seal(key, person, "13912345678")
    assert is_sealed(sealed) and "13912345678" not in sealed
    assert sealed_subject(sealed) == person
    assert unseal(key, sealed) == "13912345678"
    # the same value sealed twice differs (random nonce): equal phones are not linkable
    assert seal(key, person, "13912345678") != sealed
    # nothing to hide stays empty
    assert seal(key, person, "") == ""


def test_a_sealed_value_does_not_open_with_another_key_or_moved_to_another_person() -> None:
    person, key = uuid4(), os.urandom(32)
    sealed = seal(key, person, "张三")
    with pytest.raises(InvalidTag):
        unseal(os.urandom(32), sealed)
    raw = base64.b64decode(sealed[4:])
    moved = "pd1:" + base64.b64encode(uuid4().bytes + raw[16:]).decode()
    with pytest.raises(InvalidTag):  # the person's id is authenticated with the value
        unseal(key, moved)


def test_a_wrapped_data_key_unwraps_only_for_its_person_and_master_key() -> None:
    provider, person, data_key = FileKeyProvider(os.urandom(32)), uuid4(), os.urandom(32)
    wrapped = provider.wrap(data_key, person)
    assert data_key not in wrapped
    assert provider.unwrap(wrapped, person) == data_key
    with pytest.raises(InvalidTag):
        provider.unwrap(wrapped, uuid4())
    with pytest.raises(InvalidTag):
        FileKeyProvider(os.urandom(32)).unwrap(wrapped, person)


def test_keyed_digests_match_equal_phones_and_depend_on_the_master_key() -> None:
    provider = FileKeyProvider(os.urandom(32))
    key = provider.digest_key()
    assert keyed_digest(key, "139 1234 5678") == keyed_digest(key, "13912345678")
    assert keyed_digest(key, "13912345678") != keyed_digest(key, "13912345679")
    other = FileKeyProvider(os.urandom(32)).digest_key()
    assert keyed_digest(other, "13912345678") != keyed_digest(key, "13912345678")


def test_an_erased_person_reads_as_erased_and_refuses_further_changes() -> None:
    # Given a registered person
    person = Person.register(name="张三", phone="13912345678", id_number="11010519491231002X")

    # When the person is erased at their request
    person.erase(requested_by_person=True)

    # Then name, phone and ID number read as erased, and nothing more can be changed or erased
    assert (person.name, person.phone, person.id_number, person.erased) == ("已删除", "", "", True)
    erased = person.collect_events()[-1]
    assert isinstance(erased, Person.Erased) and erased.requested_by_person is True
    with pytest.raises(RuleViolated):
        person.change_phone("13800000000")
    with pytest.raises(RuleViolated):
        person.erase(requested_by_person=False)


def test_a_personal_field_is_declared_beside_a_field_of_the_same_record_that_holds_the_id() -> None:
    # Given the declarations of the role records: each one's person field is found
    declared = DECLARED[Committee.Elected][0]
    members = [{"person_id": str(uuid4()), "name": "张三", "role": "DIRECTOR"}]
    assert [(c[k], p) for (c, k), p in declared.slots({"members": members})] == [
        ("张三", UUID(members[0]["person_id"]))
    ]

    # When a declaration names a field the event does not have, or fields of two records
    # Then it is refused (at import, for PERSONAL_FIELDS)
    with pytest.raises(ValueError, match="has no field"):
        Declared.parse(PartyOrganisation.StewardAssigned, "name", "member_id")
    with pytest.raises(ValueError, match="has no field"):
        Declared.parse(Committee.Formed, "members[].name", "members[].person_id")
    with pytest.raises(ValueError, match="one record"):
        Declared.parse(Committee.Elected, "members[].name", "person_id")


def test_free_text_naming_no_registered_person_is_declared_under_the_records_own_key() -> None:
    # Given the declarations of free text without a person id: a list of texts, a field of
    # each record of a list, a text of the event
    record = uuid4()
    group = DECLARED[Committee.Formed][0]
    mediator, attendees = DECLARED[Dispute.MediationHeld]
    joint = DECLARED[PartyOrganisation.JointMeetingHeld][0]
    state: dict[str, Any] = {
        "originator_id": record,
        "group_members": ["张三", "李四"],
        "mediator": "王调解",
        "attendees": [{"name": "赵五", "organisation": "居委会"}],
    }

    # Then each text is found with the record's id as its subject, for a key of its own
    assert all(d.own_key for d in (group, mediator, attendees, joint))
    assert [(c[k], p) for (c, k), p in group.slots(state)] == [("张三", record), ("李四", record)]
    assert [(c[k], p) for (c, k), p in mediator.slots(state)] == [("王调解", record)]
    assert [(c[k], p) for (c, k), p in joint.slots(state)] == [("赵五", record)]
    # and a declaration of a list the event does not have is refused
    with pytest.raises(ValueError, match="has no field"):
        Declared.parse(Dispute.MediationHeld, "parties[].name", RECORD)
