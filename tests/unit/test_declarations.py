"""Every mutation is a declared command, and every id a query takes declares its kind.

A mutation written by hand, or a query id argument without ``Ref(Kind.…)`` (or an
``Unchecked`` saying why it needs none), would bypass the checks that keep another tenant's ids out (and the scope matrix would not see it): these tests
fail until it is declared. (An input field without a bound or an id field without a kind fails
earlier, at import: ``gongzhi/graphql/commands.py``.)
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from gongzhi.graphql.commands import REGISTRATIONS
from gongzhi.graphql.reading import Unchecked, undeclared_ids
from gongzhi.graphql.schema import schema


def test_every_mutation_is_a_declared_command() -> None:
    mutations = schema._schema.mutation_type
    assert mutations is not None
    assert sorted(set(mutations.fields) - set(REGISTRATIONS)) == []


def test_every_id_a_query_takes_declares_its_kind() -> None:
    # A kind (``Ref``), or why it needs none, at the argument (``Unchecked``)
    assert undeclared_ids(schema) == []


def test_an_id_argument_declaring_nothing_is_found() -> None:
    # Given a query whose id argument declares neither a kind nor why it needs none
    @strawberry.type
    class Query:
        @strawberry.field
        def thing(self, id: strawberry.ID, label: str = "") -> str:
            return label

        @strawberry.field
        def checked(self, id: Annotated[strawberry.ID, Unchecked("test")]) -> str:
            return ""

    # Then it is named, and only it
    assert undeclared_ids(strawberry.Schema(query=Query)) == ["thing(id)"]
