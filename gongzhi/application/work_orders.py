"""报事报修 work order commands: report, dispatch, respond, resolve, rate, reopen, cancel,
and the SLA watchdog's breach records.

Times come from ``clock`` (UTC now) unless a command is given one; the watchdog passes its
own ``now`` so that a job redelivered later judges the same moment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, ClassVar
from uuid import UUID

from gongzhi.application.base import (
    Changed,
    Conflict,
    Done,
    GongzhiBase,
    Meta,
    business_today,
)
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import (
    BuildingId,
    CommunityId,
    Doc,
    Items,
    Kind,
    Range,
    Ref,
    Text,
    UnitId,
)
from gongzhi.domain.community import Community
from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.work_order import (
    MAX_DESCRIPTION,
    MAX_PHOTOS,
    Category,
    PlaceKind,
    Source,
    Urgency,
    WorkOrder,
    place_in,
    work_order_id,
)

WorkOrderId = Annotated[UUID, Ref(Kind.WORK_ORDER)]
Team = Annotated[str, Text(200)]
WorkOrderNote = Annotated[str, Text(MAX_DESCRIPTION)]

# Who reports as what: committee members and regulators stand in for grid workers (网格员).
SOURCES_BY_ROLE: dict[str, tuple[Source, ...]] = {
    "RESIDENT": (Source.RESIDENT,),
    "COMMITTEE_MEMBER": (Source.GRID_WORKER,),
    "REGULATOR": (Source.GRID_WORKER,),
    "COMPANY_STAFF": (Source.COMPANY, Source.INSPECTION),
    "PLATFORM_ADMIN": (Source.GRID_WORKER, Source.RESIDENT, Source.COMPANY, Source.INSPECTION),
}


def report_source(actor_role: str, requested: Source | None) -> str:
    """The source a report is recorded with: the one asked for, if the reporter's role may
    report as it, else the role's own. Work done in process (no role) names its source."""
    allowed_sources = SOURCES_BY_ROLE.get(actor_role)
    if allowed_sources is None:
        if requested is None:
            raise InvalidValue("source", "must be given")
        return Source(requested).value
    if requested is None:
        return allowed_sources[0].value
    if Source(requested) not in allowed_sources:
        names = " or ".join(s.value for s in allowed_sources)
        raise InvalidValue("source", f"a {actor_role} reports as {names}")
    return Source(requested).value


@dataclass(frozen=True)
class WorkOrderPlace:
    """报修位置: name the building, the unit or the common area"""

    kind: PlaceKind
    building_id: BuildingId | None = None
    unit_id: UnitId | None = None
    area_name: (
        Annotated[str, Text(200), Doc("Required for COMMON_AREA, e.g. 中心花园 or 3栋楼道")] | None
    ) = None


@dataclass(frozen=True)
class ReportWorkOrder(Command):
    """报事报修: report a repair or a problem in a community"""

    community_id: CommunityId
    category: Category
    description: WorkOrderNote
    place: WorkOrderPlace
    urgency: Urgency = Urgency.NORMAL
    photos: Annotated[
        list[Annotated[str, Text(500)]], Items(MAX_PHOTOS), Doc("Photo references (keys or URLs)")
    ] = field(default_factory=list)
    source: Annotated[Source, Doc("Who reports as what; by default from your role")] | None = None
    source_ref: (
        Annotated[str, Text(200), Doc("The record it comes from (required for INSPECTION)")] | None
    ) = None


@dataclass(frozen=True)
class DispatchWorkOrder(Command):
    """分转: dispatch a work order to a team of the serving company"""

    work_order_id: WorkOrderId
    team: Team
    assignee: Team


@dataclass(frozen=True)
class RespondToWorkOrder(Command):
    """回应: the team answers the reporter"""

    input_name: ClassVar[str | None] = "WorkOrderNoteInput"
    work_order_id: WorkOrderId
    note: WorkOrderNote


@dataclass(frozen=True)
class ResolveWorkOrder(RespondToWorkOrder):
    """办结: the problem is fixed"""


@dataclass(frozen=True)
class RateWorkOrder(Command):
    """评价: the reporter rates a resolved work order, 1 to 5, once"""

    work_order_id: WorkOrderId
    rating: Annotated[int, Range(1, 5)]
    comment: WorkOrderNote | None = None


@dataclass(frozen=True)
class CancelWorkOrder(Command):
    """撤销: cancel an open work order; the reason is recorded on the order"""

    input_name: ClassVar[str | None] = "WorkOrderReasonInput"
    work_order_id: WorkOrderId


@dataclass(frozen=True)
class ReopenWorkOrder(CancelWorkOrder):
    """重新打开: the reporter reopens a resolved work order; the reason is recorded on it"""


def utc_now() -> datetime:
    return datetime.now(UTC)


def open_work_order(
    app: GongzhiBase,
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
    """Open a work order from another record (an inspection's defect), at most once: how
    facilities ask work orders for one.

    ``source_ref`` names that record; the order's id derives from it, so opening it again
    (a retried job, a second click) returns the order already open, with position 0.
    """
    existing = work_order_id(community_id, source, source_ref.strip() or None)
    if existing in app.repository:
        return Done(existing, 0)
    try:
        return app.execute(
            meta,
            ReportWorkOrder(
                community_id=community_id,
                source=Source(source),
                category=Category(category),
                urgency=Urgency(urgency),
                description=description,
                place=WorkOrderPlace(
                    kind=PlaceKind(place_kind),
                    building_id=building_id,
                    unit_id=unit_id,
                    area_name=area_name,
                ),
                photos=list(photos),
                source_ref=source_ref,
            ),
        )
    except Conflict:
        return Done(existing, 0)  # opened by a racing call in between


class WorkOrderService(GongzhiBase):
    def clock(self) -> datetime:
        """Now, in UTC: when a command's step happens."""
        return utc_now()

    @handles(ReportWorkOrder)
    def report_work_order(self, meta: Meta, command: ReportWorkOrder) -> Done:
        """报事报修: a new order, reported by the actor of ``meta``."""
        community = self.load(Community, command.community_id, "communityId")
        place = command.place
        order = WorkOrder.report(
            community=community,
            source=report_source(meta.actor_role, command.source),
            reporter=meta.actor,
            reporter_role=meta.actor_role,
            category=Category(command.category).value,
            urgency=Urgency(command.urgency).value,
            place=place_in(
                community,
                PlaceKind(place.kind).value,
                building_id=place.building_id,
                unit_id=place.unit_id,
                area_name=place.area_name,
            ),
            description=command.description,
            photos=command.photos,
            source_ref=command.source_ref,
            at=self.clock(),
        )
        return self.create(
            meta,
            order,
            f"a work order for {order.source} {order.source_ref} is already open in this community",
        )

    def work_order(self, work_order_id: UUID) -> WorkOrder:
        return self.load(WorkOrder, work_order_id, "workOrderId")

    def _work_order_community(self, order: WorkOrder) -> tuple[Community, UUID | None]:
        """The order's community and the company serving it today (none in custody)."""
        community = self.load(Community, order.community_id, "workOrderId")
        return community, community.serving_company(business_today())

    @handles(DispatchWorkOrder)
    def dispatch_work_order(self, meta: Meta, command: DispatchWorkOrder) -> Done:
        """分转 to a team of the company serving the community today."""
        work_order_id = command.work_order_id
        _, company_id = self._work_order_community(self.work_order(work_order_id))
        at = self.clock()
        return self._change_work_order(
            work_order_id,
            meta,
            lambda o: o.dispatch(company_id, command.team, command.assignee, at),
        )

    @handles(RespondToWorkOrder)
    def respond_to_work_order(self, meta: Meta, command: RespondToWorkOrder) -> Done:
        at = self.clock()
        return self._change_work_order(
            command.work_order_id, meta, lambda o: o.respond(command.note, at)
        )

    @handles(ResolveWorkOrder)
    def resolve_work_order(self, meta: Meta, command: ResolveWorkOrder) -> Done:
        at = self.clock()
        return self._change_work_order(
            command.work_order_id, meta, lambda o: o.resolve(command.note, at)
        )

    @handles(RateWorkOrder)
    def rate_work_order(self, meta: Meta, command: RateWorkOrder) -> Done:
        at = self.clock()
        return self._change_work_order(
            command.work_order_id, meta, lambda o: o.rate(command.rating, command.comment, at)
        )

    @handles(ReopenWorkOrder)
    def reopen_work_order(self, meta: Meta, command: ReopenWorkOrder) -> Done:
        """重新打开, for the reason the change gives."""
        at = self.clock()
        return self._change_work_order(
            command.work_order_id, meta, lambda o: o.reopen(meta.reason, at)
        )

    @handles(CancelWorkOrder)
    def cancel_work_order(self, meta: Meta, command: CancelWorkOrder) -> Done:
        """撤销, for the reason the change gives."""
        at = self.clock()
        return self._change_work_order(
            command.work_order_id, meta, lambda o: o.cancel(meta.reason, at)
        )

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
