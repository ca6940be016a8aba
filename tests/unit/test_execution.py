"""The compiling executor answers exactly what graphql-core's generic execution answers."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gongzhi.graphql.execution import CompilingExecutionContext


@strawberry.enum
class Colour(enum.Enum):
    RED = "RED"
    BLUE = "BLUE"


@strawberry.type
class Tag:
    label: str
    weight: int | None


@strawberry.type
class Item:
    id: strawberry.ID
    name: str
    price: Decimal
    colour: Colour
    tags: list[Tag]
    note: str | None = None
    parent: Item | None = None

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times


@dataclass
class State:
    items: list[Any] = field(default_factory=list)


STATE = State()


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return STATE.items


class CountingCompiled(CompilingExecutionContext):
    generic_fields = 0

    def execute_field(self, *args: Any, **kwargs: Any) -> Any:
        CountingCompiled.generic_fields += 1
        return super().execute_field(*args, **kwargs)


COMPILED = strawberry.Schema(query=Query, execution_context_class=CountingCompiled)
GENERIC = strawberry.Schema(
    query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext
)

QUERY = """query($withNote: Boolean!) {
  items {
    __typename key: id name price colour note @include(if: $withNote)
    ...Tags
    parent { name parent { name } }
    again: name
  }
}
fragment Tags on Item { tags { label weight } }"""


def item(number: int, **changes: Any) -> Item:
    fields: dict[str, Any] = {
        "id": strawberry.ID(str(number)),
        "name": f"item {number}",
        "price": Decimal("12.30"),
        "colour": Colour.RED if number % 2 else Colour.BLUE,
        "tags": [Tag(label="a", weight=1), Tag(label="b", weight=None)],
        "note": None if number % 3 else "n",
        "parent": Item(
            id=strawberry.ID("p"), name="parent", price=Decimal(0), colour=Colour.RED, tags=[]
        ),
    }
    fields.update(changes)
    return Item(**fields)


def both(query: str, items: list[Any], **variables: Any) -> tuple[ExecutionResult, ...]:
    STATE.items = items
    return tuple(
        schema.execute_sync(query, variable_values=variables) for schema in (COMPILED, GENERIC)
    )


@pytest.mark.parametrize("with_note", [True, False])
def test_plain_selections_give_the_generic_answer_with_aliases_fragments_and_directives(
    with_note: bool,
) -> None:
    # Given 30 items of varied shape, when both executors run the same query
    compiled, generic = both(QUERY, [item(n) for n in range(30)], withNote=with_note)
    # Then the answers are equal, field for field and in the same order.
    assert compiled.errors is None
    assert compiled.data == generic.data
    assert list(compiled.data["items"][0]) == list(generic.data["items"][0])  # type: ignore[index]


def test_a_plain_sub_tree_runs_as_a_plan_not_field_by_field() -> None:
    # Given 50 items with 12 plain fields each
    CountingCompiled.generic_fields = 0
    # When the list is queried
    both(QUERY, [item(n) for n in range(50)], withNote=True)
    # Then only the root field went through graphql-core's per-field execution.
    assert CountingCompiled.generic_fields == 1


def test_fields_with_resolvers_and_arguments_still_run_and_the_rest_stays_planned() -> None:
    compiled, generic = both("{ items { name shout(times: 2) } }", [item(1), item(2)])
    assert compiled.errors is None
    assert (
        compiled.data
        == generic.data
        == {
            "items": [
                {"name": "item 1", "shout": "ITEM 1ITEM 1"},
                {"name": "item 2", "shout": "ITEM 2ITEM 2"},
            ]
        }
    )


@pytest.mark.parametrize(
    "broken",
    [
        {"name": None},  # null in a non-null field
        {"tags": [Tag(label="a", weight=1), None]},  # null item in a non-null list
        {"colour": "GREEN"},  # a value the enum refuses
        {"tags": [Tag(label="a", weight="heavy")]},  # a value Int cannot serialise  # type: ignore[arg-type]
        {"tags": 42},  # not a list
    ],
)
def test_bad_values_get_the_generic_errors_paths_and_partial_data(broken: dict[str, Any]) -> None:
    # Given one good item and one with a bad value
    compiled, generic = both(QUERY, [item(1), item(2, **broken)], withNote=True)
    # Then the compiled executor reports exactly what graphql-core reports.
    assert generic.errors, "the case must be an error for graphql-core too"
    assert compiled.data == generic.data
    assert [(e.message, e.path) for e in compiled.errors or []] == [
        (e.message, e.path) for e in generic.errors
    ]
