"""The API as production serves it: no GraphiQL, no introspection, and committee members'
and residents' tokens must name their person."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from uuid import uuid4

import pytest
from starlette.testclient import TestClient

from gongzhi.bootstrap import Platform
from gongzhi.graphql.app import create_app
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.settings import Settings
from tests.integration.conftest import ADMIN

INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest.fixture
def production(platform: Platform, settings: Settings) -> Iterator[tuple[TestClient, Settings]]:
    served = dataclasses.replace(settings, environment="production")
    with TestClient(create_app(served, platform.app)) as client:
        yield client, served


def bearer(settings: Settings, principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings.jwt_secret, principal)}"}


def test_production_serves_no_graphiql_and_no_introspection(
    production: tuple[TestClient, Settings],
) -> None:
    client, settings = production
    # No GraphiQL page: a GET without a token is refused like any request
    page = client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 401 and "graphiql" not in page.text.lower()
    # Nor its assets
    assert client.get("/ide/graphiql.min.js").status_code == 404

    # Introspection is refused, even to the platform admin; ordinary queries answer
    answer = client.post("/graphql", json={"query": INTROSPECTION}, headers=bearer(settings, ADMIN))
    body = answer.json()
    assert body.get("data") is None
    assert "introspection" in body["errors"][0]["message"].lower()
    plain = client.post(
        "/graphql", json={"query": "{ __typename }"}, headers=bearer(settings, ADMIN)
    )
    assert plain.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("environment", ["production", "development"])
@pytest.mark.parametrize(
    "unnamed",
    [
        Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=uuid4()),
        Principal(subject="yz", role=Role.RESIDENT, unit_ids=(uuid4(),)),
    ],
)
def test_personal_tokens_that_name_no_person_are_refused_outside_the_test_suite(
    platform: Platform, settings: Settings, environment: str, unnamed: Principal
) -> None:
    # Given the API as production and development serve it
    served = dataclasses.replace(settings, environment=environment)
    with TestClient(create_app(served, platform.app)) as client:
        # When a committee member's or resident's token names no person: 401
        refused = client.post(
            "/graphql", json={"query": "{ __typename }"}, headers=bearer(served, unnamed)
        )
        assert refused.status_code == 401
        message = refused.json()["errors"][0]["message"]
        assert message == "this token must name its person (person_id)"
        # And the same token naming its person opens
        named = dataclasses.replace(unnamed, person_id=uuid4())
        answer = client.post(
            "/graphql", json={"query": "{ __typename }"}, headers=bearer(served, named)
        )
        assert answer.status_code == 200


def test_development_still_answers_introspection(platform: Platform, settings: Settings) -> None:
    # The same schema object, served in development: GraphiQL and the IDE's introspection
    with TestClient(create_app(settings, platform.app)) as client:
        answer = client.post(
            "/graphql", json={"query": INTROSPECTION}, headers=bearer(settings, ADMIN)
        )
        assert answer.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
