"""时限规则 SLA clocks of work orders, as versioned data.

Seed (Quzhou): dispatch (分转) within 24 h of the report, respond (回应) within 24 h of the
dispatch. Later rule sets shorten the clocks by urgency and for some categories. A work
order records the version in force when it was reported, so a new version never moves an
old order's deadlines. Clocks are elapsed time, through nights and holidays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from gongzhi.domain.errors import InvalidValue


@dataclass(frozen=True)
class SlaClock:
    dispatch_within: timedelta
    respond_within: timedelta


@dataclass(frozen=True)
class SlaRuleSet:
    """时限规则: clocks by urgency, overridden for some (category, urgency) pairs."""

    version: str
    default: SlaClock
    by_urgency: Mapping[str, SlaClock] = field(default_factory=dict)
    by_category: Mapping[tuple[str, str], SlaClock] = field(default_factory=dict)

    def clock(self, category: str, urgency: str) -> SlaClock:
        return (
            self.by_category.get((category, urgency))
            or self.by_urgency.get(urgency)
            or self.default
        )


def _hours(dispatch: int, respond: int) -> SlaClock:
    return SlaClock(timedelta(hours=dispatch), timedelta(hours=respond))


SLA_RULE_SETS: dict[str, SlaRuleSet] = {
    # The seed's rule as written: 24 h to dispatch, 24 h to respond, whatever the report.
    "QUZHOU-2023.1": SlaRuleSet("QUZHOU-2023.1", _hours(24, 24)),
    # Tiers by urgency; lifts and fire equipment are never left a full day.
    "QUZHOU-2024.1": SlaRuleSet(
        "QUZHOU-2024.1",
        _hours(24, 24),
        by_urgency={"URGENT": _hours(8, 8), "EMERGENCY": _hours(2, 2)},
        by_category={
            ("ELEVATOR", "NORMAL"): _hours(12, 12),
            ("FIRE_SAFETY", "NORMAL"): _hours(12, 12),
        },
    ),
}
CURRENT_SLA_RULES = "QUZHOU-2024.1"


def sla_clock(version: str, category: str, urgency: str) -> SlaClock:
    """The clock of a rule set version for an order's category and urgency."""
    rules = SLA_RULE_SETS.get(version)
    if rules is None:
        raise InvalidValue("slaRules", f"must be one of {', '.join(SLA_RULE_SETS)}")
    return rules.clock(category, urgency)


def _hours_text(delta: timedelta) -> str:
    hours = delta / timedelta(hours=1)
    return f"{hours:g} h"


def _clock_text(clock: SlaClock) -> str:
    return f"{_hours_text(clock.dispatch_within)} / {_hours_text(clock.respond_within)}"


def clock_groups(
    version: str, categories: Sequence[str], urgencies: Sequence[str]
) -> list[tuple[list[str], list[SlaClock]]]:
    """Every clock of a rule set by category and urgency: categories whose clocks are the same
    for every urgency share a row (in the order given), each row a clock per urgency."""
    rules = SLA_RULE_SETS[version]
    rows: dict[tuple[SlaClock, ...], list[str]] = {}
    for category in categories:
        clocks = tuple(rules.clock(category, urgency) for urgency in urgencies)
        rows.setdefault(clocks, []).append(category)
    return [(names, list(clocks)) for clocks, names in rows.items()]


def clocks_summary(version: str, categories: Sequence[str], urgencies: Sequence[str]) -> str:
    """One line, for the API's descriptions: ``分转 / 回应`` hours by category and urgency."""
    groups = clock_groups(version, categories, urgencies)
    parts = []
    for names, clocks in groups:
        who = "other categories" if len(groups) > 1 and len(names) > 2 else ", ".join(names)
        by_urgency = ", ".join(
            f"{u} {_clock_text(c)}" for u, c in zip(urgencies, clocks, strict=True)
        )
        parts.append(f"{who}: {by_urgency}" if len(groups) > 1 else by_urgency)
    return f"{version} (分转 dispatch / 回应 respond, elapsed hours): " + "; ".join(parts)


def clocks_markdown(categories: Sequence[str], urgencies: Sequence[str]) -> str:
    """Every rule set's clocks as Markdown tables, for the README (checked by a test)."""
    lines: list[str] = []
    for version in SLA_RULE_SETS:
        in_force = version == CURRENT_SLA_RULES
        current = " (current: orders reported now follow it)" if in_force else ""
        lines += [f"`{version}`{current}, 分转 dispatch / 回应 respond:", ""]
        lines.append("| category | " + " | ".join(urgencies) + " |")
        lines.append("|---" * (len(urgencies) + 1) + "|")
        for names, clocks in clock_groups(version, categories, urgencies):
            row = " | ".join(_clock_text(c) for c in clocks)
            lines.append(f"| {', '.join(names)} | {row} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def moment(field: str, value: datetime) -> datetime:
    """A timezone-aware time, converted to UTC; a naive one is refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(field, "must include a time zone, e.g. 2024-06-01T09:30:00+08:00")
    return value.astimezone(UTC)
