"""报事报修 work order: a report of something broken or unsafe, dispatched (分转) to the
serving company's team, answered (回应), resolved, and rated by the one who reported it.

SLA clocks (seed: Quzhou): dispatch within 24 h of the report, respond within 24 h of the
dispatch; their lengths are versioned data (``gongzhi.domain.sla``), and the order records
the version it was reported under. Deadlines follow from the times recorded on the order;
every time is timezone-aware and kept in UTC.

A breach (超时) is recorded once per deadline missed: the order refuses a second breach of
the same kind for the same deadline, so a watchdog run twice (or two runs racing, where the
store refuses the stale save) leaves one ``SlaBreached``. A reopened order starts a new
response clock, whose deadline may be missed again.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.community import Community
from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.sla import (
    CURRENT_SLA_RULES,
    SLA_RULE_SETS,
    SlaClock,
    clocks_markdown,
    clocks_summary,
    moment,
    sla_clock,
)
from gongzhi.domain.values import enum_value, optional_text, required_text

WORK_ORDER_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/work-order")
MAX_PHOTOS = 9  # what a phone report form takes
MAX_DESCRIPTION = 2000


class Source(enum.Enum):
    """Who reported: 居民 a resident, 网格员 a grid worker, 巡查 an inspection, 物业 the company."""

    RESIDENT = "RESIDENT"
    GRID_WORKER = "GRID_WORKER"
    INSPECTION = "INSPECTION"
    COMPANY = "COMPANY"


class Category(enum.Enum):
    """报修类别."""

    PLUMBING = "PLUMBING"  # 给排水
    ELECTRICAL = "ELECTRICAL"  # 供电照明
    ELEVATOR = "ELEVATOR"  # 电梯
    FIRE_SAFETY = "FIRE_SAFETY"  # 消防
    SANITATION = "SANITATION"  # 环境卫生
    GREENING = "GREENING"  # 绿化
    SECURITY = "SECURITY"  # 安防
    PARKING = "PARKING"  # 停车
    STRUCTURE = "STRUCTURE"  # 房屋结构 (roof, façade, walls)
    OTHER = "OTHER"


class Urgency(enum.Enum):
    """紧急程度."""

    NORMAL = "NORMAL"
    URGENT = "URGENT"
    EMERGENCY = "EMERGENCY"  # danger to people or property: trapped in a lift, a burst main


class PlaceKind(enum.Enum):
    """Where: the whole community, a building (楼栋), a unit (户), or a named common area."""

    COMMUNITY = "COMMUNITY"
    BUILDING = "BUILDING"
    UNIT = "UNIT"
    COMMON_AREA = "COMMON_AREA"


class WorkOrderStatus(enum.Enum):
    REPORTED = "REPORTED"  # 待分转
    DISPATCHED = "DISPATCHED"  # 已分转, waiting for the team's response
    RESPONDED = "RESPONDED"  # 已回应, being handled
    RESOLVED = "RESOLVED"  # 已办结
    CANCELLED = "CANCELLED"  # 已撤销


class BreachKind(enum.Enum):
    DISPATCH = "DISPATCH"  # not dispatched in time (分转超时)
    RESPONSE = "RESPONSE"  # not answered in time (回应超时)


OPEN_STATUSES = (
    WorkOrderStatus.REPORTED.value,
    WorkOrderStatus.DISPATCHED.value,
    WorkOrderStatus.RESPONDED.value,
)


def sla_clocks_summary() -> str:
    """Every rule set's clocks by category and urgency, one line each (the API's descriptions),
    from the rule sets themselves."""
    categories, urgencies = [c.value for c in Category], [u.value for u in Urgency]
    return " | ".join(clocks_summary(v, categories, urgencies) for v in SLA_RULE_SETS)


def sla_clocks_markdown() -> str:
    """Every rule set's clocks by category and urgency as the README's tables."""
    return clocks_markdown([c.value for c in Category], [u.value for u in Urgency])


def work_order_id(community_id: UUID, source: str, source_ref: str | None) -> UUID:
    """Random for a report; derived for one opened from another record (an inspection's
    defect), so the store itself refuses to open a second order for the same defect."""
    if source_ref is None:
        return uuid4()
    return uuid5(WORK_ORDER_NAMESPACE, f"{community_id}/{source}/{source_ref}")


@dataclass(frozen=True)
class Place:
    """报修位置, checked against the community's estate."""

    kind: str
    building_id: UUID | None = None
    unit_id: UUID | None = None
    area_name: str = ""


def place_in(
    community: Community,
    kind: str,
    *,
    building_id: UUID | None = None,
    unit_id: UUID | None = None,
    area_name: str | None = None,
) -> Place:
    """The place of a report; an unknown building or unit is an ``UnknownPart``."""
    value = enum_value("place.kind", PlaceKind, kind)
    name = optional_text("place.areaName", area_name, max_length=200)
    if building_id is not None and building_id not in community.buildings:
        raise UnknownPart("place.buildingId", "no such building in this community")
    if value == PlaceKind.COMMUNITY.value:
        if building_id is not None or unit_id is not None:
            raise InvalidValue("place.kind", "a community-wide report names no building or unit")
        return Place(value, area_name=name)
    if value == PlaceKind.BUILDING.value:
        if building_id is None:
            raise InvalidValue("place.buildingId", "is required for a building")
        if unit_id is not None:
            raise InvalidValue("place.unitId", "use kind UNIT for a unit")
        return Place(value, building_id, area_name=name)
    if value == PlaceKind.UNIT.value:
        if unit_id is None:
            raise InvalidValue("place.unitId", "is required for a unit")
        unit = community.unit_index.get(unit_id)
        if unit is None or unit.retired:
            raise UnknownPart("place.unitId", "no such unit in this community")
        in_building = community.entrance_index[unit.entrance_id].building_id
        if building_id is not None and building_id != in_building:
            raise InvalidValue("place.buildingId", "the unit is in another building")
        return Place(value, in_building, unit_id, name)
    if unit_id is not None:
        raise InvalidValue("place.unitId", "a common area is not a unit")
    if not name:
        raise InvalidValue("place.areaName", "name the common area, e.g. 中心花园 or 3栋楼道")
    return Place(value, building_id, None, name)


class WorkOrder(Aggregate):
    """报事报修 one report, from the report to the rating."""

    class Reported(Aggregate.Created):
        community_id: UUID
        source: str
        source_ref: str | None
        reporter: str
        reporter_role: str
        category: str
        urgency: str
        place_kind: str
        building_id: UUID | None
        unit_id: UUID | None
        area_name: str
        photos: list[str]
        description: str
        reported_at: datetime
        sla_rules: str

    class Dispatched(Aggregate.Event):
        """分转 to a team of the company (``company_id``; none in community custody)."""

        company_id: UUID | None
        team: str
        assignee: str
        dispatched_at: datetime

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, WorkOrder)
            aggregate.status = WorkOrderStatus.DISPATCHED.value
            aggregate.company_id = self.company_id
            aggregate.team = self.team
            aggregate.assignee = self.assignee
            aggregate.dispatched_at = self.dispatched_at
            aggregate.awaiting_response_since = self.dispatched_at

    class Responded(Aggregate.Event):
        responded_at: datetime
        note: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, WorkOrder)
            aggregate.status = WorkOrderStatus.RESPONDED.value
            aggregate.responded_at = self.responded_at

    class Resolved(Aggregate.Event):
        resolved_at: datetime
        note: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, WorkOrder)
            aggregate.status = WorkOrderStatus.RESOLVED.value
            aggregate.resolved_at = self.resolved_at

    class Rated(Aggregate.Event):
        """评价 by the reporter: 1 (very poor) to 5 (very good)."""

        rating: int
        comment: str
        rated_at: datetime

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, WorkOrder)
            aggregate.rating = self.rating

    class Reopened(Aggregate.Event):
        """重新打开: back to the team, waiting for a new response; the rating is cleared."""

        reason: str
        reopened_at: datetime

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, WorkOrder)
            aggregate.status = WorkOrderStatus.DISPATCHED.value
            aggregate.rating = None
            aggregate.resolved_at = None
            aggregate.awaiting_response_since = self.reopened_at

    class Cancelled(Aggregate.Event):
        reason: str
        cancelled_at: datetime

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, WorkOrder)
            aggregate.status = WorkOrderStatus.CANCELLED.value

    class SlaBreached(Aggregate.Event):
        """超时: ``deadline`` passed without the step; seen at ``detected_at``."""

        kind: str
        deadline: datetime
        detected_at: datetime

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, WorkOrder)
            aggregate.breaches.add((self.kind, self.deadline))

    def __init__(
        self,
        community_id: UUID,
        source: str,
        source_ref: str | None,
        reporter: str,
        reporter_role: str,
        category: str,
        urgency: str,
        place_kind: str,
        building_id: UUID | None,
        unit_id: UUID | None,
        area_name: str,
        photos: list[str],
        description: str,
        reported_at: datetime,
        sla_rules: str,
    ) -> None:
        self.community_id = community_id
        self.source = source
        self.source_ref = source_ref
        self.reporter = reporter
        self.reporter_role = reporter_role
        self.category = category
        self.urgency = urgency
        self.place = Place(place_kind, building_id, unit_id, area_name)
        self.photos = list(photos)
        self.description = description
        self.reported_at = reported_at
        self.sla_rules = sla_rules
        self.status = WorkOrderStatus.REPORTED.value
        self.company_id: UUID | None = None
        self.team = ""
        self.assignee = ""
        self.dispatched_at: datetime | None = None
        self.awaiting_response_since: datetime | None = None
        self.responded_at: datetime | None = None
        self.resolved_at: datetime | None = None
        self.rating: int | None = None
        self.breaches: set[tuple[str, datetime]] = set()

    @classmethod
    def report(
        cls,
        *,
        community: Community,
        source: str,
        reporter: str,
        reporter_role: str,
        category: str,
        urgency: str,
        place: Place,
        description: str,
        at: datetime,
        photos: Sequence[str] = (),
        source_ref: str | None = None,
        sla_rules: str = CURRENT_SLA_RULES,
    ) -> WorkOrder:
        """报事报修: a new order, its clocks from the rule set in force (``sla_rules``)."""
        source_value = enum_value("source", Source, source)
        category_value = enum_value("category", Category, category)
        urgency_value = enum_value("urgency", Urgency, urgency)
        sla_clock(sla_rules, category_value, urgency_value)
        ref = optional_text("sourceRef", source_ref, max_length=200) or None
        if source_value == Source.INSPECTION.value and ref is None:
            raise InvalidValue("sourceRef", "an inspection's order names the defect it comes from")
        return cls._create(
            cls.Reported,
            id=work_order_id(community.id, source_value, ref),
            community_id=community.id,
            source=source_value,
            source_ref=ref,
            reporter=required_text("reporter", reporter),
            reporter_role=reporter_role,
            category=category_value,
            urgency=urgency_value,
            place_kind=place.kind,
            building_id=place.building_id,
            unit_id=place.unit_id,
            area_name=place.area_name,
            photos=photo_references(photos),
            description=required_text("description", description, max_length=MAX_DESCRIPTION),
            reported_at=moment("reportedAt", at),
            sla_rules=sla_rules,
        )

    # -- the clocks ---------------------------------------------------------------------

    @property
    def clock(self) -> SlaClock:
        return sla_clock(self.sla_rules, self.category, self.urgency)

    @property
    def dispatch_deadline(self) -> datetime:
        return self.reported_at + self.clock.dispatch_within

    @property
    def response_deadline(self) -> datetime | None:
        """Of the current response clock: from the dispatch, or from the latest reopening."""
        if self.awaiting_response_since is None:
            return None
        return self.awaiting_response_since + self.clock.respond_within

    def due_breaches(self, now: datetime) -> list[tuple[str, datetime]]:
        """Deadlines passed by ``now`` for a step still not taken, not yet recorded."""
        now = moment("now", now)
        due: list[tuple[str, datetime]] = []
        if self.status == WorkOrderStatus.REPORTED.value:
            due.append((BreachKind.DISPATCH.value, self.dispatch_deadline))
        elif self.status == WorkOrderStatus.DISPATCHED.value:
            assert self.response_deadline is not None
            due.append((BreachKind.RESPONSE.value, self.response_deadline))
        return [(kind, d) for kind, d in due if now > d and (kind, d) not in self.breaches]

    def record_breach(self, kind: str, detected_at: datetime) -> None:
        """超时: record that a deadline passed; refused when it has not, or was recorded."""
        kind_value = enum_value("kind", BreachKind, kind)
        detected = moment("detectedAt", detected_at)
        if (kind_value, self._deadline_of(kind_value)) in self.breaches:
            raise RuleViolated("kind", f"this {kind_value.lower()} breach is already recorded")
        due = dict(self.due_breaches(detected))
        if kind_value not in due:
            raise RuleViolated(
                "kind",
                f"no {kind_value.lower()} is overdue: the deadline has not passed, "
                "or the step was taken",
            )
        self.trigger_event(
            self.SlaBreached, kind=kind_value, deadline=due[kind_value], detected_at=detected
        )

    def _deadline_of(self, kind: str) -> datetime | None:
        if kind == BreachKind.DISPATCH.value:
            return self.dispatch_deadline
        return self.response_deadline

    def _late(self, kind: str, at: datetime) -> None:
        """A step taken after its deadline is a breach too, if nobody recorded it yet."""
        deadline = self._deadline_of(kind)
        if deadline is not None and at > deadline and (kind, deadline) not in self.breaches:
            self.trigger_event(self.SlaBreached, kind=kind, deadline=deadline, detected_at=at)

    # -- the lifecycle --------------------------------------------------------------------

    def dispatch(self, company_id: UUID | None, team: str, assignee: str, at: datetime) -> None:
        """分转 to a team of the serving company, within the dispatch clock."""
        self._expect(WorkOrderStatus.REPORTED, "dispatched")
        when = self._not_before("dispatchedAt", at, self.reported_at, "the report")
        team_name = required_text("team", team)
        person = required_text("assignee", assignee)
        self._late(BreachKind.DISPATCH.value, when)
        self.trigger_event(
            self.Dispatched,
            company_id=company_id,
            team=team_name,
            assignee=person,
            dispatched_at=when,
        )

    def respond(self, note: str, at: datetime) -> None:
        """回应: the team answers the reporter (contact made, visit planned)."""
        self._expect(WorkOrderStatus.DISPATCHED, "answered")
        assert self.awaiting_response_since is not None
        when = self._not_before("respondedAt", at, self.awaiting_response_since, "the dispatch")
        text = required_text("note", note, max_length=MAX_DESCRIPTION)
        self._late(BreachKind.RESPONSE.value, when)
        self.trigger_event(self.Responded, responded_at=when, note=text)

    def resolve(self, note: str, at: datetime) -> None:
        """办结: the problem is fixed; the note says how."""
        if self.status == WorkOrderStatus.DISPATCHED.value:
            raise RuleViolated("workOrderId", "respond to the report (回应) before resolving it")
        self._expect(WorkOrderStatus.RESPONDED, "resolved")
        assert self.responded_at is not None
        when = self._not_before("resolvedAt", at, self.responded_at, "the response")
        text = required_text("note", note, max_length=MAX_DESCRIPTION)
        self.trigger_event(self.Resolved, resolved_at=when, note=text)

    def rate(self, rating: int, comment: str | None, at: datetime) -> None:
        """评价: once per resolution, 1 to 5."""
        self._expect(WorkOrderStatus.RESOLVED, "rated")
        if self.rating is not None:
            raise RuleViolated("workOrderId", "the work order is already rated")
        if not 1 <= rating <= 5:
            raise InvalidValue("rating", "must be from 1 to 5")
        assert self.resolved_at is not None
        when = self._not_before("ratedAt", at, self.resolved_at, "the resolution")
        text = optional_text("comment", comment, max_length=MAX_DESCRIPTION)
        self.trigger_event(self.Rated, rating=rating, comment=text, rated_at=when)

    def reopen(self, reason: str, at: datetime) -> None:
        """重新打开: the fix did not hold; the team must respond again within its clock."""
        self._expect(WorkOrderStatus.RESOLVED, "reopened")
        assert self.resolved_at is not None
        when = self._not_before("reopenedAt", at, self.resolved_at, "the resolution")
        text = required_text("reason", reason, max_length=MAX_DESCRIPTION)
        self.trigger_event(self.Reopened, reason=text, reopened_at=when)

    def cancel(self, reason: str, at: datetime) -> None:
        """撤销: a duplicate, a mistaken report, or not the company's to fix."""
        if self.status not in OPEN_STATUSES:
            raise RuleViolated(
                "workOrderId", f"a {self.status.lower()} work order can no longer be cancelled"
            )
        when = self._not_before("cancelledAt", at, self.reported_at, "the report")
        text = required_text("reason", reason, max_length=MAX_DESCRIPTION)
        self.trigger_event(self.Cancelled, reason=text, cancelled_at=when)

    def _expect(self, status: WorkOrderStatus, step: str) -> None:
        if self.status != status.value:
            raise RuleViolated(
                "workOrderId",
                f"a {self.status.lower()} work order cannot be {step}; "
                f"only a {status.value.lower()} one can",
            )

    @staticmethod
    def _not_before(field: str, at: datetime, earlier: datetime, what: str) -> datetime:
        when = moment(field, at)
        if when < earlier:
            raise InvalidValue(field, f"must not be before {what} at {earlier.isoformat()}")
        return when


def photo_references(photos: Sequence[str]) -> list[str]:
    """Photo references (object-store keys or URLs), at most nine, none empty."""
    if len(photos) > MAX_PHOTOS:
        raise InvalidValue("photos", f"must be at most {MAX_PHOTOS} photos")
    return [required_text(f"photos.{i}", p, max_length=500) for i, p in enumerate(photos)]
