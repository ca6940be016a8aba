"""Any well-formed operation the schema allows, with any values, gets an answer: data, a
typed problem or a GraphQL error naming what is wrong — never a 500 and never the masked
"Unexpected error." of an exception nobody expected.

Operations are generated from the exported schema (``hypothesis-graphql``) and sent over HTTP
as a platform admin (who may call every mutation, so the requests reach the services rather
than stopping at access checks), a resident and a regulator (whose scopes filter and refuse).

The database holds a small demo district first. Values are drawn near the demo's own — dates
of these years, sums of a few thousand 元, text as people type it — with some far off and some
malformed; an argument or input field named ``…Id`` mostly gets an id of its kind that the
demo's events carry (a ``communityId`` a community, a ``billId`` a bill), so operations reach
the rules of real records, not only "not found".
"""

from __future__ import annotations

import os
import re
import uuid
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import graphql
import pytest
from graphql import StringValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries
from strawberry.utils.str_converters import to_snake_case

from gongzhi.application.fields import MAX_FEN
from gongzhi.demo import load_demo
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import ADMIN, Api
from tests.integration.test_projection_runner import dump_views

SCHEMA = (Path(__file__).parents[2] / "schema.graphql").read_text(encoding="utf-8")
EXAMPLES = int(os.environ.get("GONGZHI_FUZZ_EXAMPLES", "300"))
# Text as people type it; NUL characters are refused before anything runs
# (test_graphql_bad_input), so they are left out to let operations go further.
TYPED = st.characters(blacklist_categories=("Cs", "Cc"))
ANY = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
Ids = dict[str, list[str]]


# The edges of the declared bounds (gongzhi/application/fields.py): the longest text a field
# allows and one longer, the largest amount and one larger.
EDGE_TEXTS = st.sampled_from([50, 51, 200, 201, 500, 501, 2000, 2001, 5000, 5001]).map(
    lambda n: "长" * n
)
EDGE_FEN = st.sampled_from([MAX_FEN, MAX_FEN + 1, 2**63])


def _strings(*valid: st.SearchStrategy[str]) -> st.SearchStrategy[StringValueNode]:
    """Mostly well-formed text, now and then not: one bad value fails the whole operation."""
    return st.one_of(*valid * 9, st.text(ANY, max_size=12)).map(nodes.String)


def _scalars(every_id: list[str]) -> dict[str, Any]:
    near = {"min_value": date(2022, 1, 1), "max_value": date(2028, 12, 31)}
    return {
        "String": _strings(st.text(TYPED, min_size=1, max_size=24), EDGE_TEXTS),
        "ID": _strings(st.sampled_from(every_id), st.uuids().map(str)),
        "Date": _strings(st.dates(**near).map(str), st.dates().map(str)),
        "DateTime": _strings(
            st.datetimes(datetime(2022, 1, 1), datetime(2028, 12, 31)).map(_in_shanghai),
            st.datetimes().map(_in_shanghai),
        ),
        "Decimal": _strings(
            st.decimals(min_value=0, max_value=500, places=2).map(str),
            st.decimals(allow_nan=False, allow_infinity=False).map(str),
        ),
        "Fen": st.one_of(
            st.integers(min_value=0, max_value=10_000_000),
            st.integers(min_value=-(2**40), max_value=2**40),
            EDGE_FEN,
        ).map(nodes.Int),
        "JSON": _strings(st.just("{}")),
    }


def _in_shanghai(moment: datetime) -> str:
    return moment.isoformat() + "+08:00"


def _ids_carried_by_events(api: Api) -> Ids:
    """The UUIDs the stored events carry, by kind: each aggregate under its class name (and
    that name's last word: ``property_company`` and ``company``), each ``…_id`` attribute of
    an event under its name (``unit_id`` → ``unit``)."""
    app = api.platform.app
    found: defaultdict[str, set[str]] = defaultdict(set)
    for stored in app.recorder.select_notifications(start=1, limit=1_000_000):
        event = app.mapper.to_domain_event(stored)
        kind = to_snake_case(type(event).__qualname__.split(".")[0])
        found[kind].add(str(event.originator_id))
        found[kind.rsplit("_", 1)[-1]].add(str(event.originator_id))
        for name, value in vars(event).items():
            values = value if isinstance(value, list | tuple) else [value]
            held = [str(v) for v in values if isinstance(v, uuid.UUID)]
            if held and re.fullmatch(r"\w+_ids?", name):
                found[name.rsplit("_", 1)[0]].update(held)
    return {kind: sorted(ids) for kind, ids in found.items()}


def _kind_of(field: str, ids: Ids) -> list[str] | None:
    """The ids a field named ``lateFeeBillId`` wants: late_fee_bill, else fee_bill, else bill."""
    words = to_snake_case(re.sub(r"Ids?$", "", field)).split("_")
    for start in range(len(words)):
        kind = "_".join(words[start:])
        if kind in ids:
            return ids[kind]
    return None


class _RealIds(graphql.Visitor):
    """Gives ``…Id`` arguments and input fields, mostly, an id of their kind."""

    def __init__(self, draw: st.DataObject, ids: Ids) -> None:
        super().__init__()
        self.draw = draw
        self.ids = ids

    def _replaced(self, node: Any, *_: Any) -> Any:
        kind = _kind_of(node.name.value, self.ids)
        if kind is None or not isinstance(node.value, StringValueNode | graphql.ListValueNode):
            return None
        if not self.draw.draw(st.integers(0, 3), label="keep the drawn value"):
            return None
        pick = st.sampled_from(kind).map(nodes.String)
        if isinstance(node.value, StringValueNode):
            value: Any = self.draw.draw(pick, label=node.name.value)
        else:
            value = graphql.ListValueNode(values=tuple(self.draw.draw(st.lists(pick, max_size=3))))
        return type(node)(name=node.name, value=value)

    enter_argument = enter_object_field = _replaced


def _principals(api: Api, community_id: uuid.UUID) -> list[Principal]:
    community = api.platform.app.community(community_id)
    entrances = [e for b in community.buildings.values() for e in b.entrances.values()]
    units = tuple(unit for e in entrances for unit in e.units)
    return [
        ADMIN,
        Principal(subject="owner", role=Role.RESIDENT, unit_ids=units[:2]),
        Principal(subject="reg", role=Role.REGULATOR, districts=(community.district,)),
    ]


def _answered(api: Api, operation: str, principal: Principal) -> None:
    response = api.post(operation, None, as_=principal)
    if response.status_code == 413:  # a document of many long texts, past the body limit
        assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
        assert len(response.request.content) > api.settings.limits.max_body_bytes
        return
    assert response.status_code == 200, (operation, response.status_code, response.text)
    body = response.json()
    unexpected = [e for e in body.get("errors", []) if e.get("message") == "Unexpected error."]
    assert not unexpected, (operation, principal.role, body)


@pytest.mark.parametrize("kind", ["query", "mutation"])
def test_any_operation_the_schema_allows_is_answered_without_a_server_error(
    api: Api, kind: str
) -> None:
    demo = load_demo(api.platform.app, communities=3, seed=11)
    ids = _ids_carried_by_events(api)
    scalars = _scalars(sorted({i for kind_ids in ids.values() for i in kind_ids}))
    operations = queries if kind == "query" else mutations
    documents = operations(SCHEMA, custom_scalars=scalars, print_ast=lambda document: document)
    principals = st.sampled_from(_principals(api, demo.communities[0]))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(documents, principals, st.data())
    def answered(document: graphql.DocumentNode, principal: Principal, draw: st.DataObject) -> None:
        operation = graphql.print_ast(graphql.visit(document, _RealIds(draw, ids)))
        _answered(api, operation, principal)

    answered()
    if kind == "mutation":
        # The views followed every event those mutations recorded, extremes included
        api.settle()
        incremental = dump_views(api.platform.engine)
        api.platform.projection_runner().rebuild()
        assert dump_views(api.platform.engine) == incremental
