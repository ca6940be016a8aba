"""The SLA clocks are documented from the rule set itself: the README and the API say what runs."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from gongzhi.domain.sla import CURRENT_SLA_RULES, sla_clock
from gongzhi.domain.work_order import sla_clocks_markdown, sla_clocks_summary
from gongzhi.graphql.schema import schema

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_shows_every_clock_as_the_rule_sets_define_it() -> None:
    # Given the README's generated block
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- sla-clocks:begin -->\n(.*?)<!-- sla-clocks:end -->", text, re.S)
    # Then it is exactly what the rule sets generate (regenerate it with
    # ``python -c "from gongzhi.domain.work_order import sla_clocks_markdown as m; print(m())"``)
    assert block is not None and block.group(1) == sla_clocks_markdown()
    # And it names the clocks that run: an elevator order 12 h / 12 h, an urgent one 8 h / 8 h
    assert sla_clock(CURRENT_SLA_RULES, "ELEVATOR", "NORMAL").dispatch_within == timedelta(hours=12)
    assert "| ELEVATOR, FIRE_SAFETY | 12 h / 12 h | 8 h / 8 h | 2 h / 2 h |" in block.group(1)
    # And no prose elsewhere states a clock of its own
    assert "24 h / 24 h,\n  emergencies" not in text


def test_the_api_describes_every_clock_by_category_and_urgency() -> None:
    work_order = schema.get_type_by_name("WorkOrder")
    assert work_order is not None
    summary = sla_clocks_summary()
    assert "ELEVATOR, FIRE_SAFETY: NORMAL 12 h / 12 h, URGENT 8 h / 8 h" in summary
    assert summary in (work_order.description or "")
    sla_rules = next(f for f in work_order.fields if f.python_name == "sla_rules")
    assert summary in (sla_rules.description or "")
