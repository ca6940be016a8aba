"""Processes of the real platform, started as a user would start them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from gongzhi.infra.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def process_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "GONGZHI_DATABASE_URL": settings.database_url or "",
            "GONGZHI_BROKER_URL": settings.broker_url or "",
            "GONGZHI_BROKER_NAMESPACE": f"gongzhi-e2e-{uuid.uuid4().hex[:8]}",
            "GONGZHI_JWT_SECRET": settings.jwt_secret,
            "GONGZHI_DATA_DIR": str(settings.data_dir),
            "GONGZHI_ENV": "development",
            "GONGZHI_LOG_LEVEL": "WARNING",
            **extra,
        }
    )
    return env


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gongzhi.cli", *args],
        env=env,
        cwd=ROOT,
        start_new_session=True,  # so a test can signal the whole process group
    )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGINT, timeout: float = 30) -> int:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode


def wait_until_ready(base_url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Poll the health endpoint: the server tells us when it is up (readiness, not a sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the platform exited while starting"
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)  # pacing of the readiness poll, not synchronisation of a result
    raise AssertionError(f"{base_url} was not ready within {timeout}s")


@contextmanager
def run_platform(settings: Settings, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`gongzhi run` on the test's database (``env`` added to its environment), once ready:
    its base URL and process; stopped on leaving."""
    port = free_port()
    process = start(["run", "--no-demo", "--port", str(port)], process_env(settings, **env))
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base_url, process)
        yield base_url, process
    finally:
        stop(process)


@pytest.fixture
def running(settings: Settings) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`gongzhi run` on the test's database: API, projector, worker and scheduler."""
    with run_platform(settings) as started:
        yield started
