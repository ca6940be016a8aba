"""The scope matrix, generated from the registered mutations: another tenant's ids are refused.

Two tenants: 幸福里 in 红塔区, served by 甲物业, and 和平苑 in 江川区, served by 乙物业, each with
one thing of every kind an input can name. For every mutation, every id field of its input and
every scoped role of the first tenant (its company's staff, its committee member, a resident, its
district's regulator), the mutation is called with the second tenant's thing in that field and
the first tenant's own things everywhere else (a regulator is not given a company-level thing:
every regulator may name every company). Every such call must be refused (Forbidden,
NotFound or ValidationError), record no event and show none of the second tenant's personal
data; and each id field must be refused *by name* for at least one role, which proves the field
itself is checked (not some other part of the input).

A mutation whose input names a kind for which the tenants hold no thing fails the test: add the
thing to ``build_tenant``. Queries the same way: every id argument of every query that
declares a kind is given the other tenant's thing; one that declares none (neither ``Ref``
nor ``Unchecked``, gongzhi/graphql/reading.py) fails the query matrix.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import graphql
from strawberry.utils.str_converters import to_camel_case

from gongzhi.application.fields import Kind, Ref
from gongzhi.graphql.commands import REGISTRATIONS
from gongzhi.graphql.reading import references_of, undeclared_ids
from gongzhi.graphql.schema import schema
from tests.integration.commands_walk import build_input, input_name, ref_fields
from tests.integration.conftest import Api
from tests.integration.tenants import Tenant

ANSWER = """__typename ... on NotFound { field } ... on ValidationError { field }"""


def _pick(tenant: Tenant, swapped: str, foreign: Tenant) -> Any:
    def pick(path: str, kinds: tuple[Kind, ...]) -> str | None:
        source = foreign if path == swapped else tenant
        return next((source.things[k] for k in kinds if k in source.things), None)

    return pick


def test_another_tenants_ids_are_refused_in_every_id_field(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, theirs = tenants
    missing: list[str] = []
    accepted: list[str] = []
    named: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for mutation, registration in sorted(REGISTRATIONS.items()):
        document = (
            f"mutation($input: {input_name(registration)}!) "
            f"{{ {mutation}(input: $input) {{ {ANSWER} }} }}"
        )
        for path, kinds in ref_fields(registration):
            if not any(k in theirs.things for k in kinds):
                missing.append(f"{mutation} {path}: no thing of {[k.value for k in kinds]}")
                continue
            for role, principal in mine.principals().items():
                if role == "regulator" and all(k in theirs.company_level for k in kinds):
                    continue  # not another tenant's: a company is every regulator's
                variables = {"input": build_input(registration, _pick(mine, path, theirs))}
                before = api.platform.app.recorder.max_notification_id()
                response = api.post(document, variables, as_=principal)
                body = response.json()
                answer = body.get("data", {}) and body["data"][mutation]
                where = f"{mutation} {path} as {role}"
                assert response.status_code == 200, (where, response.text)
                assert "errors" not in body, (where, body)
                assert api.platform.app.recorder.max_notification_id() == before, where
                for value in theirs.personal:
                    assert value not in response.text, (where, value)
                if answer["__typename"] not in {"Forbidden", "NotFound", "ValidationError"}:
                    accepted.append(f"{where}: {answer}")
                if answer.get("field") == path or answer["__typename"] == "Forbidden":
                    named[(mutation, path)].add(role)
    assert not missing, "kinds with no thing in the tenants:\n" + "\n".join(missing)
    assert not accepted, "another tenant's id was accepted:\n" + "\n".join(accepted)
    unnamed = [
        f"{m} {p}"
        for m, registration in REGISTRATIONS.items()
        for p, _ in ref_fields(registration)
        if not named[(m, p)]
    ]
    assert not unnamed, "fields never refused by name:\n" + "\n".join(unnamed)


def _query_value(arg: graphql.GraphQLArgument) -> Any:
    """A value for a required argument that is not an id (the id check comes first)."""
    named = graphql.get_named_type(arg.type)
    if isinstance(named, graphql.GraphQLEnumType):
        return next(iter(named.values))
    return {"Int": 10, "Boolean": False, "Date": "2026-01-01", "Fen": 1}.get(named.name, "2026")


def _selection(field: graphql.GraphQLField) -> str:
    named = graphql.get_named_type(field.type)
    if isinstance(named, graphql.GraphQLUnionType):
        return "{ __typename ... on NotFound { field } ... on ValidationError { field } }"
    return "{ __typename }" if isinstance(named, graphql.GraphQLObjectType) else ""


def query_references() -> dict[str, dict[str, Ref]]:
    """Every query's id arguments and the kinds they declare (by GraphQL names)."""
    declared = {}
    for field in schema.get_type_by_name("Query").fields:  # type: ignore[union-attr]
        resolver = field.base_resolver
        refs = references_of(resolver.wrapped_func) if resolver else {}
        declared[to_camel_case(field.python_name)] = {
            to_camel_case(name): ref for name, ref in refs.items()
        }
    return declared


def test_another_tenants_ids_are_refused_in_every_query_argument(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    # An id argument that declares no kind would never be swapped below: none may be missing
    assert undeclared_ids(schema) == [], "id arguments that declare no kind"
    mine, theirs = tenants
    query_type = schema._schema.query_type
    accepted: list[str] = []
    checked = 0
    for name, refs in sorted(query_references().items()):
        field = query_type.fields[name]
        for swapped, ref in refs.items():
            if ref.public or not any(k in theirs.things for k in ref.kinds):
                continue
            arguments = {}
            for arg_name, arg in field.args.items():
                if arg_name in refs:
                    source = theirs if arg_name == swapped else mine
                    kind = next((k for k in refs[arg_name].kinds if k in source.things), None)
                    if kind is not None:
                        arguments[arg_name] = source.things[kind]
                elif graphql.is_non_null_type(arg.type) and arg.default_value is graphql.Undefined:
                    arguments[arg_name] = _query_value(arg)
            literal = ", ".join(f"{k}: {_literal(v, field.args[k])}" for k, v in arguments.items())
            document = f"{{ {name}({literal}) {_selection(field)} }}"
            for role, principal in mine.principals().items():
                if role == "regulator" and all(k in theirs.company_level for k in ref.kinds):
                    continue
                response = api.post(document, None, as_=principal)
                where = f"{name}({swapped}) as {role}"
                assert response.status_code == 200, (where, response.text)
                for value in theirs.personal:
                    assert value not in response.text, (where, value)
                answer = response.json()["data"][name]
                refused = isinstance(answer, dict) and (
                    answer.get("__typename") == "Forbidden"
                    or (
                        answer.get("__typename") in {"NotFound", "ValidationError"}
                        and answer.get("field") == swapped
                    )
                )
                if not refused:
                    accepted.append(f"{where}: {answer}")
                checked += 1
    assert checked, "no query declares an id argument"
    assert not accepted, "another tenant's id was answered:\n" + "\n".join(accepted)


def _literal(value: Any, arg: graphql.GraphQLArgument) -> str:
    named = graphql.get_named_type(arg.type)
    if isinstance(named, graphql.GraphQLEnumType) or isinstance(value, int | bool):
        return str(value).lower() if isinstance(value, bool) else str(value)
    return f'"{value}"'
