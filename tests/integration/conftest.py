"""An in-process API (real PostgreSQL, real projector thread) driven through Starlette's client."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from gongzhi.bootstrap import Platform
from gongzhi.graphql.app import create_app
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.settings import Settings
from gongzhi.projections.runner import wait_for_position
from gongzhi.projections.views import PROJECTION_NAME

ADMIN = Principal(subject="admin-1", name="平台管理员", role=Role.PLATFORM_ADMIN)


@dataclass
class Api:
    client: TestClient
    settings: Settings
    platform: Platform

    def token(self, principal: Principal = ADMIN) -> str:
        return issue_token(self.settings.jwt_secret, principal)

    def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: Principal | None = ADMIN,
        token: str | None = None,
    ) -> Any:
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        elif as_ is not None:
            headers["Authorization"] = f"Bearer {self.token(as_)}"
        return self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    def settle(self) -> None:
        """Wait until the views include every event recorded so far (for records made
        in process, which have no read-your-writes wait of their own)."""
        last = self.platform.app.recorder.max_notification_id() or 0
        assert wait_for_position(self.platform.engine, PROJECTION_NAME, last, timeout=30)

    def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: Principal = ADMIN
    ) -> dict[str, Any]:
        """The ``data`` of a request that must not fail at the GraphQL level."""
        response = self.post(query, variables, as_=as_)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture
def api(platform: Platform, settings: Settings) -> Iterator[Api]:
    stop = threading.Event()
    projector = threading.Thread(
        target=platform.projection_runner().run, args=(stop,), kwargs={"poll_interval": 0.2}
    )
    projector.start()
    try:
        with TestClient(create_app(settings, platform.app)) as client:
            yield Api(client, settings, platform)
    finally:
        stop.set()
        projector.join()


# Two tenants with one thing of every kind (the scope matrix and the bounds tests).
from tests.integration.tenants import tenants  # noqa: E402, F401
