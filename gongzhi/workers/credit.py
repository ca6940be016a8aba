"""信用评价 jobs: compute a company's indicator values from the views, then record the
evaluation through the application (which keeps it idempotent per company, period and rule
set version). Who to evaluate for a district or for everyone is read from the views too."""

from __future__ import annotations

import logging
from datetime import date
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Engine

from gongzhi.application.app import Gongzhi
from gongzhi.application.base import Meta, NotFound
from gongzhi.domain.credit_rule_sets import credit_rule_set, rule_set_for_districts
from gongzhi.domain.credit_rules import Period
from gongzhi.domain.errors import InvalidValue
from gongzhi.workers.indicators import indicator_values, served_districts

log = logging.getLogger(__name__)

WORKER_META = Meta(
    actor="worker:credit", reason="信用评价 scheduled or requested", actor_role="WORKER"
)

COMPANIES_IN_DISTRICT = """
SELECT DISTINCT m.company_id FROM community_modes m JOIN communities c ON c.id = m.community_id
WHERE c.district = :district AND m.company_id IS NOT NULL AND m.effective_from <= :end
ORDER BY m.company_id
"""


def evaluate_company(
    engine: Engine, app: Gongzhi, company_id: str, period: str, rule_set: str | None, today: date
) -> bool:
    """Evaluate one company; ``True`` when an event was recorded, ``False`` when nothing
    changed (a redelivered job, a published result standing) or no rule set was named and
    none governs the districts the company serves. ``ValueError`` for bad ids."""
    company = UUID(company_id)
    parsed = Period.parse(period)
    # A read-only snapshot of the views: the values and the districts agree with each other.
    with engine.connect() as conn, conn.begin():
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        districts = served_districts(conn, company, parsed.start, parsed.end)
        try:
            rules = credit_rule_set(rule_set) if rule_set else rule_set_for_districts(districts)
        except InvalidValue as error:  # a Yunnan district is no 烟台's: the regulator names one
            log.warning("credit %s %s: not evaluated: %s", company, parsed.label, error.message)
            return False
        names = [rule.indicator for rule in rules.indicator_rules]
        values = indicator_values(conn, names, company, parsed.start, parsed.end)
    try:
        done = app.evaluate_credit(
            WORKER_META,
            company_id=company,
            period=parsed.label,
            rule_set=rules.key,
            indicators=values,
            districts=districts,
            evaluated_on=today,
        )
    except NotFound as error:  # no such company: retrying will not make one
        raise ValueError(error.message) from None
    log.info(
        "credit %s %s %s: %s",
        company,
        parsed.label,
        rules.key,
        "recorded" if done is not None else "unchanged",
    )
    return done is not None


def companies_to_evaluate(engine: Engine, district: str | None, period: str) -> list[str]:
    """Companies serving a community of the district by the period's end; all when None."""
    end = Period.parse(period).end
    with engine.connect() as conn:
        if district is None:
            rows = conn.execute(text("SELECT id FROM companies ORDER BY id"))
        else:
            rows = conn.execute(text(COMPANIES_IN_DISTRICT), {"district": district, "end": end})
        return [str(row[0]) for row in rows]


def previous_quarter(today: date) -> str:
    """The quarter before the one ``today`` is in: what the quarterly run evaluates."""
    current = Period.containing(today)
    before = Period.containing(date.fromordinal(current.start.toordinal() - 1))
    return before.label
