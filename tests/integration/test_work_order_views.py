"""The work orders view: the same rows whatever the batch size, a reopening inside one batch
applied in log order, and the SLA figures other modules read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import text

from gongzhi.application.base import Meta
from gongzhi.application.communities import ChangeManagementMode, RegisterCommunity
from gongzhi.application.companies import RegisterCompany
from gongzhi.application.work_orders import (
    CancelWorkOrder,
    DispatchWorkOrder,
    RateWorkOrder,
    ReopenWorkOrder,
    ReportWorkOrder,
    ResolveWorkOrder,
    RespondToWorkOrder,
    WorkOrderPlace,
)
from gongzhi.bootstrap import Platform
from gongzhi.domain.work_order import Category, PlaceKind, Source, Urgency
from gongzhi.projections.work_orders import overdue_work_orders, sla_performance
from gongzhi.workers.actors import WATCHDOG
from tests.integration.test_projection_runner import dump_views

RESIDENT = Meta(actor="owner-101", reason="报修", actor_role="RESIDENT")
STAFF = Meta(actor="staff-1", reason="处理", actor_role="COMPANY_STAFF")


def lifecycle_log(platform: Platform) -> tuple[UUID, UUID, UUID]:
    """Three orders: one reopened and answered again, one cancelled, one left to breach."""
    app = platform.app
    company = app.register_company(
        STAFF, RegisterCompany(name="安居物业", credit_code="91350100M000100Y43")
    ).id
    community = app.register_community(
        STAFF,
        RegisterCommunity(
            name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
        ),
    ).id
    app.change_management_mode(
        STAFF,
        ChangeManagementMode(
            community_id=community,
            mode="PROFESSIONAL",
            company_id=company,
            effective_from=date(2024, 1, 1),
        ),
    )

    def report(description: str) -> UUID:
        return app.report_work_order(
            RESIDENT,
            ReportWorkOrder(
                community_id=community,
                source=Source.RESIDENT,
                category=Category.PLUMBING,
                urgency=Urgency.NORMAL,
                description=description,
                place=WorkOrderPlace(kind=PlaceKind.COMMON_AREA, area_name="中心花园"),
            ),
        ).id

    reopened, cancelled, forgotten = report("喷泉漏水"), report("重复报修"), report("井盖松动")
    app.dispatch_work_order(
        STAFF, DispatchWorkOrder(work_order_id=reopened, team="一班", assignee="张")
    )
    app.respond_to_work_order(STAFF, RespondToWorkOrder(work_order_id=reopened, note="到"))
    app.resolve_work_order(STAFF, ResolveWorkOrder(work_order_id=reopened, note="修好"))
    app.rate_work_order(RESIDENT, RateWorkOrder(work_order_id=reopened, rating=2, comment="又漏了"))
    app.reopen_work_order(RESIDENT, ReopenWorkOrder(work_order_id=reopened))
    app.respond_to_work_order(STAFF, RespondToWorkOrder(work_order_id=reopened, note="再来"))
    app.cancel_work_order(STAFF, CancelWorkOrder(work_order_id=cancelled))
    app.record_sla_breaches(WATCHDOG, forgotten, datetime.now(UTC) + timedelta(days=2))
    return reopened, cancelled, forgotten


def test_batch_size_does_not_change_the_work_order_rows(platform: Platform) -> None:
    # Given a log of work orders projected one event per transaction
    reopened, cancelled, forgotten = lifecycle_log(platform)
    platform.projection_runner(batch_size=1).catch_up()
    expected = dump_views(platform.engine)

    # When the same log is rebuilt in one batch
    platform.projection_runner(batch_size=1000).rebuild()

    # Then the rows are identical
    assert dump_views(platform.engine) == expected
    # And the reopened order is as its last event left it: answered again, unrated
    with platform.engine.connect() as conn:
        rows = {
            row.id: row
            for row in conn.execute(
                text(
                    "SELECT id, status, rating, reopen_count, responded_at, dispatch_breached, "
                    "position, version FROM work_orders"
                )
            )
        }
        last = conn.execute(
            text("SELECT max(position) FROM event_history WHERE aggregate_id = :id"),
            {"id": reopened},
        ).scalar()
    order = rows[reopened]
    assert (order.status, order.rating, order.reopen_count) == ("RESPONDED", None, 1)
    assert order.responded_at is not None
    assert (order.position, order.version) == (last, 7)
    assert rows[cancelled].status == "CANCELLED"
    assert (rows[forgotten].status, rows[forgotten].dispatch_breached) == ("REPORTED", True)


def test_other_modules_read_sla_figures_and_overdue_orders_from_the_view(
    platform: Platform,
) -> None:
    # Given the same orders, and one more reported, projected
    reopened, _, forgotten = lifecycle_log(platform)
    community = platform.app.work_order(reopened).community_id
    fresh = platform.app.report_work_order(
        RESIDENT,
        ReportWorkOrder(
            community_id=community,
            source=Source.RESIDENT,
            category=Category.GREENING,
            urgency=Urgency.NORMAL,
            description="树枝折断",
            place=WorkOrderPlace(kind=PlaceKind.COMMUNITY),
        ),
    ).id
    platform.projection_runner().catch_up()
    now = datetime.now(UTC)

    # Then a health-index or credit job can read the period's figures on its own connection
    with platform.engine.connect() as conn:
        figures = sla_performance(
            conn,
            since=now - timedelta(days=1),
            until=now + timedelta(days=1),
            community_id=community,
        )
        # And the watchdog's candidates are open orders past a deadline not yet recorded:
        # the forgotten one's breach is recorded, the others are answered or cancelled
        assert overdue_work_orders(conn, now) == []
        assert overdue_work_orders(conn, now + timedelta(days=3)) == [fresh]
    assert (figures.reported, figures.breaches, figures.resolved) == (4, 1, 0)
    assert (figures.dispatch_due, figures.dispatched_on_time) == (2, 1)
    assert figures.dispatched_on_time_pct == Decimal("50.0")
    # The reopening cleared the order's rating, but the first attempt's rating still counts
    assert (figures.rated, figures.average_rating) == (1, Decimal("2.00"))
    assert forgotten not in (reopened, fresh)
