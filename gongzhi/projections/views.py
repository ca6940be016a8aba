"""The platform's read model: every view's handlers, composed in one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table

from gongzhi.projections.access import access_ops, revocations
from gongzhi.projections.committees import committee_candidates, committee_ops, committees
from gongzhi.projections.common_income import COMMON_INCOME_TABLES, common_income_ops
from gongzhi.projections.communities import (
    buildings,
    communities,
    community_modes,
    community_ops,
    entrances,
    units,
)
from gongzhi.projections.community_companies import (
    COMMUNITY_COMPANY_TABLES,
    community_company_ops,
)
from gongzhi.projections.companies import companies, company_ops
from gongzhi.projections.contracts import contract_ops, service_contracts
from gongzhi.projections.credit import CREDIT_TABLES, credit_ops
from gongzhi.projections.decisions import ballots, decision_ops, decisions, elevator_shares
from gongzhi.projections.engagement import ENGAGEMENT_TABLES, engagement_ops
from gongzhi.projections.facilities import FACILITY_TABLES, facility_ops
from gongzhi.projections.fee_schedules import FEE_SCHEDULE_TABLES, fee_schedule_ops
from gongzhi.projections.fees import FEE_TABLES, fee_ops
from gongzhi.projections.funds import FUND_TABLES, fund_ops
from gongzhi.projections.health import HEALTH_TABLES, health_ops
from gongzhi.projections.history import event_history, history_op
from gongzhi.projections.meters import METER_TABLES, meter_ops
from gongzhi.projections.notices import NOTICE_TABLES, notice_ops
from gongzhi.projections.ops import Op
from gongzhi.projections.owners import owner_ops, person_roles, persons, unit_residents
from gongzhi.projections.participation import PARTICIPATION_TABLES, participation_ops
from gongzhi.projections.payment_orders import PAYMENT_ORDER_TABLES, payment_order_ops
from gongzhi.projections.reconciliation import RECONCILIATION_TABLES, reconciliation_ops
from gongzhi.projections.red_property import RED_PROPERTY_TABLES, red_property_ops
from gongzhi.projections.statistics import outbox, statistics_ops
from gongzhi.projections.work_orders import work_order_ops, work_orders

PROJECTION_NAME = "views"

# Tables a rebuild empties; snapshots are worker results and stay.
VIEW_TABLES: tuple[Table, ...] = (
    communities,
    buildings,
    entrances,
    units,
    community_modes,
    companies,
    committees,
    committee_candidates,
    service_contracts,
    persons,
    person_roles,
    unit_residents,
    decisions,
    ballots,
    elevator_shares,
    *RED_PROPERTY_TABLES,
    *FEE_TABLES,
    *PAYMENT_ORDER_TABLES,
    *METER_TABLES,
    *RECONCILIATION_TABLES,
    *FEE_SCHEDULE_TABLES,
    *FUND_TABLES,
    *COMMON_INCOME_TABLES,
    *COMMUNITY_COMPANY_TABLES,
    *ENGAGEMENT_TABLES,
    *PARTICIPATION_TABLES,
    work_orders,
    *FACILITY_TABLES,
    *CREDIT_TABLES,
    *HEALTH_TABLES,
    *NOTICE_TABLES,
    event_history,
    outbox,
    revocations,
)


# The views' dispatchers, in the order their rows are listed for an event.
_VIEW_HANDLERS: tuple[Any, ...] = (
    community_ops,
    company_ops,
    statistics_ops,
    owner_ops,
    decision_ops,
    red_property_ops,
    contract_ops,
    committee_ops,
    fee_ops,
    payment_order_ops,
    meter_ops,
    reconciliation_ops,
    fee_schedule_ops,
    fund_ops,
    common_income_ops,
    community_company_ops,
    engagement_ops,
    participation_ops,
    work_order_ops,
    facility_ops,
    credit_ops,
    health_ops,
    access_ops,
    notice_ops,
)
# Per event class, the implementations that can give rows (the defaults give none). A
# per-class lookup is a third of the cost of asking three dispatchers for every event.
# Keyed on the number of registrations too, so a handler registered later is seen.
_handlers_by_class: dict[tuple[type, int], tuple[Callable[[Any], list[Op]], ...]] = {}


def _handlers(cls: type) -> tuple[Callable[[Any], list[Op]], ...]:
    registrations = sum(len(dispatcher.registry) for dispatcher in _VIEW_HANDLERS)
    key = (cls, registrations)
    handlers = _handlers_by_class.get(key)
    if handlers is None:
        handlers = tuple(
            implementation
            for dispatcher in _VIEW_HANDLERS
            if (implementation := dispatcher.dispatch(cls)) is not dispatcher.registry[object]
        )
        _handlers_by_class[key] = handlers
    return handlers


def ops_for(position: int, event: Any) -> list[Op]:
    """Every row change one event causes, across all views."""
    ops: list[Op] = []
    for handler in _handlers(type(event)):
        ops.extend(handler(event))
    ops.append(history_op(position, event))
    return ops
