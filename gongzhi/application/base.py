"""What every application service shares: metadata on events, loading, saving, conflicts."""

from __future__ import annotations

import gc
import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from copy import deepcopy
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from math import gcd
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Mapper,
    Recording,
    StoredEvent,
    Transcoding,
)

from gongzhi.application.commands import Command, handler_of
from gongzhi.application.personal_data import (
    SEALED_FIELD_NAMES,
    SealingMapper,
    SnapshotNotSealable,
)
from gongzhi.application.snapshots import GongzhiSnapshot
from gongzhi.domain.business_time import BUSINESS_TZ  # the one calendar, re-exported

SAVE_ATTEMPTS = 3

log = logging.getLogger(__name__)

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")
R = TypeVar("R")


def business_today() -> date:
    """Today in Asia/Shanghai, the calendar the communities live by."""
    return datetime.now(BUSINESS_TZ).date()


class _CollectorPause:
    """Pauses of the cyclic garbage collector, counted across threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.resume = False

    def enter(self) -> None:
        with self.lock:
            if self.depth == 0:
                self.resume = gc.isenabled()
                gc.disable()
            self.depth += 1

    def leave(self) -> None:
        with self.lock:
            self.depth -= 1
            if self.depth == 0 and self.resume:
                gc.enable()


_collector_pause = _CollectorPause()


@contextmanager
def bulk_work() -> Iterator[None]:
    """Pause the cyclic garbage collector while a command builds and saves many thousands
    of objects (a billing run's 100,000 bills): each collection walks every live object
    again, a fifth of the run's time, and these objects form no cycles; reference counting
    frees them as usual. The collector resumes when the last concurrent bulk command ends."""
    _collector_pause.enter()
    try:
        yield
    finally:
        _collector_pause.leave()


@dataclass(frozen=True)
class Meta:
    """Who made a change and why; stamped on every event the change records."""

    actor: str
    reason: str
    actor_role: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"actor": self.actor, "actor_role": self.actor_role, "reason": self.reason}


@dataclass(frozen=True)
class Done:
    """A command's result: the aggregate it touched, the log position of its last event and,
    when the command created a part (a building, an entrance, a unit), that part's id."""

    id: UUID
    position: int
    part_id: UUID | None = None


class NotFound(Exception):
    """Raised when a command names an aggregate that does not exist."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Conflict(Exception):
    """Raised when a change lost a race with another change, or repeats a unique thing."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def lost_race(what: str) -> str:
    """The one phrasing of a race lost on every attempt; ``what`` names the thing."""
    return f"{what} was changed by someone else at the same time; reload and try again"


@dataclass(frozen=True)
class Changed:
    """What one attempt of a command changed, to be saved in one transaction: the first
    aggregate is the one the command is about; ``part_id`` the part it created, if any."""

    aggregates: Sequence[Aggregate]
    part_id: UUID | None = None
    # What must still hold of the log when the save commits, checked under the write lock
    # (``GongzhiRecorder._check``): ``versions`` {id: version} of aggregates read but not
    # changed, ``none_after`` (position, ids) of aggregates counted as of a position. A
    # failed check is a lost race, and the attempt runs again.
    expect: Mapping[str, Any] | None = None


class MissingMetadata(Exception):
    """Raised when code tries to save events without an actor and a reason."""


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class GongzhiBase(Application[UUID]):
    """One event log for the platform; feature services are mixins over this base."""

    name = "gongzhi"
    env: ClassVar[dict[str, str]] = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "CREATE_TABLE": "y",
        # Large communities hold thousands of unit events: keep loaded aggregates and
        # fast-forward them from the store instead of replaying from the start.
        "AGGREGATE_CACHE_MAXSIZE": "500",
        "AGGREGATE_CACHE_FASTFORWARD": "y",
    }

    # Aggregates too large to deep-copy for every command (a community of 10,000 units: the
    # copy is most of a command's time). A command changes the cached one in place, holding
    # its lock through the save, and evicts it when anything fails (see ``change``); every
    # other read of them copies or peeks under the same lock. Set by the application.
    changed_in_place: ClassVar[tuple[type[Aggregate], ...]] = ()
    # Snapshot classes of their own, by aggregate class (a community's estate is stored
    # compact: application/community_snapshot.py); ``GongzhiSnapshot`` for the others.
    snapshot_classes: ClassVar[dict[type[Aggregate], type[GongzhiSnapshot]]] = {}

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """A snapshot of each saved aggregate whose save crossed a multiple of its interval
        (``snapshotting_intervals``), taken from the aggregate as saved: one per save, even
        when a roster import's save crosses many multiples, and no replay to take it."""
        if self.snapshots is None or not self.snapshotting_intervals:
            return
        crossed: set[UUID] = set()
        # Only versions that are a multiple of some interval qualify: a billing run's save of
        # 100,000 events looks up no aggregate for most of them.
        step = gcd(*self.snapshotting_intervals.values())
        for event in processing_event.events:
            if event.originator_version % step:
                continue
            aggregate = processing_event.aggregates.get(event.originator_id)
            interval = self.snapshotting_intervals.get(type(aggregate))  # type: ignore[arg-type]
            if interval and event.originator_version % interval == 0:
                crossed.add(event.originator_id)
        snapshots = []
        for aggregate_id in crossed:
            aggregate = processing_event.aggregates[aggregate_id]
            if isinstance(aggregate, Aggregate) and not aggregate.pending_events:
                snapshots.append(self.snapshot_of(aggregate))
        self._put_snapshots(snapshots)

    def _put_snapshots(self, snapshots: list[GongzhiSnapshot]) -> None:
        """Store the snapshots whose personal values can be sealed (personal_data.py
        ``SNAPSHOT_FIELDS``); one that cannot yet is not taken: never one in clear."""
        assert self.snapshots is not None
        if not snapshots:
            return
        try:
            self.snapshots.put(snapshots)  # all mapped before any is written
        except SnapshotNotSealable:
            for snapshot in snapshots:
                with suppress(SnapshotNotSealable):
                    self.snapshots.put([snapshot])

    def take_snapshot(
        self, aggregate_id: UUID, version: int | None = None, projector_func: Any = None
    ) -> None:
        """A snapshot of the aggregate as recorded, with our encoding of its parts."""
        assert self.snapshots is not None, "snapshotting is not enabled"
        aggregate: Aggregate = self.repository.get(aggregate_id, version=version)
        self._put_snapshots([self.snapshot_of(aggregate)])

    def snapshot_of(self, aggregate: Aggregate) -> GongzhiSnapshot:
        """The aggregate's snapshot, in its class's own shape where it has one."""
        return self.snapshot_classes.get(type(aggregate), GongzhiSnapshot).take(aggregate)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def construct_mapper(self) -> Mapper[UUID]:
        """Personal data is sealed in the stored events (application/personal_data.py)."""
        return SealingMapper(transcoder=self.construct_transcoder())

    @property
    def sealing(self) -> SealingMapper:
        assert isinstance(self.mapper, SealingMapper)
        return self.mapper

    def log_mapper(self) -> Mapper[UUID]:
        """A mapper that reads the log as stored: personal data stays sealed. The projections
        use it, so the views hold the sealed values and a rebuild needs no key."""
        return Mapper(transcoder=self.mapper.transcoder)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's ``save``, collecting our aggregates' events without its runtime
        protocol checks (``isinstance`` against a ``Protocol`` costs more per aggregate than
        encoding its event: a third of a 5,000-bill batch's Python time)."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, Aggregate):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            elif obj is not None:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # the library's deprecated hook, kept
        return recordings

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        meta = processing_event.saved_kwargs.pop("meta", None)
        if not isinstance(meta, Meta) or not meta.actor or not meta.reason:
            msg = "every change needs an actor and a reason"
            raise MissingMetadata(msg)
        stamp = meta.as_dict()
        for event in processing_event.events:
            # Events are frozen dataclasses; the mapper stores their __dict__ as is.
            event.__dict__["meta"] = stamp
        # Personal data keys are stored by the same transaction as the events.
        write_keys = self.sealing.prepare(processing_event.events)
        if write_keys is None:
            return super()._record(processing_event)
        processing_event.saved_kwargs["alongside"] = (write_keys,)
        try:
            return super()._record(processing_event)
        except Exception:
            self.sealing.forget(e.originator_id for e in processing_event.events)
            raise

    def record(
        self, meta: Meta, *aggregates: Aggregate, expect: Mapping[str, Any] | None = None
    ) -> int:
        """Save atomically; return the notification id of the last event recorded."""
        recordings = self.save(*aggregates, meta=meta, **({"expect": expect} if expect else {}))
        return max((r.notification.id for r in recordings), default=0)

    def retrying(
        self,
        meta: Meta,
        attempt: Callable[[], Changed | R],
        *,
        what: str,
        attempts: int = SAVE_ATTEMPTS,
    ) -> Done | R:
        """The one save-with-retry path: run ``attempt`` (load fresh copies, run the commands
        on them) and save what it changed in one transaction. A lost race runs it again on
        freshly loaded aggregates, where the commands are validated again; after the last
        attempt the race is a Conflict naming ``what``. An ``attempt`` that finds its answer
        without saving anything (nothing to record, a repeated request) returns that answer,
        which is passed through as it is."""
        for number in range(1, attempts + 1):
            outcome = attempt()
            if not isinstance(outcome, Changed):
                return outcome
            try:
                position = self.record(meta, *outcome.aggregates, expect=outcome.expect)
            except IntegrityError:
                # Counted by whoever watches contention (the receipt book's queue is tested
                # by there being none of these).
                log.info("a save of %s lost a race (attempt %d of %d)", what, number, attempts)
                if number == attempts:
                    raise Conflict(lost_race(what)) from None
                continue
            return Done(outcome.aggregates[0].id, position, outcome.part_id)
        raise AssertionError("unreachable")  # pragma: no cover

    def exclusively(self, key: UUID) -> AbstractContextManager[None]:
        """Hold ``key`` against every process on this event store while the body runs (a
        PostgreSQL advisory lock: ``GongzhiRecorder.exclusively``), so that an aggregate
        every process writes (a receipt book) is read and saved by one at a time instead of
        racing in the store. A store without such locks (in memory: one process) holds
        nothing."""
        hold: Callable[[UUID], AbstractContextManager[None]] | None = getattr(
            self.recorder, "exclusively", None
        )
        return hold(key) if hold is not None else nullcontext()

    def save_together(
        self,
        meta: Meta,
        build: Callable[[], tuple[Sequence[Aggregate], UUID | None]],
        what: str,
    ) -> Done:
        """Save the aggregates ``build`` loads and changes (the first is the one the command
        is about, with the part it names) in one transaction, retried as ``retrying`` does."""

        def attempt() -> Changed:
            aggregates, part_id = build()
            return Changed(aggregates, part_id)

        return self.retrying(meta, attempt, what=what)

    def load(self, cls: type[A], aggregate_id: UUID, field: str) -> A:
        """A copy of the aggregate, the command's own to change. An aggregate changed in place
        (``changed_in_place``) is copied under its lock, never while a command changes it."""
        if not issubclass(cls, self.changed_in_place) or not self.repository.cache:
            try:
                aggregate: Aggregate = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                raise NotFound(field, f"no {_noun(cls)} with id {aggregate_id}") from None
            if not isinstance(aggregate, cls):
                raise NotFound(field, f"no {_noun(cls)} with id {aggregate_id}")
            return aggregate
        return self.peek(cls, aggregate_id, field, deepcopy)

    def peek(self, cls: type[A], aggregate_id: UUID, field: str, read: Callable[[A], T]) -> T:
        """``read`` of the cached aggregate, without the deep copy a command's load makes:
        for a command that only looks at a large aggregate (a ballot looks up its unit in
        the community). ``read`` runs while the aggregate's fast-forward lock is held (the
        one place the library changes a cached aggregate in place), so it sees one
        consistent version; it must return plain values, not the aggregate or its parts,
        and must not change anything."""
        with self._held(cls, aggregate_id, field) as aggregate:
            return read(aggregate)

    @contextmanager
    def _held(self, cls: type[A], aggregate_id: UUID, field: str) -> Iterator[A]:
        """The cached aggregate itself, brought up to date with the store, while its
        fast-forward lock is held (the library takes the same lock to bring it up to date)."""
        repository = self.repository
        aggregate: Any
        try:
            # A cached one is brought up to date below, under its lock: the library's own
            # fast-forward (``repository.get``) would read the store a second time.
            aggregate = repository.cache.get(aggregate_id) if repository.cache else None
        except KeyError:
            aggregate = None
        try:
            if aggregate is None:
                aggregate = repository.get(aggregate_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            raise NotFound(field, f"no {_noun(cls)} with id {aggregate_id}") from None
        if not isinstance(aggregate, cls):
            raise NotFound(field, f"no {_noun(cls)} with id {aggregate_id}")
        if not repository.cache:  # no cache: the aggregate was built for this caller alone
            yield aggregate
            return
        lock = repository._use_fastforward_lock(aggregate_id)
        try:
            with lock:
                # Another process may have saved since the library brought it up to date.
                newer: Any
                for newer in self.events.get(aggregate_id, gt=aggregate.version):
                    newer.mutate(aggregate)
                yield aggregate
        finally:
            repository._disuse_fastforward_lock(aggregate_id)

    def _evict(self, aggregate_id: UUID) -> None:
        """Drop a cached aggregate a failed command may have changed: the next load builds
        it again from the store."""
        cache = self.repository.cache
        if cache:
            with suppress(KeyError):
                cache.get(aggregate_id, evict=True)

    def _change_in_place(
        self,
        meta: Meta,
        cls: type[A],
        aggregate_id: UUID,
        command: Callable[[A], Any],
        field: str,
        expected_version: int | None,
    ) -> Done:
        """``change`` without the copy: the command runs on the cached aggregate and the save
        follows under its lock, so no other command or read sees it half changed. Should the
        command fail after recording an event in memory, or the save fail, the aggregate is
        evicted: a failed command never leaves a changed aggregate behind. A lost race (the
        store moved on, in another process) runs again on the aggregate brought up to date."""
        attempts = 1 if expected_version is not None else SAVE_ATTEMPTS
        what = f"the {_noun(cls)}"
        for number in range(1, attempts + 1):
            with self._held(cls, aggregate_id, field) as aggregate:
                if expected_version is not None and aggregate.version != expected_version:
                    raise Conflict(
                        f"the {_noun(cls)} changed: it is at version {aggregate.version}, "
                        f"not {expected_version}; reload and try again"
                    )
                try:
                    result = command(aggregate)
                except BaseException:
                    # Refused before it recorded anything in memory: nothing to undo.
                    if aggregate.pending_events:
                        self._evict(aggregate_id)
                    raise
                changed = Changed((aggregate,), result if isinstance(result, UUID) else None)
                try:
                    # Saved through the one save path, so that a command id's receipt
                    # (receipts.py) joins the save; one attempt, the loop here retries.
                    done = self.retrying(meta, _given(changed), what=what, attempts=1)
                except Conflict:
                    self._evict(aggregate_id)
                    if number == attempts:
                        raise
                    continue
                except BaseException:
                    self._evict(aggregate_id)
                    raise
            assert isinstance(done, Done)
            return done
        raise AssertionError("unreachable")  # pragma: no cover

    def exists(self, cls: type[A], aggregate_id: UUID, field: str) -> None:
        """That the aggregate was recorded (as a ``cls``), or NotFound: from the cache, else
        from its first stored event's topic, without decoding it (a person's first event
        holds sealed personal data, which opening would cost a key read and a decryption)."""
        cache = self.repository.cache
        if cache:
            with suppress(KeyError):
                if isinstance(cache.get(aggregate_id), cls):
                    return
        stored = self.recorder.select_events(aggregate_id, limit=1)
        prefix = f"{cls.__module__}:{cls.__qualname__}."
        if not stored or not stored[0].topic.startswith(prefix):
            raise NotFound(field, f"no {_noun(cls)} with id {aggregate_id}")

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate, or None when it was never recorded (a derived id not used yet)."""
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, cls) else None

    def load_many(self, cls: type[A], aggregate_ids: Sequence[UUID]) -> list[A]:
        """The recorded ones of ``aggregate_ids`` (small aggregates: ballots), read in one
        query, bypassing the cache (they are read once, at a close)."""
        select = getattr(self.recorder, "select_events_of", None)
        if select is None:  # another recorder: one read each
            found = (self.find(cls, i) for i in aggregate_ids)
            return [a for a in found if a is not None]
        stored: list[StoredEvent] = select(list(aggregate_ids))
        aggregates: dict[Any, Any] = {}
        for record in stored:
            event: Any = self.mapper.to_domain_event(record)
            aggregates[record.originator_id] = event.mutate(aggregates.get(record.originator_id))
        return [a for a in aggregates.values() if isinstance(a, cls)]

    def recorded_fields(
        self, aggregate_ids: Sequence[UUID], names: Sequence[str]
    ) -> list[tuple[UUID | str, str, dict[str, Any]]]:
        """(originator id, topic, {name: value}) of each recorded event of ``aggregate_ids``,
        in order per aggregate, read in one query: only the fields ``names`` (those an event
        lacks are left out), decoded as the transcoder would, without building the events or
        their aggregates. A close reads 10,000 ballots' choices this way, where the full
        decode and replay is most of its time. As stored: no upcasting, and no personal field
        (it would read sealed; refused)."""
        wanted = frozenset(names)
        refused = wanted & SEALED_FIELD_NAMES
        if refused:
            msg = f"personal fields are read through the events, not as stored: {sorted(refused)}"
            raise ValueError(msg)
        select = getattr(self.recorder, "select_events_of", None)
        stored: list[StoredEvent] = (
            select(list(aggregate_ids))
            if select is not None
            else [e for i in aggregate_ids for e in self.recorder.select_events(i)]
        )
        mapper = self.mapper
        transcoder = mapper.transcoder
        if not isinstance(transcoder, JSONTranscoder):  # another transcoder: the full decode
            full = [(s.originator_id, s.topic, vars(mapper.to_domain_event(s))) for s in stored]
            return [(i, t, {k: v for k, v in f.items() if k in wanted}) for i, t, f in full]
        found = []
        typed = _Typed(transcoder)
        for record in stored:
            state = record.state
            if mapper.cipher:
                state = mapper.cipher.decrypt(state)
            if mapper.compressor:
                state = mapper.compressor.decompress(state)
            fields = {k: typed(v) for k, v in json.loads(state).items() if k in wanted}
            found.append((record.originator_id, record.topic, fields))
        return found

    def create(self, meta: Meta, aggregate: A, duplicate: str) -> Done:
        """Record a new aggregate; ``duplicate`` explains a clash of its (derived) id."""
        try:
            return Done(aggregate.id, self.record(meta, aggregate))
        except IntegrityError:
            raise Conflict(duplicate) from None

    def change(
        self,
        meta: Meta,
        cls: type[A],
        aggregate_id: UUID,
        command: Callable[[A], Any],
        *,
        field: str = "id",
        expected_version: int | None = None,
    ) -> Done:
        """Load, run one aggregate method, save.

        With ``expected_version`` a stale client gets a Conflict; without it a lost race
        is retried on a freshly loaded aggregate, since the command is re-validated there.
        """

        def attempt() -> Changed:
            aggregate = self.load(cls, aggregate_id, field)
            if expected_version is not None and aggregate.version != expected_version:
                raise Conflict(
                    f"the {_noun(cls)} changed: it is at version {aggregate.version}, "
                    f"not {expected_version}; reload and try again"
                )
            result = command(aggregate)
            return Changed((aggregate,), result if isinstance(result, UUID) else None)

        if issubclass(cls, self.changed_in_place):
            return self._change_in_place(meta, cls, aggregate_id, command, field, expected_version)
        # A client that named the version it saw must see the race, not a silent retry.
        attempts = 1 if expected_version is not None else SAVE_ATTEMPTS
        return self.retrying(meta, attempt, what=f"the {_noun(cls)}", attempts=attempts)

    def execute(self, meta: Meta, command: Command) -> Done:
        """Run a declared command: its one handler is ``handler_of(type(command))``."""
        done: Done = handler_of(type(command))(self, meta, command)
        return done


class _Typed:
    """Values from JSON as the transcoder decodes them, innermost first, each
    ``{"_type_": name, "_data_": data}`` by its registered transcoding; a value seen before
    in the same read (ten thousand ballots name one decision) is decoded once when its value
    is immutable."""

    def __init__(self, transcoder: JSONTranscoder) -> None:
        self.names = transcoder.names
        self.seen: dict[tuple[str, str], Any] = {}

    def __call__(self, value: Any) -> Any:
        kind = type(value)
        if kind is list:
            return [self(v) if type(v) in _NESTED else v for v in value]
        if kind is not dict:
            return value
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            name, data = value["_type_"], value["_data_"]
            if type(data) is not str:
                return self.names[name].decode(self(data))
            key = (name, data)
            found = self.seen.get(key, _MISSING)
            if found is _MISSING:
                found = self.names[name].decode(data)
                if type(found) in _IMMUTABLE:
                    self.seen[key] = found
            return found
        return {k: self(v) if type(v) in _NESTED else v for k, v in value.items()}


_NESTED = (dict, list)
_IMMUTABLE = (UUID, datetime, date, Decimal)
_MISSING = object()


def _given(changed: Changed) -> Callable[[], Changed]:
    """An attempt whose changes are already made (``_change_in_place``)."""
    return lambda: changed


def _noun(cls: type[Any]) -> str:
    return "".join(" " + c.lower() if c.isupper() else c for c in cls.__name__).strip()
