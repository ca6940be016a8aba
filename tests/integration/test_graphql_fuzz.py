"""Any well-formed operation the schema allows, with any values, gets an answer: data, a
typed problem or a GraphQL error naming what is wrong — never a 500 and never the masked
"Unexpected error." of an exception nobody expected.

Operations are generated from the exported schema (``hypothesis-graphql``), with values of
our custom scalars drawn both well-formed and not, and sent over HTTP as a platform admin (who
may call every mutation, so the requests reach the services rather than stopping at access
checks) and as a resident and a regulator (whose scopes filter and refuse).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from graphql import StringValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import ADMIN, Api

SCHEMA = (Path(__file__).parents[2] / "schema.graphql").read_text(encoding="utf-8")
EXAMPLES = int(os.environ.get("GONGZHI_FUZZ_EXAMPLES", "100"))
PRINCIPALS = {
    "admin": ADMIN,
    "resident": Principal(subject="owner", role=Role.RESIDENT, unit_ids=(uuid.uuid4(),)),
    "regulator": Principal(subject="reg", role=Role.REGULATOR, districts=("红塔区",)),
}


def _strings(*valid: st.SearchStrategy[str]) -> st.SearchStrategy[StringValueNode]:
    return st.one_of(*valid, st.text(max_size=12)).map(nodes.String)


CUSTOM_SCALARS: dict[str, Any] = {
    "Date": _strings(st.dates().map(str)),
    "DateTime": _strings(st.datetimes().map(lambda d: d.isoformat() + "+08:00")),
    "Decimal": _strings(st.decimals(allow_nan=False, allow_infinity=False).map(str)),
    "Fen": st.integers(min_value=-(2**40), max_value=2**40).map(nodes.Int),
    "JSON": _strings(st.just("{}")),
}


def _answered(api: Api, operation: str, principal: Principal) -> None:
    response = api.post(operation, None, as_=principal)
    assert response.status_code == 200, (operation, response.status_code, response.text)
    body = response.json()
    unexpected = [e for e in body.get("errors", []) if e.get("message") == "Unexpected error."]
    assert not unexpected, (operation, body)


@pytest.mark.parametrize("who", list(PRINCIPALS))
@pytest.mark.parametrize("kind", ["query", "mutation"])
def test_any_operation_the_schema_allows_is_answered_without_a_server_error(
    api: Api, kind: str, who: str
) -> None:
    strategy = (queries if kind == "query" else mutations)(SCHEMA, custom_scalars=CUSTOM_SCALARS)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(strategy)
    def answered(operation: str) -> None:
        _answered(api, operation, PRINCIPALS[who])

    answered()
