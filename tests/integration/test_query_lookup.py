"""Every query that answers a union goes through ``@lookup`` (gongzhi/graphql/reading.py): a
text argument one character over ``MAX_QUERY_TEXT`` is refused as a ValidationError naming
it, before the resolver runs. Generated from the schema, so a new query is covered."""

from __future__ import annotations

import uuid
from typing import Any

import graphql

from gongzhi.graphql.reading import MAX_QUERY_TEXT
from gongzhi.graphql.schema import schema
from tests.integration.conftest import Api

# Queries whose text arguments are not ``@lookup``'s to bound, and why.
OWN_RULE = {
    # history(id:) takes only an id and a cursor, checked by its own rule
    "history",
}


def _value(arg: graphql.GraphQLArgument) -> str:
    named = graphql.get_named_type(arg.type)
    if isinstance(named, graphql.GraphQLEnumType):
        return next(iter(named.values))
    return {
        "Int": "10",
        "Boolean": "false",
        "Date": '"2026-01-01"',
        "ID": f'"{uuid.uuid4()}"',
    }.get(named.name, '"2026"')


def test_every_union_query_refuses_an_over_long_text_argument_by_name(api: Api) -> None:
    query_type = schema._schema.query_type
    assert query_type is not None
    unbounded: list[str] = []
    checked = 0
    for name, field in sorted(query_type.fields.items()):
        if name in OWN_RULE or not isinstance(
            graphql.get_named_type(field.type), graphql.GraphQLUnionType
        ):
            continue
        texts = [
            a for a, arg in field.args.items() if graphql.get_named_type(arg.type).name == "String"
        ]
        for text in texts:
            arguments = {text: '"' + "区" * (MAX_QUERY_TEXT + 1) + '"'}
            for other, arg in field.args.items():
                required = graphql.is_non_null_type(arg.type)
                if other != text and required and arg.default_value is graphql.Undefined:
                    arguments[other] = _value(arg)
            literal = ", ".join(f"{k}: {v}" for k, v in arguments.items())
            document = (
                f"{{ {name}({literal}) {{ __typename ... on ValidationError {{ field }} }} }}"
            )
            answer: dict[str, Any] = api.gql(document)[name]
            if answer != {"__typename": "ValidationError", "field": text}:
                unbounded.append(f"{name}({text}): {answer}")
            checked += 1
    assert checked > 10
    assert unbounded == []
