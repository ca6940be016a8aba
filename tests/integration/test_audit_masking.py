"""The audit trail masks phones and 身份证号 wherever they are: in any key, inside free text,
in the reason; what only looks like digits (ids, amounts, dates) stays as it is."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import text

from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_decisions import ballot, entrance_with_owners

MOBILE, MOBILE_MASKED = "13912345678", "139****5678"
LANDLINE, LANDLINE_MASKED = "0871-65123456", "087******3456"
ID_NUMBER, ID_MASKED = "11010519491231002X", "1****************X"
HISTORY = """query($id: ID!) { history(id: $id) { __typename ... on HistoryConnection {
    entries { eventType actor reason data } } } }"""


def stored_history(api: Api) -> str:
    """Every stored row of the trail, as the database holds it."""
    with api.platform.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT actor, reason, data::text FROM event_history ORDER BY position")
        ).all()
    return json.dumps([list(row) for row in rows], ensure_ascii=False)


def test_personal_data_in_free_text_is_masked_in_the_stored_trail_and_in_history(
    api: Api,
) -> None:
    # Given an open vote whose description, reason and a proxy's authorisation hold a
    # mobile number, a landline and an ID number
    community_id, entrance, units, people = entrance_with_owners(api, floors=2)
    now = datetime.now(UTC)
    proposed = api.gql(
        """mutation($input: ProposeDecisionInput!) { proposeDecision(input: $input) {
        ... on DecisionPayload { decision { id } } } }""",
        {
            "input": {
                "communityId": community_id,
                "scope": "ENTRANCE",
                "scopeId": entrance,
                "matter": "ELEVATOR_ADDITION",
                "title": "1单元加装电梯",
                "description": f"咨询: 王工 {MOBILE}，物业座机 {LANDLINE}",
                "opensAt": (now - timedelta(hours=1)).isoformat(),
                "closesAt": (now + timedelta(days=7)).isoformat(),
                "reason": f"业主李四（身份证 {ID_NUMBER}，电话 {MOBILE}）联名申请",
            }
        },
    )["proposeDecision"]
    decision = proposed["decision"]["id"]
    committee = Principal(
        subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id)
    )
    cast = ballot(
        api,
        decision,
        units[1],
        people[0],
        "APPROVE",
        committee,
        proxy=f"委托书: 受托人身份证{ID_NUMBER}, 手机+86 {MOBILE}",
    )
    assert cast["__typename"] == "DecisionPayload", cast

    # Then the stored trail holds none of them in clear, nor does the ballots view (which
    # copies the proxy authorisation sealed under the ballot's own key)
    with api.platform.engine.connect() as conn:
        proxies = conn.execute(text("SELECT proxy_authorisation FROM ballots")).scalars().all()
    assert len(proxies) == 1 and proxies[0].startswith("pd1:")
    stored = stored_history(api)
    for value in (MOBILE, LANDLINE, ID_NUMBER, "65123456"):
        assert value not in stored

    # And the committee's history shows them masked, the rest of the text intact
    entries = api.gql(HISTORY, {"id": decision}, as_=committee)["history"]["entries"]
    proposal, vote = entries
    assert (
        proposal["data"]["description"] == f"咨询: 王工 {MOBILE_MASKED}，物业座机 {LANDLINE_MASKED}"
    )
    assert proposal["reason"] == f"业主李四（身份证 {ID_MASKED}，电话 {MOBILE_MASKED}）联名申请"
    assert vote["data"]["proxy_authorisation"] == (
        f"委托书: 受托人身份证{ID_MASKED}, 手机+86 {MOBILE_MASKED}"
    )
    # And ids, dates and numbers that merely contain such digits are not touched
    assert proposal["data"]["community_id"] == community_id
    assert proposal["data"]["scope_id"] == entrance
    assert proposal["data"]["opens_at"].startswith(str((now - timedelta(hours=1)).date()))
    assert vote["data"]["cast_by"] == str(people[0])


def test_a_row_stored_under_an_older_rule_is_masked_when_read(api: Api) -> None:
    # Given a trail row stored in clear before free text was masked (as in an old database):
    # a note with a phone, a number that is an amount, and an id that contains phone digits
    community_id, _, _, _ = entrance_with_owners(api, floors=1)
    lookalike = "3f2a1390-1234-4abc-9139-139123456781"
    with api.platform.engine.begin() as conn:
        conn.execute(
            text(
                """INSERT INTO event_history (position, aggregate_id, aggregate_type, version,
                event_type, occurred_at, actor, reason, actor_role, data, community_id)
                VALUES (900000000, :id, 'Community', 1000, 'NoteAdded', now(), :actor,
                        :reason, 'COMMITTEE_MEMBER', CAST(:data AS jsonb), :id)"""
            ),
            {
                "id": community_id,
                "actor": MOBILE,
                "reason": f"业主来电 {MOBILE}",
                "data": json.dumps(
                    {
                        "note": f"住户身份证 {ID_NUMBER}",
                        "attendees": [f"张三 {MOBILE}", "李四"],
                        "phone": "12345",
                        "total_fen": 13912345678,
                        "ref": lookalike,
                        "when": "2024-01-31",
                    }
                ),
            },
        )

    # When the committee reads the community's history
    committee = Principal(
        subject="ywh-2", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id)
    )
    entries = api.gql(HISTORY, {"id": community_id}, as_=committee)["history"]["entries"]
    note = next(e for e in entries if e["eventType"] == "NoteAdded")

    # Then the personal values are masked by today's rule, and nothing else changed
    assert note["actor"] == MOBILE_MASKED
    assert note["reason"] == f"业主来电 {MOBILE_MASKED}"
    assert note["data"] == {
        "note": f"住户身份证 {ID_MASKED}",
        "attendees": [f"张三 {MOBILE_MASKED}", "李四"],
        "phone": "*****",
        "total_fen": 13912345678,
        "ref": lookalike,
        "when": "2024-01-31",
    }
