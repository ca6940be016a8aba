"""No error message and no log line echoes a personal value the client sent."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.integration.conftest import Api

PHONE, ID_NUMBER, NAME = "13912345678", "11010519491231002X", "欧阳娜娜"
REGISTER = """mutation($input: RegisterPersonInput!) { registerPerson(input: $input) {
    __typename } }"""
NIL = "00000000-0000-0000-0000-000000000001"

# Each way a value reaches graphql-core's coercion and validation, which echo what they refuse.
REFUSED: list[tuple[str, str, dict[str, Any]]] = [
    ("a phone sent as a JSON number", REGISTER, {"input": {"name": NAME, "phone": int(PHONE)}}),
    (
        "a phone as a number literal",
        f"""mutation {{ registerPerson(input: {{name: "{NAME}", phone: {PHONE},
        reason: "登记"}}) {{ __typename }} }}""",
        {},
    ),
    (
        "an unknown field beside personal values",
        REGISTER,
        {"input": {"name": NAME, "phone": PHONE, "idNumbr": ID_NUMBER, "reason": "登记"}},
    ),
    ("a string where an object is due", REGISTER, {"input": f"{NAME} {PHONE} {ID_NUMBER}"}),
    (
        "a phone where an enum is due",
        """mutation($role: CommunityRole!, $p: ID!) { grantRole(input: {personId: $p,
        communityId: $p, role: $role, reason: "x"}) { __typename } }""",
        {"role": PHONE, "p": NIL},
    ),
    (
        "a phone where an Int is due",
        """query($first: Int!, $c: ID!) { persons(communityId: $c, first: $first) {
        __typename } }""",
        {"first": PHONE, "c": NIL},
    ),
    (
        "an ID number where an Int is due, as a literal",
        f"""query($c: ID!) {{ persons(communityId: $c, first: "{ID_NUMBER}") {{
        __typename }} }}""",
        {"c": NIL},
    ),
]


def logged(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(message)s")
    return "\n".join(formatter.format(record) for record in records)


@pytest.mark.parametrize(("case", "query", "variables"), REFUSED, ids=[c[0] for c in REFUSED])
def test_a_refused_value_is_neither_echoed_nor_logged(
    api: Api, caplog: pytest.LogCaptureFixture, case: str, query: str, variables: dict[str, Any]
) -> None:
    # Given every log record is captured, down to DEBUG
    caplog.set_level(logging.DEBUG)

    # When the client sends a personal value where the schema refuses it
    response = api.post(query, variables)

    # Then the error says what is wrong, where, without the value
    assert response.status_code == 200
    errors = response.json()["errors"]
    assert errors and all(error["message"] for error in errors), case
    assert "(value not shown)" in response.text
    for value in (PHONE, ID_NUMBER, NAME):
        assert value not in response.text, case
        # And no log line holds it either (the request's source line included)
        assert value not in logged(caplog.records), case
    # And the client's mistake is not logged as the platform's error
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], case


def test_the_refusal_still_names_the_field_and_the_expected_type(api: Api) -> None:
    response = api.post(REGISTER, {"input": {"name": NAME, "phone": int(PHONE)}})
    assert response.json()["errors"][0]["message"] == (
        "Variable '$input' has invalid value at .phone: "
        "String cannot represent a non string value: (value not shown)"
    )


def test_a_database_error_quoting_a_phone_is_logged_masked(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a statement that fails on a value holding a phone: PostgreSQL quotes the value it
    # refused, as it would in a projection's failure, which the projector logs with exception()
    with api.platform.engine.connect() as conn, pytest.raises(DBAPIError) as failure:
        conn.execute(text("SELECT CAST(:note AS integer)"), {"note": f"tel {PHONE}"})

    # When it is logged, as message and as traceback
    with caplog.at_level(logging.ERROR):
        try:
            raise failure.value
        except DBAPIError as error:
            logging.getLogger("gongzhi.projections.runner").exception(
                "projection failed: %s", error
            )

    # Then the line names the statement and the failure, and holds no phone in clear
    text_logged = logged(caplog.records)
    assert "SELECT CAST" in text_logged and "Traceback" in text_logged
    assert "139****5678" in text_logged
    assert PHONE not in text_logged
