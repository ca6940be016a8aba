"""个人信息 which event fields hold a natural person's personal data, and the mapper that seals
them on the way into the event store and opens them on the way out.

The domain keeps working on clear values in memory; the stored state of these events holds
sealed values (``gongzhi.infra.personal_data``) under the data key of the person. The views
copy the sealed values as they are (the projection runner reads the log without opening
them), and the read side opens them per response; once a person is erased (the data key
destroyed) they open as ``已删除`` and empty.

Covered: ``Person.Registered`` (name, phone, id_number) and ``Person.PhoneChanged`` (phone).
Not covered, because they are not a registered person's data and have no person whose erasure
they would follow: the free-text attendee and mediator names of a dispute's mediation and of a
party joint meeting, and a ballot's proxy authorisation text (their masking in the audit trail
is the free-text masking of issue 12).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from gongzhi.domain.person import ERASED_NAME, Person
from gongzhi.infra.personal_data import KeyRing, is_sealed, seal, sealed_subject, unseal

# Event class → its fields that hold personal data; the originator is the person.
PERSONAL_FIELDS: Mapping[type, tuple[str, ...]] = {
    Person.Registered: ("name", "phone", "id_number"),
    Person.PhoneChanged: ("phone",),
}


def erased_value(field: str) -> str:
    """What a personal field of an erased person reads as."""
    return ERASED_NAME if field == "name" else ""


class PersonalDataLocked(Exception):
    """Raised when personal data must be sealed or opened by an application that was given
    no key ring (a process started without the master key)."""


class SealingMapper(Mapper[UUID]):
    """The library's mapper, sealing ``PERSONAL_FIELDS`` when storing and opening them when
    loading. ``keys`` is set by the wiring (bootstrap) once the master key is known."""

    keys: KeyRing | None = None

    def _ring(self) -> KeyRing:
        if self.keys is None:
            msg = "personal data keys are not configured in this process"
            raise PersonalDataLocked(msg)
        return self.keys

    def prepare(self, events: Iterable[Any]) -> None:
        """Before a save: a data key for each person registered, the phone digest of each phone
        changed, and every key the save will seal with in the cache (one query each)."""
        created: dict[UUID, dict[str, str]] = {}
        subjects: set[UUID] = set()
        for event in events:
            if type(event) not in PERSONAL_FIELDS:
                continue
            subjects.add(event.originator_id)
            if isinstance(event, Person.Registered):
                created[event.originator_id] = {"phone": event.phone, "name": event.name}
        if not subjects:
            return
        ring = self._ring()
        ring.create(created)
        for event in events:
            if isinstance(event, Person.PhoneChanged):
                ring.set_phone(event.originator_id, event.phone)
        ring.keys(subjects)

    def shred(self, person_id: UUID) -> None:
        """Destroy the person's data key: erasure (see ``Person.Erased``)."""
        self._ring().shred(person_id)

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        fields = PERSONAL_FIELDS.get(type(domain_event))
        if fields is None:
            return super().to_stored_event(domain_event)
        person: UUID = domain_event.originator_id
        key = self._ring().keys((person,)).get(person)
        if key is None:
            msg = "the person has no data key (erased, or registered without one)"
            raise PersonalDataLocked(msg)
        state = dict(vars(domain_event))
        for field in fields:
            if isinstance(state.get(field), str) and not is_sealed(state[field]):
                state[field] = seal(key, person, state[field])
        sealed = object.__new__(type(domain_event))
        object.__setattr__(sealed, "__dict__", state)
        return super().to_stored_event(sealed)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        event = super().to_domain_event(stored_event)
        fields = PERSONAL_FIELDS.get(type(event))
        if fields is not None:
            state = event.__dict__
            sealed = {f: state[f] for f in fields if is_sealed(state.get(f))}
            if sealed:
                subjects = {sealed_subject(value) for value in sealed.values()}
                keys = self._ring().keys(subjects)
                for field, value in sealed.items():
                    key = keys.get(sealed_subject(value))
                    state[field] = unseal(key, value) if key else erased_value(field)
        return event
