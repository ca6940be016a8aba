"""报事报修 work order commands: report, dispatch, respond, resolve, rate, reopen, cancel,
and the SLA watchdog's breach records.

Times come from ``clock`` (UTC now) unless a command is given one; the watchdog passes its
own ``now`` so that a job redelivered later judges the same moment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from gongzhi.application.base import (
    Changed,
    Conflict,
    Done,
    GongzhiBase,
    Meta,
    business_today,
)
from gongzhi.domain.community import Community
from gongzhi.domain.work_order import WorkOrder, place_in, work_order_id


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WorkOrderFacts:
    """What access decisions need to know about a work order, as plain data."""

    id: UUID
    community_id: UUID
    district: str
    serving_company_id: UUID | None
    reporter: str
    unit_id: UUID | None


class WorkOrderService(GongzhiBase):
    def clock(self) -> datetime:
        """Now, in UTC: when a command's step happens."""
        return utc_now()

    def report_work_order(
        self,
        meta: Meta,
        *,
        community_id: UUID,
        source: str,
        category: str,
        urgency: str,
        description: str,
        place_kind: str,
        building_id: UUID | None = None,
        unit_id: UUID | None = None,
        area_name: str | None = None,
        photos: Sequence[str] = (),
        source_ref: str | None = None,
    ) -> Done:
        """报事报修: a new order, reported by the actor of ``meta``."""
        community = self.load(Community, community_id, "communityId")
        order = WorkOrder.report(
            community=community,
            source=source,
            reporter=meta.actor,
            reporter_role=meta.actor_role,
            category=category,
            urgency=urgency,
            place=place_in(
                community, place_kind, building_id=building_id, unit_id=unit_id, area_name=area_name
            ),
            description=description,
            photos=photos,
            source_ref=source_ref,
            at=self.clock(),
        )
        return self.create(
            meta, order, f"a work order for {source} {source_ref} is already open in this community"
        )

    def open_work_order(
        self,
        meta: Meta,
        *,
        community_id: UUID,
        source: str = "INSPECTION",
        source_ref: str,
        description: str,
        category: str = "OTHER",
        urgency: str = "NORMAL",
        place_kind: str = "COMMUNITY",
        building_id: UUID | None = None,
        unit_id: UUID | None = None,
        area_name: str | None = None,
        photos: Sequence[str] = (),
    ) -> Done:
        """Open a work order from another record (an inspection's defect), at most once.

        ``source_ref`` names that record; the order's id derives from it, so opening it again
        (a retried job, a second click) returns the order already open, with position 0.
        """
        existing = work_order_id(community_id, source, source_ref.strip() or None)
        if existing in self.repository:
            return Done(existing, 0)
        try:
            return self.report_work_order(
                meta,
                community_id=community_id,
                source=source,
                category=category,
                urgency=urgency,
                description=description,
                place_kind=place_kind,
                building_id=building_id,
                unit_id=unit_id,
                area_name=area_name,
                photos=photos,
                source_ref=source_ref,
            )
        except Conflict:
            return Done(existing, 0)  # opened by a racing call in between

    def work_order(self, work_order_id: UUID) -> WorkOrder:
        return self.load(WorkOrder, work_order_id, "workOrderId")

    def _work_order_community(self, order: WorkOrder) -> tuple[Community, UUID | None]:
        """The order's community and the company serving it today (none in custody)."""
        community = self.load(Community, order.community_id, "workOrderId")
        return community, community.serving_company(business_today())

    def work_order_facts(self, work_order_id: UUID) -> WorkOrderFacts:
        order = self.work_order(work_order_id)
        community, serving = self._work_order_community(order)
        return WorkOrderFacts(
            id=order.id,
            community_id=community.id,
            district=community.district,
            serving_company_id=serving,
            reporter=order.reporter,
            unit_id=order.place.unit_id,
        )

    def dispatch_work_order(
        self, meta: Meta, work_order_id: UUID, *, team: str, assignee: str
    ) -> Done:
        """分转 to a team of the company serving the community today."""
        _, company_id = self._work_order_community(self.work_order(work_order_id))
        at = self.clock()
        return self._change_work_order(
            work_order_id, meta, lambda o: o.dispatch(company_id, team, assignee, at)
        )

    def respond_to_work_order(self, meta: Meta, work_order_id: UUID, *, note: str) -> Done:
        at = self.clock()
        return self._change_work_order(work_order_id, meta, lambda o: o.respond(note, at))

    def resolve_work_order(self, meta: Meta, work_order_id: UUID, *, note: str) -> Done:
        at = self.clock()
        return self._change_work_order(work_order_id, meta, lambda o: o.resolve(note, at))

    def rate_work_order(
        self, meta: Meta, work_order_id: UUID, *, rating: int, comment: str | None = None
    ) -> Done:
        at = self.clock()
        return self._change_work_order(work_order_id, meta, lambda o: o.rate(rating, comment, at))

    def reopen_work_order(self, meta: Meta, work_order_id: UUID) -> Done:
        """重新打开, for the reason the change gives."""
        at = self.clock()
        return self._change_work_order(work_order_id, meta, lambda o: o.reopen(meta.reason, at))

    def cancel_work_order(self, meta: Meta, work_order_id: UUID) -> Done:
        """撤销, for the reason the change gives."""
        at = self.clock()
        return self._change_work_order(work_order_id, meta, lambda o: o.cancel(meta.reason, at))

    def record_sla_breaches(self, meta: Meta, work_order_id: UUID, now: datetime) -> Done | None:
        """超时: record every deadline of the order passed by ``now`` and not yet recorded.

        ``None`` when there is nothing to record, which is what a second run finds: after a
        lost race the order is loaded again and shows the breach the winner recorded.
        """

        def attempt() -> Changed | None:
            order = self.work_order(work_order_id)
            due = order.due_breaches(now)
            if not due:
                return None
            for kind, _deadline in due:
                order.record_breach(kind, now)
            return Changed((order,))

        return self.retrying(meta, attempt, what="the work order")

    def _change_work_order(
        self, work_order_id: UUID, meta: Meta, command: Callable[[WorkOrder], None]
    ) -> Done:
        return self.change(meta, WorkOrder, work_order_id, command, field="workOrderId")
