"""Settings read once from the environment (``GONGZHI_*``).

Where a URL is not configured the platform starts embedded servers (see
``gongzhi.infra.embedded``); the rest of the code sees only URLs either way.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from gongzhi.infra.audit_keys import KEY_ENV as AUDIT_KEY_ENV
from gongzhi.infra.audit_keys import KEY_FILE_ENV as AUDIT_KEY_FILE_ENV
from gongzhi.infra.audit_keys import signing_key_pem
from gongzhi.infra.limits import Limits

MIN_SECRET_BYTES = 32
MIN_POOL_SIZE = 2


@dataclass(frozen=True)
class PgParams:
    """The parts of a PostgreSQL URL; ``host`` may be a socket directory."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_url(cls, url: str) -> PgParams:
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        host = query.get("host", [parsed.hostname or "127.0.0.1"])[0]
        return cls(
            host=unquote(host),
            port=parsed.port or int(query.get("port", ["5432"])[0]),
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
            dbname=(parsed.path or "/postgres").lstrip("/") or "postgres",
        )

    def url(self, dbname: str | None = None) -> str:
        """A libpq URL; a socket directory goes into the query string."""
        auth = self.user + (f":{self.password}" if self.password else "")
        name = dbname or self.dbname
        if self.host.startswith("/"):
            return f"postgresql://{auth}@/{name}?host={self.host}&port={self.port}"
        return f"postgresql://{auth}@{self.host}:{self.port}/{name}"

    def with_db(self, dbname: str) -> PgParams:
        return replace(self, dbname=dbname)


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    broker_url: str | None
    broker_namespace: str
    data_dir: Path
    jwt_secret: str
    environment: str
    http_host: str
    http_port: int
    read_your_writes_timeout: float
    pool_size: int
    # A worker silent this long counts as dead and its unacknowledged jobs are requeued, on
    # a fetch that runs broker maintenance (chance in a million per fetch); tests shorten both.
    broker_heartbeat_timeout_ms: int = 60_000
    broker_maintenance_chance: int = 1_000
    # No save waits for the event table's write lock, or holds it, longer than this many
    # (whole) seconds: a stuck or runaway writer becomes an error instead of stopping every
    # other writer. The largest ordinary save (a roster of 10,000 units, 20,000 events) takes
    # about a second.
    write_timeout: int = 5
    # The Ed25519 key (PEM) that signs the audit checkpoints (gongzhi/infra/audit_seal.py).
    audit_signing_key: str = ""
    # The master key that wraps every person's data key (infra/personal_data.py).
    master_key_file: Path | None = None
    # Request bodies and mutation rate (gongzhi.infra.limits).
    limits: Limits = field(default_factory=Limits)
    # /readyz answers 503 when the views are further behind the event log than this
    # (events, or seconds since they last advanced while events wait).
    ready_max_lag_events: int = 10_000
    ready_max_lag_seconds: float = 60.0
    # When set, /metrics asks for `Authorization: Bearer <token>` (a scraper's credential).
    metrics_token: str | None = None
    # When set, `gongzhi work` serves dramatiq's Prometheus metrics (jobs by actor and
    # outcome, retries, durations) on this port of ``worker_metrics_host``.
    worker_metrics_port: int | None = None
    worker_metrics_host: str = "127.0.0.1"
    # A streaming replica of the database for the API's queries (gongzhi/graphql/replica.py);
    # everything that writes, and the event store, stays on ``database_url``.
    read_database_url: str | None = None
    # 在线缴费: the payment channel orders are placed on (SANDBOX, WECHAT, ALIPAY or UNIONPAY;
    # "" for none) and the file of its keys (infra/payment_channels.py); never in the database.
    payment_channel: str = ""
    payment_key_file: Path | None = None
    # The platform's address as the payment channel reaches it (``GONGZHI_PUBLIC_URL``): the
    # notify URL sent with each order is built on it (required in production with a channel;
    # elsewhere the address served, ``public_base``).
    public_url: str = ""

    @property
    def public_base(self) -> str:
        return self.public_url or f"http://{self.http_host}:{self.http_port}"

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @property
    def production(self) -> bool:
        return self.environment == PRODUCTION

    @property
    def requires_person_tokens(self) -> bool:
        """Whether a committee member's or resident's token must name its person
        (``person_id``), without which its seat or home cannot be checked against the facts
        (graphql/access.py): everywhere but the test suite's own environment, whose tests
        act as roles without a roster behind them. Every issuer of the platform (``gongzhi
        token``, the benchmarks) names the person, so only a holder of the signing secret
        could make one that does not."""
        return self.environment != TEST

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        refuse_unsafe_production(env)
        data_dir = Path(env.get("GONGZHI_DATA_DIR", ".gongzhi")).resolve()
        secret = env.get("GONGZHI_JWT_SECRET") or _dev_secret(data_dir)
        pool_size = int(env.get("GONGZHI_POOL_SIZE", "3"))
        if pool_size < MIN_POOL_SIZE:
            # Pools are capped (gongzhi/infra/database.py): the projector holds its LISTEN
            # connection beside the batch it writes, and would time out waiting for a second.
            msg = f"GONGZHI_POOL_SIZE must be at least {MIN_POOL_SIZE}"
            raise ConfigurationError(msg)
        if len(secret.encode()) < MIN_SECRET_BYTES:
            msg = f"GONGZHI_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (HS256)"
            raise ConfigurationError(msg)
        return cls(
            database_url=env.get("GONGZHI_DATABASE_URL") or None,
            broker_url=env.get("GONGZHI_BROKER_URL") or None,
            broker_namespace=env.get("GONGZHI_BROKER_NAMESPACE") or "gongzhi",
            data_dir=data_dir,
            jwt_secret=secret,
            environment=env.get("GONGZHI_ENV", "development"),
            http_host=env.get("GONGZHI_HTTP_HOST", "127.0.0.1"),
            http_port=int(env.get("GONGZHI_HTTP_PORT", "8000")),
            read_your_writes_timeout=float(env.get("GONGZHI_RYW_TIMEOUT", "5")),
            pool_size=pool_size,
            broker_heartbeat_timeout_ms=int(
                env.get("GONGZHI_BROKER_HEARTBEAT_TIMEOUT_MS", "60000")
            ),
            broker_maintenance_chance=int(env.get("GONGZHI_BROKER_MAINTENANCE_CHANCE", "1000")),
            write_timeout=int(env.get("GONGZHI_WRITE_TIMEOUT", "5")),
            audit_signing_key=signing_key_pem(
                env, data_dir, production=env.get("GONGZHI_ENV") == "production"
            ),
            master_key_file=_master_key_file(env, data_dir),
            limits=Limits.from_env(env),
            ready_max_lag_events=int(env.get("GONGZHI_READY_MAX_LAG_EVENTS", "10000")),
            ready_max_lag_seconds=float(env.get("GONGZHI_READY_MAX_LAG_SECONDS", "60")),
            metrics_token=env.get("GONGZHI_METRICS_TOKEN") or None,
            worker_metrics_port=int(env["GONGZHI_WORKER_METRICS_PORT"])
            if env.get("GONGZHI_WORKER_METRICS_PORT")
            else None,
            worker_metrics_host=env.get("GONGZHI_WORKER_METRICS_HOST", "127.0.0.1"),
            read_database_url=env.get("GONGZHI_READ_DATABASE_URL") or None,
            **_payment_channel(env, data_dir),
        )


PRODUCTION = "production"
TEST = "test"  # the test suite's settings (tests/conftest.py)


class ConfigurationError(ValueError):
    """Raised when the environment does not allow the platform to start."""


def refuse_unsafe_production(env: dict[str, str]) -> None:
    """Production starts only with what it must never invent for itself: every such rule
    is here, so that one refusal names everything missing at once."""
    if env.get("GONGZHI_ENV") != PRODUCTION:
        return
    # Residents would be told they paid, and no money would have moved.
    if env.get("GONGZHI_PAYMENT_CHANNEL", "").upper() == "SANDBOX":
        msg = "GONGZHI_PAYMENT_CHANNEL=SANDBOX: the sandbox moves no money; not in production"
        raise ConfigurationError(msg)
    missing = []
    # A secret generated into the data folder would differ per machine and be readable by
    # whoever reads that folder; production is given one.
    if not env.get("GONGZHI_JWT_SECRET"):
        missing.append("GONGZHI_JWT_SECRET (the token signing secret)")
    # Checkpoints signed with a key made on the server's disk could not be verified later.
    if not env.get(AUDIT_KEY_ENV) and not env.get(AUDIT_KEY_FILE_ENV):
        missing.append(f"{AUDIT_KEY_ENV} or {AUDIT_KEY_FILE_ENV} (the audit signing key)")
    # A generated master key would be lost with the container, and the personal data with it.
    if not env.get("GONGZHI_MASTER_KEY_FILE"):
        missing.append("GONGZHI_MASTER_KEY_FILE (the master key of personal data)")
    if missing:
        msg = "production refuses to start without " + ", ".join(missing)
        raise ConfigurationError(msg)


def _dev_secret(data_dir: Path) -> str:
    """A development signing key kept in the data folder, so tokens survive restarts."""
    path = data_dir / "dev-jwt-secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    path.write_text(secret)
    return secret


def _master_key_file(env: dict[str, str], data_dir: Path) -> Path:
    """``GONGZHI_MASTER_KEY_FILE``; outside production, a key generated into the data folder.
    Production refuses to start without an explicit one: a generated key would be lost with
    the container, and every person's personal data with it."""
    from gongzhi.infra.personal_data import create_master_key, read_master_key

    explicit = env.get("GONGZHI_MASTER_KEY_FILE")
    if explicit:
        path = Path(explicit).resolve()
        read_master_key(path)  # fails now, not on the first person registered
        return path
    if env.get("GONGZHI_ENV", "development") == "production":
        msg = "GONGZHI_MASTER_KEY_FILE must name the master key file in production"
        raise ValueError(msg)
    path = data_dir / "dev-master-key"
    if not path.exists():
        create_master_key(path)
    return path


def _payment_channel(env: dict[str, str], data_dir: Path) -> dict[str, Any]:
    """``GONGZHI_PAYMENT_CHANNEL`` (default SANDBOX outside production, none in production)
    and its key file, checked now: a channel that cannot verify a notification refuses to
    start, rather than take orders that could never be paid."""
    from gongzhi.infra.payment_channels import ChannelNotConfigured, channel_adapter, create_key

    production = env.get("GONGZHI_ENV") == PRODUCTION
    name = env.get("GONGZHI_PAYMENT_CHANNEL", "" if production else "SANDBOX").upper()
    explicit = env.get("GONGZHI_PAYMENT_KEY_FILE")
    key_file = Path(explicit).resolve() if explicit else None
    if name and key_file is None and not production:
        key_file = data_dir / "dev-payment-key"
        if not key_file.exists():
            create_key(key_file)
    try:
        channel_adapter(name, key_file)
    except (ChannelNotConfigured, OSError) as error:
        raise ConfigurationError(str(error)) from None
    public_url = env.get("GONGZHI_PUBLIC_URL", "").rstrip("/")
    if name and not public_url and production:
        msg = "GONGZHI_PUBLIC_URL must say where the payment channel reaches the platform"
        raise ConfigurationError(msg)
    return {"payment_channel": name, "payment_key_file": key_file, "public_url": public_url}
