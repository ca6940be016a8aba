"""个人信息 in a record's free text (issue 12 §1, second pass): a write-off's approver is sealed
under its fee account's own key and read back in the ledger, the statement and the history;
``eraseRecordText`` destroys a record's own key, so its texts read 已删除 everywhere while its
figures stay, records who asked, shows in the record's history, and keeps later text of the
record from being stored in clear or under a new key."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from sqlalchemy import text

from gongzhi.application.base import Meta
from gongzhi.application.committees import FormPreparatoryGroup
from gongzhi.application.communities import RegisterCommunity
from gongzhi.domain.fee_account import account_id
from gongzhi.domain.person import ERASED_NAME
from gongzhi.projections.metadata import migrate
from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import (
    billed_estate,
    mutate,
    statement,
)
from tests.integration.test_personal_data import clear_values_found

APPROVER, GROUP = "闻人经理", "筹备组员赫连春水"
LEDGER = """query($c: ID!) { feeLedger(communityId: $c) { ... on FeeLedgerConnection {
    entries { kind amountFen approvedBy } } } }"""
HISTORY = """query($id: ID!) { history(id: $id) { ... on HistoryConnection { entries {
    eventType actor data } } } }"""
ERASE = """mutation($input: EraseRecordTextInput!) { eraseRecordText(input: $input) {
    __typename ... on RecordTextErasedPayload { recordId }
    ... on Conflict { message } ... on Forbidden { message } ... on NotFound { field } } }"""


def written_off(api: Api) -> tuple[Any, str, str]:
    """A bill of 101 written off by 500 fen, approved by 闻人经理."""
    e = billed_estate(api)
    bill = statement(api, e.units["101"])["bills"][0]["id"]
    done = mutate(
        api,
        "writeOffBill",
        "WriteOffBillInput",
        {"billId": bill, "amountFen": 500, "approvedBy": APPROVER},
        e.staff,
    )
    assert done["statement"]["bills"][0]["writtenOffFen"] == 500, done
    api.platform.projection_runner().catch_up()
    return e, bill, str(account_id(UUID(e.units["101"])))


def formed_group(api: Api, committee: UUID) -> Any:
    trail = api.gql(HISTORY, {"id": str(committee)})["history"]["entries"]
    return next(x["data"]["group_members"] for x in trail if x["eventType"] == "Formed")


def approvers(api: Api, e: Any) -> dict[str, Any]:
    ledger = api.gql(LEDGER, {"c": e.community})["feeLedger"]["entries"]
    account_trail = api.gql(HISTORY, {"id": str(account_id(UUID(e.units["101"])))})["history"]
    return {
        "ledger": [x["approvedBy"] for x in ledger if x["kind"] == "WRITE_OFF"],
        "statement": [
            x["approvedBy"]
            for x in statement(api, e.units["101"])["entries"]
            if x["approvedBy"] is not None
        ],
        "history": [
            x["data"]["approved_by"]
            for x in account_trail["entries"]
            if x["eventType"] == "WrittenOff"
        ],
        "written off": statement(api, e.units["101"])["bills"][0]["writtenOffFen"],
    }


def test_a_write_offs_approver_is_sealed_and_erased_with_its_accounts_text(api: Api) -> None:
    # Given a write-off approved by 闻人经理
    e, _, account = written_off(api)

    # Then the approver is nowhere in clear, and reads as given in the ledger, the
    # statement and the account's history
    assert clear_values_found(api.platform, {APPROVER}) == []
    assert approvers(api, e) == {
        "ledger": [APPROVER],
        "statement": [APPROVER],
        "history": [APPROVER],
        "written off": 500,
    }

    # When a company's staff tries to erase the account's text, it is refused
    refused = api.gql(
        ERASE,
        {"input": {"recordId": account, "requestedBySubject": True, "reason": "本人申请删除"}},
        as_=e.staff,
    )["eraseRecordText"]
    assert refused["__typename"] == "Forbidden", refused

    # When the platform admin erases it, at the approver's request
    erased = api.gql(
        ERASE,
        {"input": {"recordId": account, "requestedBySubject": True, "reason": "本人申请删除"}},
    )["eraseRecordText"]
    assert erased == {"__typename": "RecordTextErasedPayload", "recordId": account}

    # Then the approver reads as erased everywhere, the amount written off stays
    assert approvers(api, e) == {
        "ledger": [ERASED_NAME],
        "statement": [ERASED_NAME],
        "history": [ERASED_NAME],
        "written off": 500,
    }
    # and the erasure is in the account's history: who, why, at whose request
    trail = api.gql(HISTORY, {"id": account})["history"]["entries"]
    erasure = [x for x in trail if x["eventType"] == "Erased"]
    assert len(erasure) == 1 and erasure[0]["actor"] == "admin-1"
    assert erasure[0]["data"]["requested_by_subject"] is True
    # and a projection rebuild gives the same
    api.platform.projection_runner().rebuild()
    assert approvers(api, e)["ledger"] == [ERASED_NAME]
    # and erasing again is refused as a repeat
    again = api.gql(
        ERASE, {"input": {"recordId": account, "requestedBySubject": False, "reason": "再次"}}
    )["eraseRecordText"]
    assert again["__typename"] == "Conflict", again


def test_a_committees_group_reads_erased_and_is_never_sealed_anew(
    api: Api,
) -> None:
    # Given a committee in preparation, its 筹备组 named in free text, and a snapshot of it
    app = api.platform.app
    meta = Meta(actor="admin-1", reason="测试", actor_role="PLATFORM_ADMIN")
    community = app.register_community(
        meta, RegisterCommunity(name="春水园", district="红塔区", street="玉兴街道")
    ).id
    committee = app.form_preparatory_group(
        meta, FormPreparatoryGroup(community_id=community, group_members=[GROUP])
    ).id
    app.take_snapshot(committee)
    api.platform.projection_runner().catch_up()
    assert formed_group(api, committee) == [GROUP]

    # When its text is erased
    erased = api.gql(
        ERASE,
        {
            "input": {
                "recordId": str(committee),
                "requestedBySubject": False,
                "reason": "筹备组成员申请删除",
            }
        },
    )["eraseRecordText"]
    assert erased["__typename"] == "RecordTextErasedPayload", erased

    # Then the group reads as erased in the history, the events and the snapshot
    assert formed_group(api, committee) == [ERASED_NAME]
    assert app.sealing.to_domain_event(app.recorder.select_events(committee)[0]).group_members == [
        ERASED_NAME
    ]
    assert app.snapshots is not None
    snapshot = next(iter(app.snapshots.get(committee, desc=True, limit=1)))
    assert snapshot.mutate(None).group_members == [ERASED_NAME]
    # and a later save of the record makes it no new key (its old text would otherwise fail
    # to open), and a snapshot taken again holds the text as erased
    assert app.sealing.sealer is not None
    assert app.sealing.sealer.prepare({}, {}, (), [committee]) is None
    with app.recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute("DELETE FROM gongzhi_snapshots WHERE originator_id = %s", (committee,))
    app.take_snapshot(committee)
    snapshot = next(iter(app.snapshots.get(committee, desc=True, limit=1)))
    assert snapshot.mutate(None).group_members == [ERASED_NAME]
    with app.recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute("SELECT count(*) AS n FROM record_keys WHERE record_id = %s", (committee,))
        assert cursor.fetchone()["n"] == 0
    # and nothing of it is stored in clear
    assert clear_values_found(api.platform, {GROUP}) == []
    assert (
        json.dumps(api.gql(HISTORY, {"id": str(committee)}), ensure_ascii=False).count("Erased")
        == 1
    )


def test_an_older_schemas_approver_column_is_widened_for_the_sealed_value(api: Api) -> None:
    # Given the ledger's approver column as an older schema made it (60 characters)
    engine = api.platform.engine
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE fee_ledger ALTER COLUMN approved_by TYPE varchar(60)"))

    # When the platform starts (migrates)
    migrate(engine)

    # Then the column holds text of any length: a sealed approver fits
    with engine.connect() as conn:
        kind = conn.execute(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'fee_ledger' AND column_name = 'approved_by'"
            )
        ).scalar()
    assert kind == "text"
