"""The worker process (后台任务进程): dramatiq's own supervisor running the platform's actors.

``run_worker`` hands the resolved URLs to the worker processes through the environment
and starts dramatiq's CLI on ``boot``; each worker process then builds its broker and its
actors from those variables, so a forked process never shares a connection with its parent.
"""

from __future__ import annotations

import os
import shutil

import dramatiq
from dramatiq.cli import main as dramatiq_main
from dramatiq.cli import make_argument_parser

from gongzhi.infra.broker import DEFAULT_NAMESPACE
from gongzhi.infra.settings import Settings
from gongzhi.workers.actors import Actors

NAMESPACE_ENV = "GONGZHI_BROKER_NAMESPACE"
# Set by ``run_worker`` for its processes when worker metrics are configured.
METRICS_ENV = "GONGZHI_WORKER_METRICS"

# Long enough for a running job to finish; a job cut short is retried elsewhere anyway.
SHUTDOWN_TIMEOUT_MS = 30_000


def boot() -> None:
    """dramatiq's broker entry point (``gongzhi.workers.main:boot``), run in each process.

    The broker keeps the actors (and through them their engine) alive for the process.
    """
    actors = Actors.from_settings(
        Settings.from_env(), namespace=os.environ.get(NAMESPACE_ENV) or DEFAULT_NAMESPACE
    )
    if os.environ.get(METRICS_ENV):
        # Imported only now: the module reads its address and folder from the environment
        # that ``run_worker`` prepared.
        from dramatiq.middleware.prometheus import Prometheus

        actors.broker.add_middleware(Prometheus())
    dramatiq.set_broker(actors.broker)


def run_worker(
    settings: Settings,
    processes: int = 1,
    threads: int = 4,
    *,
    namespace: str = DEFAULT_NAMESPACE,
) -> int:
    """Run worker processes until SIGINT/SIGTERM; return dramatiq's exit code (0 when stopped).

    Must be called from the main thread: dramatiq installs the signal handlers.
    """
    if settings.database_url is None or settings.broker_url is None:
        raise ValueError("resolve_urls(settings) first: the worker needs both URLs")
    os.environ["GONGZHI_DATABASE_URL"] = settings.database_url
    os.environ["GONGZHI_BROKER_URL"] = settings.broker_url
    os.environ[NAMESPACE_ENV] = namespace
    if settings.worker_metrics_port is not None:
        _prepare_metrics(settings)
    args = make_argument_parser().parse_args(
        [
            f"{__name__}:boot",
            "--processes",
            str(processes),
            "--threads",
            str(threads),
            "--worker-shutdown-timeout",
            str(SHUTDOWN_TIMEOUT_MS),
        ]
    )
    return int(dramatiq_main(args))


def _prepare_metrics(settings: Settings) -> None:
    """dramatiq's Prometheus middleware: each worker process writes its counters to a shared
    folder (prometheus-client's multiprocess mode) and one forked process serves them all on
    ``worker_metrics_host:worker_metrics_port``: ``dramatiq_messages_total``,
    ``dramatiq_message_errors_total``, ``dramatiq_message_retries_total``,
    ``dramatiq_message_rejects_total`` (dead-lettered) by actor, and durations. The folder
    is emptied at start: the files of a previous run's processes would be counted again."""
    folder = settings.data_dir / f"worker-metrics-{settings.worker_metrics_port}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    # dramatiq names these in lower case.
    os.environ["dramatiq_prom_db"] = str(folder)  # noqa: SIM112
    os.environ["dramatiq_prom_host"] = settings.worker_metrics_host  # noqa: SIM112
    os.environ["dramatiq_prom_port"] = str(settings.worker_metrics_port)  # noqa: SIM112
    os.environ[METRICS_ENV] = "1"
