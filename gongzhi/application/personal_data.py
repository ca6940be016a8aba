"""个人信息 which event fields hold a natural person's personal data, and the mapper that seals
them on the way into the event store and opens them on the way out.

The domain keeps working on clear values in memory; the stored state of these events holds
sealed values (``gongzhi.infra.personal_data``) under the data key of the person the value
belongs to. The views copy the sealed values as they are (the projection runner reads the
log without opening them, so a rebuild needs no key and gives the same rows), and the read
side opens them per response; once a person is erased (the data key destroyed) they open as
``已删除`` and empty, wherever they were copied to.

Covered (``PERSONAL_FIELDS``):
- ``Person.Registered`` (name, phone, id_number) and ``Person.PhoneChanged`` (phone), under
  the key of the person the event is about;
- the names that role records copy beside a person's id, under that person's key:
  committee candidates (``Committee.CandidateNominated``) and members (``Elected``,
  ``Appointed``, ``MembersChanged``: each member's name), party members
  (``PartyOrganisation.MemberJoined``), secretaries (``SecretaryAppointed``),
  cross-appointments (``CrossAppointmentRecorded``) and 红管家 stewards
  (``StewardAssigned``). The credit workers copy the sealed names from the views into an
  evaluation's evidence as they are; the read side opens them there too.

A name copied for a person who has no key is stored as ``已删除`` when the person was erased
(the record was made after the erasure), and as given when the id never had a key: a party
member added without a roster id, or a person registered before sealing existed.

Not covered (no registered person's data, no person whose erasure they would follow; the
audit trail masks phone- and ID-shaped text in them):
- a committee's 筹备组 (``Committee.Formed.group_members``): names without person ids;
- the free-text names of a dispute's mediation (mediator, attendees), of a party joint
  meeting's attendees and a ballot's proxy authorisation text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from gongzhi.domain.committee import Committee
from gongzhi.domain.party import PartyOrganisation
from gongzhi.domain.person import ERASED_NAME, Person

# The field of a Person event that names the person: the event's own aggregate.
ORIGINATOR = "originator_id"
# Event class → {personal field: the field holding the id of the person it belongs to}. A
# path ``list[].field`` reaches into each item of a list of records (a committee's members).
PERSONAL_FIELDS: Mapping[type, Mapping[str, str]] = {
    Person.Registered: {"name": ORIGINATOR, "phone": ORIGINATOR, "id_number": ORIGINATOR},
    Person.PhoneChanged: {"phone": ORIGINATOR},
    Committee.CandidateNominated: {"name": "person_id"},
    Committee.Elected: {"members[].name": "members[].person_id"},
    Committee.Appointed: {"members[].name": "members[].person_id"},
    Committee.MembersChanged: {"members[].name": "members[].person_id"},
    PartyOrganisation.MemberJoined: {"name": "person_id"},
    PartyOrganisation.SecretaryAppointed: {"name": "person_id"},
    PartyOrganisation.CrossAppointmentRecorded: {"name": "person_id"},
    PartyOrganisation.StewardAssigned: {"name": "person_id"},
}


def erased_value(field: str) -> str:
    """What a personal field of an erased person reads as."""
    return ERASED_NAME if field == "name" else ""


@dataclass(frozen=True)
class Declared:
    """One declaration of ``PERSONAL_FIELDS``, parsed: ``within`` is the list field whose
    items hold both fields (None: the event's own fields)."""

    within: str | None
    field: str
    person: str

    @classmethod
    def parse(cls, event: type, field: str, person: str) -> Declared:
        """The declaration, refused (at import) unless both name fields of ``event``'s: a
        misspelt field would otherwise be stored in clear without a word."""
        within, _, name = field.rpartition("[].")
        owner, _, person_field = person.rpartition("[].")
        if within != owner:
            msg = f"{event.__qualname__}: {field} and {person} must be fields of one record"
            raise ValueError(msg)
        fields = {f for klass in event.__mro__ for f in getattr(klass, "__annotations__", {})}
        if (within or name) not in fields or (not within and person_field not in fields):
            msg = f"{event.__qualname__} has no field {field} or {person}"
            raise ValueError(msg)
        return cls(within or None, name, person_field)

    def values(self, state: dict[str, Any]) -> Iterator[tuple[dict[str, Any], UUID]]:
        """Each record of ``state`` holding the field, with the person's id."""
        records = [state] if self.within is None else (state.get(self.within) or [])
        for record in records:
            person = record.get(self.person)
            if isinstance(record.get(self.field), str) and person is not None:
                yield record, person if isinstance(person, UUID) else UUID(str(person))


DECLARED: Mapping[type, tuple[Declared, ...]] = {
    event: tuple(Declared.parse(event, f, p) for f, p in fields.items())
    for event, fields in PERSONAL_FIELDS.items()
}


def _own_copy(state: dict[str, Any], declared: Sequence[Declared]) -> dict[str, Any]:
    """``state`` with its own copies of the declared lists' records, so that sealing them
    leaves the event the domain holds untouched."""
    copy = dict(state)
    for item in declared:
        if item.within is not None and isinstance(copy.get(item.within), list):
            copy[item.within] = [dict(r) for r in copy[item.within]]
    return copy


class Sealer(Protocol):
    """The persons' data keys (gongzhi/infra/personal_data.py ``KeyRing``, given by the wiring)."""

    def prepare(
        self,
        created: Mapping[UUID, Mapping[str, str]],
        phones: Mapping[UUID, str],
        named: Iterable[UUID],
    ) -> Callable[[Any], None] | None:
        """Keys (and digests) for the persons ``created``, digests of the ``phones`` changed:
        ready for sealing at once, stored by the returned writer in the save's transaction;
        the keys of the persons ``named`` by other records, ready too."""
        ...

    def is_erased(self, person_id: UUID) -> bool:
        """Whether the person's key was destroyed by erasure (not merely never made)."""
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
        named: set[UUID] = set()
        for event in events:
            if isinstance(event, Person.Registered):
                created[event.originator_id] = {"phone": event.phone, "name": event.name}
            elif isinstance(event, Person.PhoneChanged):
                phones[event.originator_id] = event.phone
            else:
                for item in DECLARED.get(type(event), ()):
                    named.update(person for _, person in item.values(vars(event)))
        if not created and not phones and not named:
            return None
        return self._sealer().prepare(created, phones, named)

    def forget(self, person_ids: Iterable[UUID]) -> None:
        if self.sealer is not None:
            self.sealer.forget(person_ids)

    def persons_with_phones(self, phones: Iterable[str]) -> dict[str, list[UUID]]:
        return self._sealer().persons_with_phones(phones)

    def shred(self, person_id: UUID) -> None:
        """Destroy the person's data key: erasure (see ``Person.Erased``)."""
        self._sealer().shred(person_id)

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        declared = DECLARED.get(type(domain_event))
        if declared is None:
            return super().to_stored_event(domain_event)
        sealer = self._sealer()
        state = _own_copy(vars(domain_event), declared)
        for item in declared:
            for record, person in item.values(state):
                if not sealer.is_sealed(record[item.field]):
                    record[item.field] = self._seal(sealer, item, person, record[item.field])
        sealed = object.__new__(type(domain_event))
        object.__setattr__(sealed, "__dict__", state)
        return super().to_stored_event(sealed)

    @staticmethod
    def _seal(sealer: Sealer, item: Declared, person: UUID, clear: str) -> str:
        try:
            return sealer.seal(person, clear)
        except LookupError:
            if item.person == ORIGINATOR:
                raise  # a Person event always has its person's key: a bug, not a case
            if sealer.is_erased(person):
                return erased_value(item.field)  # named again after the erasure
            return clear  # an id that never had a key: not a registered person

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        event = super().to_domain_event(stored_event)
        declared = DECLARED.get(type(event))
        if declared is not None:
            sealer = self._sealer()
            # Not sealed: recorded in clear (before sealing existed, or no registered person).
            found = [
                (record, item.field)
                for item in declared
                for record, _ in item.values(event.__dict__)
                if sealer.is_sealed(record[item.field])
            ]
            if found:
                opened = sealer.open([record[field] for record, field in found])
                for (record, field), clear in zip(found, opened, strict=True):
                    record[field] = erased_value(field) if clear is None else clear
        return event
