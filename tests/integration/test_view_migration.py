"""A database made by an older schema, upgraded: a view that gains a column is projected
again from the log on the first start, so its older rows show what the column holds without
a manual rebuild (issue 15: the fee ledger's actor and reason were empty on older rows)."""

from __future__ import annotations

from sqlalchemy import text

from gongzhi.projections.metadata import migrate
from tests.integration.conftest import Api
from tests.integration.tenants import Tenant

LEDGER = """query($c: ID!) { feeLedger(communityId: $c) { __typename
    ... on FeeLedgerConnection { entries { kind actor reason } } } }"""


def test_the_fee_ledger_of_an_older_schema_shows_actor_and_reason_after_the_upgrade(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, _ = tenants
    engine = api.platform.engine
    api.settle()
    # Given the fee ledger as the schema before issue 15 made it: no actor, no reason,
    # holding the rows of the tenant's payment
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE fee_ledger DROP COLUMN actor, DROP COLUMN reason"))
        before = conn.execute(text("SELECT count(*) FROM fee_ledger")).scalar_one()
    assert before > 0
    # When the platform starts on it (migrates), and its projector runs
    migrate(engine)
    api.settle()
    # Then every row is back, with who recorded it and why, from the events' metadata
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, reason FROM fee_ledger")).all()
    assert len(rows) == before
    assert set(rows) == {("matrix", "两个租户")}
    staff = mine.principals()["staff"]
    entries = api.gql(LEDGER, {"c": str(mine.community)}, as_=staff)["feeLedger"]["entries"]
    assert entries and all((e["actor"], e["reason"]) == ("matrix", "两个租户") for e in entries)
    # And a second start changes nothing more: no column is missing, nothing is emptied
    with engine.begin() as conn:
        conn.execute(text("UPDATE fee_ledger SET reason = '原样'"))
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT DISTINCT reason FROM fee_ledger")).scalars().all() == [
            "原样"
        ]
