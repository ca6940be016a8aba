"""The servers a fault run may break: its own PostgreSQL cluster and its own Redis, or the
machine's RabbitMQ behind a relay the run can cut.

Restarting them harms nobody: the shared PostgreSQL on 5432 and the shared Redis on 6379
are never touched. The cluster is made with ``initdb`` in a temporary folder and run by
``pg_ctl`` (as the ``postgres`` user when the run is root: PostgreSQL refuses root). The
shared RabbitMQ on 5672 is never stopped either (other tests use it at the same time): the
run's processes reach it through a TCP relay, and its outage is the relay's — every
connection dropped and new ones refused — with the run's queues in a namespace of its own.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from gongzhi.infra.broker import make_broker, purge

PG_BIN = Path(os.environ.get("GONGZHI_FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = os.environ.get("GONGZHI_FAULTS_REDIS_SERVER", "redis-server")
RABBITMQ_URL = os.environ.get(
    "GONGZHI_FAULTS_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"
)
# How long the relayed RabbitMQ stays away at a "restart" (a real one takes a few seconds).
RABBITMQ_OUTAGE = float(os.environ.get("GONGZHI_FAULTS_RABBITMQ_OUTAGE", "3"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivatePostgres:
    """A PostgreSQL cluster of the run's own, on its own port; with ``primary``, a hot
    standby of that cluster streaming its WAL (``pg_basebackup -R``: a read replica)."""

    def __init__(
        self,
        root: Path,
        port: int | None = None,
        *,
        name: str = "pg",
        primary: PrivatePostgres | None = None,
    ) -> None:
        self.root = root / name
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = port or free_port()
        self.root.mkdir(parents=True)
        self._as_root = os.geteuid() == 0
        if self._as_root:
            user = pwd.getpwnam("postgres")
            root.chmod(0o711)  # the run's folder (a mkdtemp, 0700): postgres must reach into it
            os.chown(self.root, user.pw_uid, user.pw_gid)
        if primary is None:
            self._run(
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            )
        else:
            # initdb's defaults allow it: wal_level replica, WAL senders, trusted local
            # replication connections, hot standby.
            self._run(
                str(PG_BIN / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "-D",
                str(self.data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            )
        with (self.data / "postgresql.conf").open("a") as conf:
            # Durability against an operating-system crash is not what is tested here (the
            # restarts are PostgreSQL's own), so the disk is spared fsyncs. (A standby's
            # copy of the primary's file gets its own port and folder: the last line wins.)
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\nmax_connections = 100\n"
                "shared_buffers = 64MB\nfsync = off\nfull_page_writes = off\n"
            )
        self.start()

    def _run(self, *argv: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *argv] if self._as_root else list(argv)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", *args)

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> float:
        """A fast restart (the way an operator restarts it): seconds it was away."""
        started = time.monotonic()
        self._ctl("-m", "fast", "restart")
        return time.monotonic() - started

    def close(self) -> None:
        self._ctl("-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A Redis of the run's own that keeps its data in an append-only file, as the
    deployment guide says a production Redis broker must (``--appendonly yes``)."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = root / "redis"
        self.root.mkdir(parents=True)
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.root),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not _listening(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)  # pacing of a readiness poll

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: Redis writes its append-only file and exits
            self.process.wait(30)

    def restart(self) -> float:
        started = time.monotonic()
        self.stop()
        self.start()
        return time.monotonic() - started

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class Relay:
    """A TCP relay to a server that the run can cut and open again on the same port: while
    cut, the connections through it are dropped and new ones refused, as if the server were
    down, while the server itself keeps running for everyone else."""

    def __init__(self, target: tuple[str, int], port: int | None = None) -> None:
        self.target = target
        self.port = port or free_port()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.open()

    def open(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR on POSIX
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Refuse new connections and drop the open ones."""
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown first: a close alone leaves the socket listening while accept() blocks
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class RelayedRabbitmq:
    """The machine's RabbitMQ, reached through a ``Relay``, with queues named apart (a
    namespace of the run's own, deleted at the end)."""

    def __init__(self, url: str = RABBITMQ_URL, outage: float = RABBITMQ_OUTAGE) -> None:
        parts = urlsplit(url)
        self.direct = url
        self.outage = outage
        self.namespace = f"gongzhi-faults-{uuid.uuid4().hex[:8]}"
        self.relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5672))
        netloc = parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{self.relay.port}"
        self._url = urlunsplit(
            parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) > 1 else host)
        )

    def url(self) -> str:
        return self._url

    def restart(self) -> float:
        """Cut every connection, refuse new ones for the outage, open again: seconds away.
        (The pause is the outage being simulated, not a wait for anything.)"""
        started = time.monotonic()
        self.relay.cut()
        time.sleep(self.outage)
        self.relay.open()
        return time.monotonic() - started

    def close(self, queues: list[str]) -> None:
        self.relay.cut()
        purge(make_broker(self.direct, self.namespace), queues)
