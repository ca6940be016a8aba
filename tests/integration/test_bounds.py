"""Every input is bounded, and no single request can freeze anyone else's writes or views.

Generated from the registered mutations: for every bounded field of every input (texts,
numbers, amounts, lists, nested ones included), one step past its bound is refused with a
ValidationError naming that field and records nothing; every input at the very edge of all
its bounds gets an answer (data or a typed problem, never a server error); and afterwards the
views still follow the log (a rebuild gives the same rows) and an ordinary mutation answers
with its change visible.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from strawberry.utils.str_converters import to_camel_case

from gongzhi.application.fields import MAX_FEN, Items, Kind, Range, Ref, Text
from gongzhi.graphql.commands import REGISTRATIONS, FieldType, command_fields
from tests.integration.commands_walk import Edge, build_input, input_name, wide_or_ascii
from tests.integration.conftest import Api
from tests.integration.tenants import Tenant
from tests.integration.test_projection_runner import dump_views

ANSWER = "__typename ... on ValidationError { field message }"


def bounded_fields(cls: type, prefix: str = "input") -> Iterator[tuple[str, FieldType]]:
    """(path, type) of every bounded field; lists entered at their first item."""
    for field, kind in command_fields(cls):
        path = f"{prefix}.{to_camel_case(field.name)}"
        if kind.base is list:
            yield path, kind
            assert kind.item is not None
            if kind.item.mark(Text) or kind.item.mark(Range):
                yield f"{path}.0", kind.item
            elif dataclasses.is_dataclass(kind.item.base):
                yield from bounded_fields(kind.item.base, f"{path}.0")  # type: ignore[arg-type]
        elif kind.mark(Text) or kind.mark(Range):
            yield path, kind
        elif dataclasses.is_dataclass(kind.base):
            yield from bounded_fields(kind.base, path)  # type: ignore[arg-type]


def beyond(kind: FieldType) -> Any:
    """A value one step past the field's bound."""
    if kind.base is list:
        items: Items = kind.mark(Items)
        return items.max_items + 1
    text = kind.mark(Text)
    if text is not None:
        return wide_or_ascii(text.max_length + 1) * (text.max_length + 1)
    bounds: Range = kind.mark(Range)
    high = bounds.high + (Decimal(1) if isinstance(bounds.high, Decimal) else 1)
    return str(high) if bounds.places is not None or isinstance(high, Decimal) else int(high)


def with_value(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with the field at ``path`` (input.a.0.b) replaced by ``value``;
    for a list, ``value`` is how many copies of its first item it holds."""
    parts = path.split(".")[1:]
    root = {"input": data}
    copy: Any = _copy(root)
    node = copy["input"]
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(parts[-1]) if isinstance(node, list) else parts[-1]
    current = node[key] if isinstance(node, list) else node.get(key)
    if isinstance(value, int) and isinstance(current, list):  # a list: this many items
        node[key] = [current[0] if current else "条目"] * value
    else:
        node[key] = value
    result: dict[str, Any] = copy["input"]
    return result


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _own(tenant: Tenant) -> Any:
    def pick(_: str, kinds: tuple[Kind, ...]) -> str | None:
        return next((tenant.things[k] for k in kinds if k in tenant.things), None)

    return pick


def test_one_step_past_any_bound_is_refused_naming_the_field(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, _ = tenants
    wrong: list[str] = []
    for mutation, registration in sorted(REGISTRATIONS.items()):
        document = (
            f"mutation($input: {input_name(registration)}!) "
            f"{{ {mutation}(input: $input) {{ {ANSWER} }} }}"
        )
        typical = build_input(registration, _own(mine))
        for path, kind in bounded_fields(registration.command):
            if kind.base is list and kind.item is not None and kind.item.mark(Ref):
                continue  # a list of ids: past its size it is refused before any id is read
            variables = {"input": with_value(typical, path, beyond(kind))}
            before = api.platform.app.recorder.max_notification_id()
            body = api.post(document, variables).json()
            answer = (body.get("data") or {}).get(mutation) or body
            if (answer.get("__typename"), answer.get("field")) != ("ValidationError", path):
                wrong.append(f"{mutation} {path}: {answer}")
            assert api.platform.app.recorder.max_notification_id() == before, (mutation, path)
    assert not wrong, "not refused by name:\n" + "\n".join(wrong)


def test_the_edges_of_every_bound_are_answered_and_the_views_keep_following(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, _ = tenants
    failures = []
    for mutation, registration in sorted(REGISTRATIONS.items()):
        document = (
            f"mutation($input: {input_name(registration)}!) "
            f"{{ {mutation}(input: $input) {{ __typename }} }}"
        )
        variables = {"input": build_input(registration, _own(mine), Edge.HIGHEST)}
        response = api.post(document, variables)
        body = response.json()
        if response.status_code != 200 or "errors" in body:
            failures.append(f"{mutation}: {response.status_code} {body}")
    assert not failures, "\n".join(failures)
    # The views followed every event recorded with the largest values, and a rebuild agrees
    api.settle()
    incremental = dump_views(api.platform.engine)
    api.platform.projection_runner().rebuild()
    assert dump_views(api.platform.engine) == incremental


def test_a_huge_text_or_amount_does_not_freeze_the_next_change(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, _ = tenants
    # A 2,000,000-character reason and an amount of 2^63 fen, to any mutation
    rename = """mutation($input: RenameCommunityInput!) { renameCommunity(input: $input) {
        __typename ... on ValidationError { field message }
        ... on CommunityPayload { community { name } } } }"""
    huge = {"communityId": str(mine.community), "name": "新名", "reason": "理" * 2_000_000}
    # (6 MB of UTF-8: the body limit answers 413 before anything parses it)
    too_large = api.post(rename, {"input": huge})
    assert too_large.status_code == 413, too_large.text
    assert too_large.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    long = {**huge, "reason": "理" * 300_000}  # under the body limit, over the field's bound
    answer = api.gql(rename, {"input": long})["renameCommunity"]
    assert (answer["__typename"], answer["field"]) == ("ValidationError", "input.reason")
    money = [
        (mutation, path)
        for mutation, registration in REGISTRATIONS.items()
        for path, kind in bounded_fields(registration.command)
        if kind.mark(Range) is not None and kind.mark(Range).high == MAX_FEN
    ]
    for mutation, path in money:
        registration = REGISTRATIONS[mutation]
        document = (
            f"mutation($input: {input_name(registration)}!) "
            f"{{ {mutation}(input: $input) {{ {ANSWER} }} }}"
        )
        variables = {"input": with_value(build_input(registration, _own(mine)), path, 2**63)}
        answer = api.gql(document, variables)[mutation]
        assert (answer["__typename"], answer["field"]) == ("ValidationError", path)

    # Then an ordinary change answers, with its change visible, without waiting on anything
    answered: list[Any] = []
    ordinary = threading.Thread(
        target=lambda: answered.append(
            api.gql(rename, {"input": {**huge, "reason": "更名", "name": "更名后"}})
        )
    )
    ordinary.start()
    ordinary.join(timeout=30)
    assert answered, "an ordinary mutation did not answer within 30 s"
    assert answered[0]["renameCommunity"]["community"]["name"] == "更名后"
