"""个人信息 which event fields hold a natural person's personal data, and the mapper that seals
them on the way into the event store and opens them on the way out.

The domain keeps working on clear values in memory; the stored state of these events holds
sealed values (``gongzhi.infra.personal_data``) under the data key of the person. The views
copy the sealed values as they are (the projection runner reads the log without opening
them), and the read side opens them per response; once a person is erased (the data key
destroyed) they open as ``已删除`` and empty.

Covered: ``Person.Registered`` (name, phone, id_number) and ``Person.PhoneChanged`` (phone).
Not covered yet:
- the free-text names of a dispute's mediation (mediator, attendees), of a party joint
  meeting's attendees and a ballot's proxy authorisation text: no registered person's data,
  no person whose erasure they would follow (the audit trail masks phone- and ID-shaped text);
- the names that role records copy with a person's id: committee candidates and members,
  party members, secretaries, cross-appointments and 红管家 stewards. They are published
  records (公示, 备案), and the credit workers copy them into evidence; sealing them means
  opening them at each of those read sites, a step of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from gongzhi.domain.person import ERASED_NAME, Person

# Event class → its fields that hold personal data; the originator is the person.
PERSONAL_FIELDS: Mapping[type, tuple[str, ...]] = {
    Person.Registered: ("name", "phone", "id_number"),
    Person.PhoneChanged: ("phone",),
}


def erased_value(field: str) -> str:
    """What a personal field of an erased person reads as."""
    return ERASED_NAME if field == "name" else ""


class Sealer(Protocol):
    """The persons' data keys (gongzhi/infra/personal_data.py ``KeyRing``, given by the wiring)."""

    def prepare(
        self, created: Mapping[UUID, Mapping[str, str]], phones: Mapping[UUID, str]
    ) -> Callable[[Any], None] | None:
        """Keys (and digests) for the persons ``created``, digests of the ``phones`` changed:
        ready for sealing at once, stored by the returned writer in the save's transaction."""
        ...

    def forget(self, person_ids: Iterable[UUID]) -> None:
        """The save failed: the keys prepared for these persons were never stored."""
        ...

    def seal(self, person_id: UUID, clear: str) -> str: ...

    def is_sealed(self, value: object) -> bool: ...

    def open(self, values: Sequence[str]) -> list[str | None]:
        """The clear values; ``None`` where the person's key is destroyed."""
        ...

    def shred(self, person_id: UUID) -> None: ...

    def persons_with_phones(self, phones: Iterable[str]) -> dict[str, list[UUID]]:
        """The persons registered with each phone, matched by a keyed hash of it."""
        ...


class PersonalDataLocked(Exception):
    """Raised when personal data must be sealed or opened by an application that was given
    no key ring (a process started without the master key)."""


class SealingMapper(Mapper[UUID]):
    """The library's mapper, sealing ``PERSONAL_FIELDS`` when storing and opening them when
    loading. ``sealer`` is set by the wiring (bootstrap) once the master key is known."""

    sealer: Sealer | None = None

    def _sealer(self) -> Sealer:
        if self.sealer is None:
            msg = "personal data keys are not configured in this process"
            raise PersonalDataLocked(msg)
        return self.sealer

    def prepare(self, events: Iterable[Any]) -> Callable[[Any], None] | None:
        """Before a save: a data key for each person registered, the phone digest of each phone
        changed; what the save's transaction must write with the events (or None)."""
        created: dict[UUID, dict[str, str]] = {}
        phones: dict[UUID, str] = {}
        for event in events:
            if isinstance(event, Person.Registered):
                created[event.originator_id] = {"phone": event.phone, "name": event.name}
            elif isinstance(event, Person.PhoneChanged):
                phones[event.originator_id] = event.phone
        if not created and not phones:
            return None
        return self._sealer().prepare(created, phones)

    def forget(self, person_ids: Iterable[UUID]) -> None:
        if self.sealer is not None:
            self.sealer.forget(person_ids)

    def persons_with_phones(self, phones: Iterable[str]) -> dict[str, list[UUID]]:
        return self._sealer().persons_with_phones(phones)

    def shred(self, person_id: UUID) -> None:
        """Destroy the person's data key: erasure (see ``Person.Erased``)."""
        self._sealer().shred(person_id)

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        fields = PERSONAL_FIELDS.get(type(domain_event))
        if fields is None:
            return super().to_stored_event(domain_event)
        sealer = self._sealer()
        person: UUID = domain_event.originator_id
        state = dict(vars(domain_event))
        for field in fields:
            if isinstance(state.get(field), str) and not sealer.is_sealed(state[field]):
                state[field] = sealer.seal(person, state[field])
        sealed = object.__new__(type(domain_event))
        object.__setattr__(sealed, "__dict__", state)
        return super().to_stored_event(sealed)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        event = super().to_domain_event(stored_event)
        fields = PERSONAL_FIELDS.get(type(event))
        if fields is not None:
            sealer, state = self._sealer(), event.__dict__
            # Not sealed: recorded in clear, before sealing existed.
            sealed = [
                f for f in fields if isinstance(state.get(f), str) and sealer.is_sealed(state[f])
            ]
            if sealed:
                for field, clear in zip(
                    sealed, sealer.open([state[f] for f in sealed]), strict=True
                ):
                    state[field] = erased_value(field) if clear is None else clear
        return event
