"""Wiring in one place: settings → servers → event store → views → runner.

The CLI, the API, the worker and the tests all build the platform through here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from uuid import UUID

from sqlalchemy.engine import Engine

from gongzhi.application.app import Gongzhi
from gongzhi.application.base import Conflict
from gongzhi.domain.payment import PaymentChannel
from gongzhi.domain.values import mask_personal_text
from gongzhi.graphql.fees.notify import notify_url
from gongzhi.infra.audit_chain import ChainedRecorder
from gongzhi.infra.audit_keys import AuditKey
from gongzhi.infra.audit_seal import ChainBroken, make_checkpoint
from gongzhi.infra.database import ensure_database, sync_engine
from gongzhi.infra.db_roles import may_migrate
from gongzhi.infra.embedded import EmbeddedServers
from gongzhi.infra.eventstore import eventstore_env
from gongzhi.infra.log_masking import install_log_masking
from gongzhi.infra.payment_channels import channel_adapter
from gongzhi.infra.personal_data import create_tables, file_key_ring
from gongzhi.infra.settings import PgParams, Settings
from gongzhi.infra.statements import read_statement
from gongzhi.infra.tabular import read_table
from gongzhi.projections.metadata import migrate
from gongzhi.projections.reconciliation import booked_reader, refunds_reader
from gongzhi.projections.runner import ProjectionRunner
from gongzhi.projections.views import PROJECTION_NAME, VIEW_TABLES, ops_for

EMBEDDED_DB_NAME = "gongzhi"


def resolve_urls(settings: Settings, embedded: EmbeddedServers | None = None) -> Settings:
    """Fill in missing URLs with embedded servers (started on first need)."""
    from dataclasses import replace

    database_url, broker_url = settings.database_url, settings.broker_url
    if database_url is None or broker_url is None:
        servers = embedded or EmbeddedServers(settings.data_dir)
        if database_url is None:
            database_url = PgParams.from_url(servers.postgres_url()).url(EMBEDDED_DB_NAME)
        if broker_url is None:
            broker_url = servers.redis_url()
    return replace(settings, database_url=database_url, broker_url=broker_url)


@dataclass
class Platform:
    settings: Settings
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def pg(self) -> PgParams:
        assert self.settings.database_url, "resolve_urls() first"
        return PgParams.from_url(self.settings.database_url)

    @cached_property
    def app(self) -> Gongzhi:
        app = Gongzhi(
            env=eventstore_env(self.pg, self.settings.pool_size, self.settings.write_timeout)
        )
        self._closers.append(app.close)
        app.table_reader = read_table  # the roster import reads CSV and XLSX files with it
        app.statement_reader = read_statement  # 对账: a channel's statement file
        # … and the payments booked, once the fee view includes all recorded before
        app.booked_reader = booked_reader(
            lambda: self.engine, lambda: app.recorder.max_notification_id() or 0, PROJECTION_NAME
        )
        app.refunds_reader = refunds_reader(  # … and the refunds booked
            lambda: self.engine, lambda: app.recorder.max_notification_id() or 0, PROJECTION_NAME
        )
        if self.settings.payment_channel:  # checked by Settings.from_env
            app.online_channel = PaymentChannel(self.settings.payment_channel)
            app.channel_adapter = channel_adapter(
                self.settings.payment_channel, self.settings.payment_key_file
            )
            app.notify_url = notify_url(self.settings.public_base, self.settings.payment_channel)
        assert self.settings.master_key_file is not None, "Settings.from_env() sets it"
        app.sealing.sealer = file_key_ring(self.settings.master_key_file, app.recorder)
        wire_audit_seal(app, AuditKey(self.settings.audit_signing_key))
        return app

    @cached_property
    def engine(self) -> Engine:
        engine = sync_engine(self.pg, self.settings.pool_size)
        self._closers.append(engine.dispose)
        return engine

    def projection_runner(
        self, after_commit: Callable[[], None] | None = None, batch_size: int = 2000
    ) -> ProjectionRunner:
        return ProjectionRunner(
            name=PROJECTION_NAME,
            engine=self.engine,
            reader=self.app.recorder,
            mapper=self.app.log_mapper(),
            ops_for=ops_for,
            tables=VIEW_TABLES,
            listen_channel=events_channel(self.app),
            batch_size=batch_size,
            after_commit=after_commit,
        )

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()


def events_channel(app: Gongzhi) -> str:
    channel: str = getattr(app.recorder, "channel_name")  # noqa: B009 - postgres recorder only
    return channel


def wire_audit_seal(app: Gongzhi, key: AuditKey) -> None:
    """checkpointAudit signs with ``key``; a broken chain is a conflict, not a checkpoint."""
    recorder = app.recorder
    assert isinstance(recorder, ChainedRecorder)

    def seal(actor: str, reason: str) -> UUID:
        datastore = recorder.datastore
        with datastore.get_connection() as conn:
            try:
                stored = make_checkpoint(
                    conn, key, actor, reason, datastore.schema, recorder.events_table_name
                )
            except ChainBroken as error:
                msg = f"the event log fails verification at {error.broken}: nothing was sealed"
                raise Conflict(msg) from None
        assert stored is not None
        return stored.id

    app.audit_sealer = seal
    app.audit_public_key = key.public_key


def bootstrap(settings: Settings) -> Platform:
    """A platform on an existing (or new) database: event store and views created/migrated."""
    install_log_masking(mask_personal_text)  # every process of the platform starts here
    platform = Platform(settings)
    ensure_database(platform.pg)
    if may_migrate(platform.pg):  # else the owner did (gongzhi db-roles): no DDL as the app role
        migrate(platform.engine)
        create_tables(platform.engine)
    _ = platform.app  # creates the event store table
    return platform
