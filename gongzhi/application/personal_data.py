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
  evaluation's evidence as they are; the read side opens them there too;
- free text naming people who are not registered persons (no person id beside it), under the
  data key of the record itself (``RECORD``: a key whose subject is the event's aggregate,
  made by the first save that seals with it, kept in ``record_keys``): a committee's 筹备组
  (``Committee.Formed.group_members``), a dispute's parties' names (``Dispute.Opened``:
  residents or companies, told apart by nothing the log can trust) and its mediations'
  mediator and attendees (``Dispute.MediationHeld``), a party joint meeting's attendees' names
  (``PartyOrganisation.JointMeetingHeld``), a facility inspection's inspector
  (``Facility.InspectionRecorded``), a ballot's proxy authorisation (委托书, in
  ``Ballot.BallotCast``/``BallotChanged`` and the decision's older ``BallotCast``) and a bill
  write-off's approver (``FeeAccount.WrittenOff.approved_by``: a name typed by the staff, not
  a roster id; the fee ledger, statement and history open it) and a personal invoice's
  buyer (``InvoiceRequest.Requested.buyer_name``: 个人抬头, a name typed for the invoice; the
  receipt opens it, masked for the roles that do not issue invoices). Destroying the record's key
  (``eraseRecordText``, gongzhi/domain/record_text.py) erases that record's free text and
  nothing else; the record is then kept as erased, so that no later save makes it a new key;
- the same names in a snapshot's state (``SNAPSHOT_FIELDS``: a committee's 筹备组, candidates
  and members), sealed under the same keys, so that an erasure reaches the snapshot too.

A name copied for a person who has no key is stored as ``已删除`` when the person was erased
(the record was made after the erasure), and as given when the id never had a key: a party
member added without a roster id, or a person registered before sealing existed. Events stored
before a field was declared keep their clear values (the read side passes a clear value
through) until ``gongzhi reseal`` rewrites them sealed.

Not covered: names of organisations rather than persons (a party organisation's approving
body ``approved_by``, a community company's owning collective ``owner_name``, a fund use's
contractor 施工单位); the actors of the metadata (token subjects, a work order's ``reporter``
included), which are ids rather than names; and free text such as descriptions and notes,
where the audit trail masks phone- and ID-shaped text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import resolve_topic

from gongzhi.application.snapshots import GongzhiSnapshot
from gongzhi.domain.committee import Committee
from gongzhi.domain.decision import Ballot, Decision
from gongzhi.domain.dispute import Dispute
from gongzhi.domain.facility import Facility
from gongzhi.domain.fee_account import FeeAccount
from gongzhi.domain.invoice import InvoiceRequest
from gongzhi.domain.party import PartyOrganisation
from gongzhi.domain.person import ERASED_NAME, Person

# The field of a Person event that names the person: the event's own aggregate.
ORIGINATOR = "originator_id"
# The subject of free text that names no registered person: the record (the event's
# aggregate) itself, under a data key of its own, made the first time it is needed.
RECORD = "record"
# Event class → {personal field: whose data key seals it}: the field holding the id of the
# person it belongs to, ``ORIGINATOR`` or ``RECORD``. A path ``list[].field`` reaches into each
# item of a list of records (a committee's members), ``list[]`` is each text of a list.
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
    Committee.Formed: {"group_members[]": RECORD},
    Dispute.Opened: {"parties[].name": RECORD},
    Dispute.MediationHeld: {"mediator": RECORD, "attendees[]": RECORD},
    Facility.InspectionRecorded: {"inspector": RECORD},
    PartyOrganisation.JointMeetingHeld: {"attendees[].name": RECORD},
    Decision.BallotCast: {"proxy_authorisation": RECORD},
    Ballot.BallotCast: {"proxy_authorisation": RECORD},
    Ballot.BallotChanged: {"proxy_authorisation": RECORD},
    FeeAccount.WrittenOff: {"approved_by": RECORD},
    InvoiceRequest.Requested: {"buyer_name": RECORD},
}


# The aggregates whose events hold free text under their own key (``RECORD``): the records
# whose text ``eraseRecordText`` can erase.
RECORD_TEXT_HOLDERS = frozenset(
    event.__qualname__.partition(".")[0]
    for event, fields in PERSONAL_FIELDS.items()
    if RECORD in fields.values()
)


# Fields that hold names: an erased one reads as 已删除; any other (a phone, an ID number, a
# proxy authorisation) reads as empty.
NAME_FIELDS = frozenset(
    {"name", "group_members", "mediator", "attendees", "inspector", "approved_by", "buyer_name"}
)


def erased_value(field: str) -> str:
    """What a personal field of an erased person (or record) reads as."""
    return ERASED_NAME if field in NAME_FIELDS else ""


# Where one declared value sits: its container (the event's state, a record, a list) and key.
Slot = tuple[Any, Any]


@dataclass(frozen=True)
class Declared:
    """One declaration of ``PERSONAL_FIELDS``, parsed: ``within`` is the list field whose
    items hold the value (None: the event's own field); ``field`` the value's field in each
    item (None: the item is the value); ``subject`` the field holding the id of the key's
    subject, read in the item when ``in_item``, else in the event; ``own_key`` when the
    subject is the record itself (``RECORD``), whose key the save makes if it has none."""

    within: str | None
    field: str | None
    subject: str
    in_item: bool
    own_key: bool

    @property
    def name(self) -> str:
        """The field's name as the read side knows it (``name`` reads as 已删除 when erased)."""
        return self.field or self.within or ""

    @classmethod
    def parse(cls, event: type, field: str, person: str) -> Declared:
        """The declaration, refused (at import) unless both name fields of ``event``'s: a
        misspelt field would otherwise be stored in clear without a word."""
        fields = {f for klass in event.__mro__ for f in getattr(klass, "__annotations__", {})}
        within, listed, name = field.rpartition("[]")
        if listed:
            name = name.removeprefix(".")
        else:
            within, name = "", field
        if person == RECORD:
            owner, person_field, in_item, own = within, ORIGINATOR, False, True
        else:
            owner, _, person_field = person.rpartition("[].")
            in_item, own = bool(owner), False
        if person != RECORD and within != owner:
            msg = f"{event.__qualname__}: {field} and {person} must be fields of one record"
            raise ValueError(msg)
        known = (within or name) in fields and (in_item or person_field in fields | {ORIGINATOR})
        if not known or (not name and not within):
            msg = f"{event.__qualname__} has no field {field} or {person}"
            raise ValueError(msg)
        return cls(within or None, name or None, person_field, in_item, own)

    def slots(self, state: dict[str, Any]) -> Iterator[tuple[Slot, UUID]]:
        """Each place in ``state`` holding a text of the field, with its subject's id."""
        top = state.get(self.subject)
        if self.within is None:
            places: list[Slot] = [(state, self.field)]
        elif self.field is None:
            items = state.get(self.within) or []
            places = [(items, i) for i in range(len(items))]
        else:
            places = [(item, self.field) for item in state.get(self.within) or []]
        for container, key in places:
            value = container[key] if isinstance(container, list) else container.get(key)
            subject = container.get(self.subject) if self.in_item else top
            if isinstance(value, str) and subject is not None:
                yield (container, key), subject if isinstance(subject, UUID) else UUID(str(subject))

    def paths(self, state: dict[str, Any]) -> Iterator[tuple[str | int, ...]]:
        """The path of each text of the field in ``state`` (keys and list indexes), as in the
        stored event's JSON: what ``gongzhi reseal`` records it sealed."""
        if self.within is None:
            yield (self.field or "",)
            return
        for index in range(len(state.get(self.within) or [])):
            yield (self.within, index) if self.field is None else (self.within, index, self.field)


# A value of a snapshot's state to seal: where it is, whose key seals it (the record's own
# when ``own_key``) and the field's name as the read side knows it.
SnapshotSlot = tuple[Slot, UUID, bool, str]


def _committee_names(state: dict[str, Any], record_id: UUID) -> Iterator[SnapshotSlot]:
    """A committee's names in its snapshot's state as ``GongzhiSnapshot`` encodes it: the
    筹备组 (a list of texts, under the committee's own key, as in ``Committee.Formed``), the
    candidates (a tagged map of person id → name) and the members (tagged ``Member``
    dataclasses), under each person's key as in their events."""
    group = state.get("group_members") or []
    for index in range(len(group)):
        yield (group, index), record_id, True, "group_members"
    candidates = state.get("candidates") or {}
    for pair in candidates.get("v", []) if isinstance(candidates, dict) else []:
        yield (pair, 1), _uuid(pair[0]), False, "name"
    for member in state.get("members") or []:
        fields = member.get("v", {}) if isinstance(member, dict) else {}
        if "name" in fields and "person_id" in fields:
            yield (fields, "name"), _uuid(fields["person_id"]), False, "name"


def _no_names(state: dict[str, Any], record_id: UUID) -> Iterator[SnapshotSlot]:
    """A fee account's state keeps no write-off's approver (only the amounts): nothing."""
    return iter(())


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


# Snapshotted aggregate → the personal values its snapshot's state holds (application/app.py
# ``snapshotting_intervals``): the same values its events seal, sealed the same way, so that
# a snapshot holds nothing in clear that the log holds sealed, and an erasure reaches it.
# tests/unit/test_snapshot_sealing.py fails for a snapshotted aggregate with personal fields
# in its events and none declared here. A fund's events and state name no one.
SNAPSHOT_FIELDS: Mapping[type, Callable[[dict[str, Any], UUID], Iterator[SnapshotSlot]]] = {
    Committee: _committee_names,
    FeeAccount: _no_names,
}


class SnapshotNotSealable(LookupError):
    """A snapshot holds a record's free text and the record has no data key yet (its events
    were recorded in clear before sealing, ``gongzhi reseal`` makes it): the snapshot is not
    taken (it is only a shortcut; the events replay to the same aggregate)."""


DECLARED: Mapping[type, tuple[Declared, ...]] = {
    event: tuple(Declared.parse(event, f, p) for f, p in fields.items())
    for event, fields in PERSONAL_FIELDS.items()
}


# The top-level fields that hold sealed values in some event (a person's ``name``, a ballot's
# ``proxy_authorisation`` …): a reader of stored fields that skips the mapper
# (``GongzhiBase.recorded_fields``) refuses them, so none is ever read sealed as if clear.
SEALED_FIELD_NAMES = frozenset(
    item.within or item.field or "" for declared in DECLARED.values() for item in declared
)


def _own_copy(state: dict[str, Any], declared: Sequence[Declared]) -> dict[str, Any]:
    """``state`` with its own copies of the declared lists' records, so that sealing them
    leaves the event the domain holds untouched."""
    copy = dict(state)
    for item in declared:
        if item.within is not None and isinstance(copy.get(item.within), list):
            copy[item.within] = [dict(r) if isinstance(r, dict) else r for r in copy[item.within]]
    return copy


def _at(state: Any, path: tuple[str | int, ...]) -> Any:
    """The value at ``path`` in a state (None where there is none)."""
    try:
        for step in path:
            state = state[step]
    except (KeyError, IndexError, TypeError):
        return None
    return state


class Sealer(Protocol):
    """The persons' data keys (gongzhi/infra/personal_data.py ``KeyRing``, given by the wiring)."""

    def prepare(
        self,
        created: Mapping[UUID, Mapping[str, str]],
        phones: Mapping[UUID, str],
        named: Iterable[UUID],
        records: Iterable[UUID] = (),
    ) -> Callable[[Any], None] | None:
        """Keys (and digests) for the persons ``created``, digests of the ``phones`` changed:
        ready for sealing at once, stored by the returned writer in the save's transaction;
        the keys of the persons ``named`` by other records, ready too; a key for each of the
        ``records`` (own keys, ``RECORD``), made and stored with the save if it has none."""
        ...

    def is_erased(self, person_id: UUID) -> bool:
        """Whether the person's key was destroyed by erasure (not merely never made)."""
        ...

    def keys(self, person_ids: Iterable[UUID]) -> Mapping[UUID, bytes]:
        """The data keys of those persons (or records) that have one."""
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

    def shred_record(self, record_id: UUID) -> None:
        """Destroy a record's own key (``RECORD``): its free text reads as erased."""
        ...

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
        changed, a key for each record that seals free text under its own; what the save's
        transaction must write with the events (or None)."""
        created: dict[UUID, dict[str, str]] = {}
        phones: dict[UUID, str] = {}
        named: set[UUID] = set()
        records: set[UUID] = set()
        for event in events:
            if isinstance(event, Person.Registered):
                created[event.originator_id] = {"phone": event.phone, "name": event.name}
            elif isinstance(event, Person.PhoneChanged):
                phones[event.originator_id] = event.phone
            else:
                for item in DECLARED.get(type(event), ()):
                    for (container, key), subject in item.slots(vars(event)):
                        if not item.own_key:
                            named.add(subject)
                        elif container[key]:  # nothing to seal, no key to make
                            records.add(subject)
        if not created and not phones and not named and not records:
            return None
        return self._sealer().prepare(created, phones, named, records)

    def forget(self, person_ids: Iterable[UUID]) -> None:
        if self.sealer is not None:
            self.sealer.forget(person_ids)

    def persons_with_phones(self, phones: Iterable[str]) -> dict[str, list[UUID]]:
        return self._sealer().persons_with_phones(phones)

    def shred(self, person_id: UUID) -> None:
        """Destroy the person's data key: erasure (see ``Person.Erased``)."""
        self._sealer().shred(person_id)

    def shred_record(self, record_id: UUID) -> None:
        """Destroy the record's own data key: erasure of its free text."""
        self._sealer().shred_record(record_id)

    def resealed(
        self, stored_event: StoredEvent, made: set[UUID]
    ) -> tuple[StoredEvent, Callable[[Any], None] | None, list[tuple[str | int, ...]]] | None:
        """For ``gongzhi reseal``: ``stored_event`` (written before its fields were declared, or
        before sealing existed) with its declared values that are still clear sealed, what the
        save must write with it (the data keys it made) and the paths of the values it
        changed; None when every declared value is sealed already. ``made`` collects the
        persons given a key by this run, so that a later phone change of theirs in the same
        run sets their phone's digest (a person keyed before keeps the one it has)."""
        event = super().to_domain_event(stored_event)  # as stored: nothing opened
        declared = DECLARED.get(type(event))
        state = vars(event)
        sealer = self._sealer()
        if declared is None or not any(
            c[k] and not sealer.is_sealed(c[k]) for d in declared for (c, k), _ in d.slots(state)
        ):
            return None
        subjects = {subject for d in declared for _, subject in d.slots(state)}
        keyed = sealer.keys(subjects).keys()
        created: dict[UUID, dict[str, str]] = {}
        phones: dict[UUID, str] = {}
        person = event.originator_id
        if isinstance(event, Person.Registered) and person not in keyed:
            created[person] = {"phone": event.phone, "name": event.name}
        elif isinstance(event, Person.PhoneChanged) and (person in made or person not in keyed):
            phones[person] = event.phone
        named = {s for d in declared if not d.own_key for _, s in d.slots(state)} - set(created)
        records = {s for d in declared if d.own_key for _, s in d.slots(state)}
        write = sealer.prepare(created, phones, named - set(phones), records)
        made.update(created, phones)
        resealed = self.to_stored_event(event)
        after = vars(super().to_domain_event(resealed))
        paths = [
            path
            for d in declared
            for path in d.paths(state)
            if _at(state, path) != _at(after, path)
        ]
        return resealed, write, paths

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        if isinstance(domain_event, GongzhiSnapshot):
            return super().to_stored_event(self._sealed_snapshot(domain_event))
        declared = DECLARED.get(type(domain_event))
        if declared is None:
            return super().to_stored_event(domain_event)
        sealer = self._sealer()
        state = _own_copy(vars(domain_event), declared)
        for item in declared:
            for (container, key), subject in item.slots(state):
                if container[key] and not sealer.is_sealed(container[key]):
                    container[key] = self._seal(sealer, item, subject, container[key])
        sealed = object.__new__(type(domain_event))
        object.__setattr__(sealed, "__dict__", state)
        return super().to_stored_event(sealed)

    def _sealed_snapshot(self, snapshot: GongzhiSnapshot) -> GongzhiSnapshot:
        """A copy of ``snapshot`` with the personal values of its state sealed."""
        names = SNAPSHOT_FIELDS.get(resolve_topic(snapshot.topic))
        if names is None:
            return snapshot
        sealer = self._sealer()
        state = deepcopy(snapshot.state)
        slots = list(names(state, snapshot.originator_id))
        sealer.keys({subject for _, subject, _, _ in slots})  # one query for them all
        for (container, key), subject, own_key, name in slots:
            clear = container[key]
            if not clear or sealer.is_sealed(clear):
                continue
            try:
                container[key] = sealer.seal(subject, clear)
            except LookupError:
                if sealer.is_erased(subject):
                    container[key] = erased_value(name)
                elif own_key:
                    msg = f"record {subject} has no data key yet: its snapshot is not taken"
                    raise SnapshotNotSealable(msg) from None
                # else an id that never had a key: as in its events, recorded as given
        sealed = object.__new__(GongzhiSnapshot)
        object.__setattr__(sealed, "__dict__", {**vars(snapshot), "state": state})
        return sealed

    def _opened_snapshot(self, snapshot: GongzhiSnapshot) -> GongzhiSnapshot:
        """``snapshot`` as read, its sealed values opened (已删除 once erased)."""
        names = SNAPSHOT_FIELDS.get(resolve_topic(snapshot.topic))
        if names is None:
            return snapshot
        sealer = self._sealer()
        found = [
            (slot, name)
            for slot, _, _, name in names(snapshot.state, snapshot.originator_id)
            if sealer.is_sealed(slot[0][slot[1]])
        ]
        if found:
            opened = sealer.open([container[key] for (container, key), _ in found])
            for ((container, key), name), clear in zip(found, opened, strict=True):
                container[key] = erased_value(name) if clear is None else clear
        return snapshot

    def snapshot_in_clear(self, stored: StoredEvent) -> bool:
        """Whether a stored snapshot holds a declared personal value in clear (taken before
        snapshots were sealed): ``gongzhi reseal`` deletes it, to be taken again sealed."""
        snapshot = super().to_domain_event(stored)
        if not isinstance(snapshot, GongzhiSnapshot):
            return False
        names = SNAPSHOT_FIELDS.get(resolve_topic(snapshot.topic))
        if names is None:
            return False
        sealer = self._sealer()
        return any(
            container[key] and not sealer.is_sealed(container[key])
            for (container, key), *_ in names(snapshot.state, snapshot.originator_id)
        )

    @staticmethod
    def _seal(sealer: Sealer, item: Declared, subject: UUID, clear: str) -> str:
        try:
            return sealer.seal(subject, clear)
        except LookupError:
            if sealer.is_erased(subject):
                return erased_value(item.name)  # named again after the erasure
            if item.subject == ORIGINATOR:
                raise  # a Person event or a record always has its key (prepared): a bug
            return clear  # an id that never had a key: not a registered person

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        event = super().to_domain_event(stored_event)
        if isinstance(event, GongzhiSnapshot):
            return self._opened_snapshot(event)
        declared = DECLARED.get(type(event))
        if declared is not None:
            sealer = self._sealer()
            # Not sealed: recorded in clear (before sealing existed, or no registered person).
            found = [
                (slot, item.name)
                for item in declared
                for slot, _ in item.slots(event.__dict__)
                if sealer.is_sealed(slot[0][slot[1]])
            ]
            if found:
                opened = sealer.open([container[key] for (container, key), _ in found])
                for ((container, key), name), clear in zip(found, opened, strict=True):
                    container[key] = erased_value(name) if clear is None else clear
        return event
