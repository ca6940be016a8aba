"""Every mutation is a declared command, and every id a query takes declares its kind.

A mutation written by hand, or a query id argument without ``Ref(Kind.…)``, would bypass the
checks that keep another tenant's ids out (and the scope matrix would not see it): these tests
fail until it is declared. (An input field without a bound or an id field without a kind fails
earlier, at import: ``gongzhi/graphql/commands.py``.)
"""

from __future__ import annotations

import graphql
from strawberry.utils.str_converters import to_camel_case

from gongzhi.graphql.commands import REGISTRATIONS
from gongzhi.graphql.reading import references_of
from gongzhi.graphql.schema import schema

# Query id arguments that declare no kind, and why that is safe.
UNDECLARED = {
    # Any aggregate: history finds its kind from the log and checks that kind's permission.
    ("history", "id"): "polymorphic",
    # List filters whose result has no NotFound member: rows outside the caller's scope are
    # filtered out in SQL (the access matrix expects an empty list there).
    ("partyOrganisations", "communityId"): "filter",
    ("partyOrganisations", "companyId"): "filter",
    ("demonstrationTitles", "communityId"): "filter",
    ("demonstrationTitles", "companyId"): "filter",
}


def test_every_mutation_is_a_declared_command() -> None:
    mutations = schema._schema.mutation_type
    assert mutations is not None
    assert sorted(set(mutations.fields) - set(REGISTRATIONS)) == []


def test_every_id_a_query_takes_declares_its_kind() -> None:
    undeclared = []
    for field in schema.get_type_by_name("Query").fields:  # type: ignore[union-attr]
        name = to_camel_case(field.python_name)
        resolver = field.base_resolver
        declared = (
            {to_camel_case(n) for n in references_of(resolver.wrapped_func)} if resolver else set()
        )
        arguments = schema._schema.query_type.fields[name].args  # type: ignore[union-attr]
        for argument, definition in arguments.items():
            is_id = graphql.get_named_type(definition.type).name == "ID"
            if is_id and argument not in declared and (name, argument) not in UNDECLARED:
                undeclared.append(f"{name}({argument})")
    assert undeclared == []
