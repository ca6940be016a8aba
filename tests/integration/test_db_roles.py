"""最小权限: the role the platform runs as appends events but cannot change or remove them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace

import psycopg
import pytest
from psycopg import errors, sql

from gongzhi.application.base import Meta
from gongzhi.application.companies import RegisterCompany
from gongzhi.application.owners import ErasePerson, RegisterPerson
from gongzhi.bootstrap import Platform, bootstrap
from gongzhi.cli_audit import RESEAL_REFUSED
from gongzhi.infra.audit_chain import verify_chain
from gongzhi.infra.db_roles import APPEND_ONLY, create_app_role
from gongzhi.infra.settings import PgParams, Settings
from tests.e2e.test_cli_import import gongzhi
from tests.integration.test_reseal import recorded_before_sealing
from tests.integration.test_serving_company import credit_code

META = Meta(actor="tester", reason="最小权限测试", actor_role="PLATFORM_ADMIN")
PASSWORD = "app-role-test-password"


@pytest.fixture
def app_role(platform: Platform) -> Iterator[PgParams]:
    """A role made the way ``gongzhi db-roles`` makes it, on the test's (migrated) database;
    roles are cluster-wide, so each test makes its own and drops it afterwards."""
    role = f"gongzhi_app_test_{uuid.uuid4().hex[:10]}"
    owner = platform.pg
    with psycopg.connect(owner.url(), autocommit=True) as conn:
        create_app_role(conn, role, PASSWORD, owner.dbname)
    try:
        yield replace(owner, user=role, password=PASSWORD)
    finally:
        with psycopg.connect(owner.url(), autocommit=True) as conn:
            # Its sessions end, then its privileges here, then the role itself.
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (role,),
            )
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_the_platform_role_cannot_update_or_delete_history_but_records_commands(
    platform: Platform, settings: Settings, app_role: PgParams
) -> None:
    # Given a log with events, recorded by the owner
    platform.app.register_company(META, RegisterCompany(name="安居物业", credit_code=CODE_1))

    # When the platform runs as its role (start-up included: no DDL is needed)
    as_role = bootstrap(replace(settings, database_url=app_role.url()))
    try:
        # Then the role makes a person's data key with the person, and destroys it on erasure
        person = as_role.app.register_person(META, RegisterPerson(name="张三", phone="13912345678"))
        as_role.app.erase_person(META, ErasePerson(person_id=person.id, requested_by_person=True))
        with psycopg.connect(app_role.url()) as conn:
            kept = conn.execute(
                "SELECT (SELECT count(*) FROM person_keys WHERE person_id = %s),"
                " (SELECT count(*) FROM erased_persons WHERE person_id = %s)",
                (person.id, person.id),
            ).fetchone()
        assert kept == (0, 1)  # the key is gone, the erasure is kept
        # And a normal command records its events, chained
        done = as_role.app.register_company(
            META, RegisterCompany(name="红塔物业", credit_code=CODE_2)
        )
        assert done.position == as_role.app.recorder.max_notification_id()

        with psycopg.connect(app_role.url(), autocommit=True) as conn:
            # And the role reads and writes the views as the projector must
            conn.execute("UPDATE projection_tracking SET position = position")
            # But any change to the history, its chain or its checkpoints is refused, even
            # after the role tries to grant itself the privilege (it owns nothing to grant)
            conn.execute("GRANT UPDATE, DELETE ON gongzhi_events, audit_chain TO CURRENT_USER")
            for statement in (
                "UPDATE gongzhi_events SET state = state",
                "DELETE FROM gongzhi_events",
                "TRUNCATE gongzhi_events",
                "UPDATE audit_chain SET hash = hash",
                "DELETE FROM audit_chain",
                "DELETE FROM audit_checkpoints",
                "UPDATE personal_data_access SET field = field",
                "DELETE FROM personal_data_access",
                "DELETE FROM erased_persons",  # an erasure cannot be taken back
                "ALTER TABLE gongzhi_events DISABLE TRIGGER ALL",
            ):
                with pytest.raises(errors.InsufficientPrivilege):
                    conn.execute(statement)
            assert verify_chain(conn).intact
            assert verify_chain(conn).events == done.position
    finally:
        as_role.close()


def test_every_append_only_table_exists(platform: Platform) -> None:
    # The role set-up revokes by name: a renamed table would silently keep its privileges.
    with psycopg.connect(platform.pg.url()) as conn:
        for table in APPEND_ONLY:
            row = conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()
            assert row is not None and row[0] is not None, table


CODE_1 = credit_code("91530000MA6K00001")
CODE_2 = credit_code("91530000MA6K00002")


def test_reseal_as_the_platform_role_is_refused_with_a_message_not_a_traceback(
    platform: Platform, settings: Settings, app_role: PgParams
) -> None:
    # Given a record written in clear, which a reseal would rewrite
    recorded_before_sealing(platform)

    # When an operator runs the reseal with the platform's append-only role
    refused = gongzhi(replace(settings, database_url=app_role.url()), "reseal")

    # Then it says why and what to do, with its own exit code, and rewrote nothing
    assert refused.returncode == RESEAL_REFUSED, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    assert f"the database role {app_role.user} may not UPDATE the event log" in refused.stdout
    assert "database's owner" in refused.stdout
    with psycopg.connect(platform.pg.url()) as conn:
        assert not verify_chain(conn).resealed
