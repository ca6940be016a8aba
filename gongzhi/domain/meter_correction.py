"""更正 of a billed reading: what it changes on each unit's bill, both ways (issue 16 §4).

A billed reading corrected makes each unit's meter lines of that billing come out again
(its METERED line priced again, the 公摊 re-split by largest remainder so the shares still
sum exactly to the corrected shared charge; each line rounded once, as billing rounds it).
The difference is taken per unit, over all its meter lines, so one correction gives each
unit one booking:

- the unit owes less (a reading found too high, or its 公摊 share falls): the fen are
  credited to its account (调账, ``FeeAccount.adjust``), as before;
- the unit owes more (a reading found too low, or its share rises): a supplementary bill
  (补收单) of the same period charges the fen. Its lines are the unit's meter lines that
  changed, each with its difference and both versions (which meter, old and new readings,
  consumption, price), so a unit whose own line rose while its share fell sees both, netted.

Why a bill and not a line on the next bill: a bill is issued once and never rewritten (its
id is the unit and period), the next bill may be months away or never come, and a bill of
its own has its own due date (late fees from then, never backdated) and is paid, listed,
reminded of and reconciled as any other bill is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

# What a meter line charges for: (METERED, month, meter kind) or (SHARED, month, common meter).
LineKey = tuple[str, str, str]
Lines = dict[LineKey, dict[str, Any]]


@dataclass(frozen=True)
class BilledCorrection:
    """A billed reading's correction in money: the billing period; by unit, the fen charged
    too much (``credits``) or too little (``surcharges``, with ``supplement`` lines summing
    to it); and each such unit's meter lines as billed (``billed``: its bill must show them,
    or the difference cannot be worked out from it)."""

    period: str
    credits: dict[UUID, int]
    surcharges: dict[UUID, int]
    supplement: dict[UUID, list[dict[str, Any]]]
    billed: dict[UUID, list[dict[str, Any]]]

    @classmethod
    def between(
        cls, period: str, before: Mapping[UUID, Lines], after: Mapping[UUID, Lines]
    ) -> BilledCorrection:
        credits: dict[UUID, int] = {}
        surcharges: dict[UUID, int] = {}
        supplement: dict[UUID, list[dict[str, Any]]] = {}
        billed: dict[UUID, list[dict[str, Any]]] = {}
        for unit_id in sorted(set(before) | set(after), key=str):
            was, now = before.get(unit_id, {}), after.get(unit_id, {})
            difference = _total(now) - _total(was)
            if difference < 0:
                credits[unit_id] = -difference
            elif difference > 0:
                surcharges[unit_id] = difference
                supplement[unit_id] = _changed_lines(was, now)
            if difference:
                billed[unit_id] = list(was.values())
        return cls(period, credits, surcharges, supplement, billed)


def _changed_lines(was: Lines, now: Lines) -> list[dict[str, Any]]:
    """The lines of a 补收单: each meter line whose amount changed, with its difference."""
    lines = []
    for key in [*now, *(k for k in was if k not in now)]:
        old, new = was.get(key), now.get(key)
        old_fen = int(old["amount_fen"]) if old else 0
        new_fen = int(new["amount_fen"]) if new else 0
        if new_fen == old_fen:
            continue
        shown = f"{new['label']} = {_yuan(new_fen)}元" if new else "不再收取"
        billed = f"{old['label']} = {_yuan(old_fen)}元" if old else "未收"
        base = new or old
        assert base is not None
        lines.append(
            {**base, "label": f"更正 {shown} (原账单 {billed})", "amount_fen": new_fen - old_fen}
        )
    return lines


def _total(lines: Lines) -> int:
    return sum(int(line["amount_fen"]) for line in lines.values())


def _yuan(fen: int) -> str:
    return format(Decimal(fen).scaleb(-2), "f")
