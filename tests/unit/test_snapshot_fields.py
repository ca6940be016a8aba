"""Every snapshotted aggregate whose events hold personal data declares where its snapshot's
state holds it (application/personal_data.py ``SNAPSHOT_FIELDS``): a snapshot would otherwise
keep in clear what the log keeps sealed."""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from gongzhi.application.app import Gongzhi
from gongzhi.application.personal_data import PERSONAL_FIELDS, SNAPSHOT_FIELDS


def events_of(aggregate: type) -> set[type]:
    return {
        value
        for klass in aggregate.__mro__
        for value in vars(klass).values()
        if isinstance(value, type) and issubclass(value, Aggregate.Event)
    }


def test_every_snapshotted_aggregate_with_personal_fields_declares_its_snapshot_fields() -> None:
    undeclared = [
        aggregate.__qualname__
        for aggregate in Gongzhi.snapshotting_intervals
        if events_of(aggregate) & PERSONAL_FIELDS.keys() and aggregate not in SNAPSHOT_FIELDS
    ]
    assert undeclared == []
    assert SNAPSHOT_FIELDS  # the committee's, at least: the check above is not vacuous
