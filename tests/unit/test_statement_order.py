"""The order a projection batch runs its statements in: stages, ``after`` and the batch's
own order, computed by a topological sort that refuses a cycle."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from sqlalchemy import text

import gongzhi.projections
from gongzhi.projections import notices
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    CREATE,
    RECORD,
    TOUCH,
    OrderCycle,
    Stage,
    Statement,
    run_order,
)


def statement(name: str, stage: Stage, *after: Statement) -> Statement:
    return Statement(name, stage, text("SELECT 1"), after=after)


def names(statements: list[Statement]) -> list[str]:
    return [s.name for s in statements]


def test_stages_run_in_their_declared_order_whatever_the_batch_order() -> None:
    # Given statements of every stage, given latest stage first
    history = statement("history", RECORD)
    touch = statement("touch", TOUCH)
    change = statement("change", CHANGE)
    part = statement("part", ADD)
    root = statement("root", CREATE)

    # When they are ordered
    ordered = run_order([history, touch, change, part, root])

    # Then each stage runs after the ones it follows
    assert names(ordered) == ["root", "part", "change", "touch", "history"]


def test_within_a_stage_after_wins_and_the_rest_keep_the_batch_order() -> None:
    # Given three steps of one row, a free statement, and the batch meeting them backwards
    step = statement("step", CHANGE)
    confirm = statement("confirm", CHANGE, step)
    pay = statement("pay", CHANGE, confirm)
    other = statement("other", CHANGE)

    # When they are ordered
    ordered = run_order([pay, other, confirm, step])

    # Then the steps run in their declared order and the free one keeps its place first
    assert names(ordered) == ["other", "step", "confirm", "pay"]
    # And free statements run in whichever order the batch met them
    a, b = statement("a", CHANGE), statement("b", CHANGE)
    assert names(run_order([a, b])) == ["a", "b"]
    assert names(run_order([b, a])) == ["b", "a"]


def test_an_order_through_a_statement_absent_from_the_batch_still_holds() -> None:
    # Given c after b after a, and a batch with rows for a and c only
    a = statement("a", ADD)
    b = statement("b", ADD, a)
    c = statement("c", ADD, b)

    # When the batch is ordered, c still comes after a
    ordered = [s for s in run_order([c, a]) if s in (a, c)]
    assert names(ordered) == ["a", "c"]


def test_a_cycle_fails_loudly_and_names_its_statements() -> None:
    # Given an update declared after a statement of a later stage
    touch = statement("touch row", TOUCH)
    change = statement("change row", CHANGE, touch)

    # When the batch is ordered, the cycle is refused with the names in it
    with pytest.raises(OrderCycle, match=r"change row.*touch row"):
        run_order([change, touch])


def test_every_statement_of_every_view_has_an_order() -> None:
    # Given every statement the views declare
    statements = []
    for module in pkgutil.iter_modules(gongzhi.projections.__path__):
        loaded = importlib.import_module(f"gongzhi.projections.{module.name}")
        statements += [v for v in vars(loaded).values() if isinstance(v, Statement)]
    statements = list(dict.fromkeys(statements))
    assert len(statements) > 100

    # When they are ordered together, there is no cycle and none is lost
    ordered = run_order(statements)
    assert set(ordered) == set(statements)
    # And the history row is written after every view it describes; the work order's change,
    # the payment order's position and the 公示 published from an event come after the history
    # row whose position they copy
    position = {s.name: i for i, s in enumerate(ordered)}
    copies_the_position = {"apply work order change", "mark payment order position"} | {
        s.name for s in ordered if s.stage is notices.PUBLISH
    }
    assert len(copies_the_position) > 1
    assert position["insert history"] > max(
        i
        for name, i in position.items()
        if name != "insert history" and name not in copies_the_position
    )
    assert min(position[name] for name in copies_the_position) > position["insert history"]
