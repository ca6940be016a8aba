"""个人信息删除 of a record's free text: the names a record holds of people who are not
registered persons (a 筹备组, a mediation's attendees, an inspector, a proxy authorisation, a
write-off's approver) are sealed under the record's own data key; destroying that key erases
them all, while the record's figures and everything else it says stay.

The erasure is an aggregate of its own (a record of any kind may be erased, and its own
events stay as they were recorded), one per record: its id is derived from the record's, so
that a second erasure of the same record is refused as a repeat."""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

# The namespace of erasures' ids (derived from the record's id).
ERASURE_NAMESPACE = UUID("5d1f6c8e-2b1e-4a57-9c53-0a7e6e2d3b41")


class RecordTextErasure(Aggregate):
    """The erasure of one record's free text; the reason is in the metadata."""

    class Erased(Aggregate.Created):
        record_id: UUID
        record_type: str  # the record's aggregate (Committee, Dispute, FeeAccount …)
        requested_by_subject: bool  # a person named in it asked for the erasure (本人申请)

    def __init__(self, record_id: UUID, record_type: str, requested_by_subject: bool) -> None:
        self.record_id = record_id
        self.record_type = record_type
        self.requested_by_subject = requested_by_subject

    @staticmethod
    def id_of(record_id: UUID) -> UUID:
        return uuid5(ERASURE_NAMESPACE, str(record_id))

    @classmethod
    def erase(
        cls, record_id: UUID, record_type: str, *, requested_by_subject: bool
    ) -> RecordTextErasure:
        return cls._create(
            cls.Erased,
            id=cls.id_of(record_id),
            record_id=record_id,
            record_type=record_type,
            requested_by_subject=requested_by_subject,
        )
