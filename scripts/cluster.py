"""``make cluster``: a three-node RabbitMQ cluster and a PostgreSQL primary with a synchronous
streaming standby, as local processes of this machine's own RabbitMQ and PostgreSQL.

None of it touches the broker on :5672 or the database on :5432: each node has its own name
(``cs-a@localhost`` …), ports, data directory and configuration under ``CLUSTER_DIR``
(default ``/tmp/connexions-cluster``: the nodes run as the ``rabbitmq`` and ``postgres``
users, who must reach their directories, which a checkout under a private home would not
allow); the RabbitMQ nodes share the Erlang cookie of the machine's
``rabbitmq`` user, and join ``cs-a``. PostgreSQL runs as the ``postgres`` user from Debian's
binaries: a primary (``synchronous_standby_names`` names the standby, so an acknowledged
commit is on both) and a standby made by ``pg_basebackup`` that streams from it and can be
promoted.

    python -m scripts.cluster start     # idempotent; prints the URLs to use
    python -m scripts.cluster stop      # stops every node, removes CLUSTER_DIR
    python -m scripts.cluster status

The URLs: ``BROKER_URL`` is kombu's failover list ``amqp://…:5681/%2F;amqp://…:5682/%2F;…``,
and a database URL names both PostgreSQL hosts with ``target_session_attrs=read-write``, so
a client finds whichever is the primary.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

NODES = ("a", "b", "c")
AMQP_PORT = 5681  # cs-a; cs-b and cs-c follow
PG_PORT = 5441  # the primary; the standby is 5442
DEFAULT_DIRECTORY = Path(tempfile.gettempdir()) / "connexions-cluster"


def cluster_directory() -> Path:
    return Path(os.environ.get("CLUSTER_DIR", "").strip() or DEFAULT_DIRECTORY).resolve()


def _run(command: list[str], **options) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, **options)


def _wait(probe, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not after {timeout:.0f} s")
        time.sleep(0.3)


# RabbitMQ -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RabbitNode:
    letter: str
    directory: Path

    @property
    def name(self) -> str:
        return f"cs-{self.letter}@localhost"

    @property
    def port(self) -> int:
        return AMQP_PORT + NODES.index(self.letter)

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    @property
    def home(self) -> Path:
        return self.directory / f"rabbit-{self.letter}"

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.port + 20000),
            "RABBITMQ_MNESIA_BASE": str(self.home / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.home / "log"),
            "RABBITMQ_PID_FILE": str(self.home / "pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.home / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.home / "rabbitmq.conf"),
        }

    def prepare(self) -> None:
        (self.home / "mnesia").mkdir(parents=True, exist_ok=True)
        (self.home / "log").mkdir(parents=True, exist_ok=True)
        (self.home / "enabled_plugins").write_text("[rabbitmq_prometheus].\n")
        (self.home / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\n"
            "loopback_users = none\n"
            f"prometheus.tcp.ip = 127.0.0.1\nprometheus.tcp.port = {self.port + 10000}\n"
        )
        shutil.chown(self.home, "rabbitmq", "rabbitmq")
        for path in self.home.rglob("*"):
            shutil.chown(path, "rabbitmq", "rabbitmq")

    def ctl(self, *arguments: str) -> subprocess.CompletedProcess:
        return _run(["rabbitmqctl", "-n", self.name, *arguments])

    def running(self) -> bool:
        return self.ctl("status").returncode == 0

    def start(self) -> None:
        """Starts the node (detached) and waits until its application runs."""
        if not self.running():
            started = _run(["rabbitmq-server", "-detached"], env=self.environment())
            if started.returncode != 0:
                raise RuntimeError(f"{self.name}: {started.stderr or started.stdout}")
        _wait(lambda: self.ctl("await_startup").returncode == 0, f"{self.name} to start", 90)

    def pid(self) -> int | None:
        try:
            return int((self.home / "pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def kill(self) -> None:
        """kill -9 of the node's Erlang VM (what a crashed machine looks like)."""
        pid = self.pid()
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _wait(lambda: not self.running(), f"{self.name} to die", 30)

    def stop(self) -> None:
        if self.running():
            self.ctl("stop")


class RabbitCluster:
    def __init__(self, directory: Path) -> None:
        self.nodes = [RabbitNode(letter, directory) for letter in NODES]

    @property
    def broker_url(self) -> str:
        """kombu's failover list: a client moves to the next node when one is gone."""
        return ";".join(node.url for node in self.nodes)

    def node(self, name: str) -> RabbitNode:
        return next(node for node in self.nodes if node.name == name)

    def start(self) -> None:
        for node in self.nodes:
            node.prepare()
            node.start()
        first, *others = self.nodes
        for node in others:
            members = node.ctl("cluster_status", "--formatter", "json").stdout
            if first.name in members:
                continue
            for step in (["stop_app"], ["join_cluster", first.name], ["start_app"]):
                done = node.ctl(*step)
                if done.returncode != 0:
                    raise RuntimeError(f"{node.name} {step[0]}: {done.stderr or done.stdout}")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def leaders(self, prefix: str) -> dict[str, str]:
        """Queue name → the node that leads it, for the quorum queues whose name begins with
        ``prefix`` (asked of any running node)."""
        for node in self.nodes:
            listed = node.ctl("list_queues", "name", "leader", "--no-table-headers", "-q")
            if listed.returncode == 0:
                pairs = (line.split() for line in listed.stdout.splitlines())
                return {p[0]: p[1] for p in pairs if len(p) == 2 and p[0].startswith(prefix)}
        raise RuntimeError("no RabbitMQ node of the cluster answers")


# PostgreSQL ----------------------------------------------------------------------------------
def _pg_bin(program: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {program} is not installed")
    return found[-1]


class PostgresPair:
    """A primary on :5441 and its synchronous standby on :5442."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory / "postgres"
        self.primary = self.directory / "primary"
        self.standby = self.directory / "standby"

    def url(self, database: str = "postgres") -> str:
        return (
            f"postgresql+psycopg://postgres@/{database}?host=127.0.0.1:{PG_PORT}"
            f"&host=127.0.0.1:{PG_PORT + 1}&target_session_attrs=read-write"
        )

    def _as_postgres(self, *command: str) -> subprocess.CompletedProcess:
        return _run(["runuser", "-u", "postgres", "--", *command], cwd="/tmp")

    def _ctl(self, data: Path, *arguments: str) -> subprocess.CompletedProcess:
        log = self.directory / f"{data.name}.log"
        return self._as_postgres(_pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), *arguments)

    def running(self, data: Path) -> bool:
        return data.exists() and self._ctl(data, "status").returncode == 0

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        shutil.chown(self.directory, "postgres", "postgres")
        if not self.primary.exists():
            self._init_primary()
        if not self.running(self.primary):
            self._start(self.primary)
        if not self.standby.exists():
            self._init_standby()
        if not self.running(self.standby):
            self._start(self.standby)

    def _start(self, data: Path) -> None:
        started = self._ctl(data, "-w", "start")
        if started.returncode != 0:
            raise RuntimeError(f"PostgreSQL {data.name}: {started.stderr or started.stdout}")

    def _init_primary(self) -> None:
        made = self._as_postgres(
            _pg_bin("initdb"), "-D", str(self.primary), "-A", "trust", "-U", "postgres"
        )
        if made.returncode != 0:
            raise RuntimeError(f"initdb: {made.stderr}")
        with (self.primary / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {PG_PORT}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.directory}'\n"
                "wal_level = replica\nmax_wal_senders = 5\nmax_connections = 200\n"
                # an acknowledged commit is flushed on the standby too
                "synchronous_standby_names = 'FIRST 1 (standby)'\nsynchronous_commit = on\n"
            )
        with (self.primary / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")

    def _init_standby(self) -> None:
        copied = self._as_postgres(
            _pg_bin("pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres"),
            *("-D", str(self.standby), "-R", "-X", "stream"),
        )
        if copied.returncode != 0:
            raise RuntimeError(f"pg_basebackup: {copied.stderr}")
        with (self.standby / "postgresql.conf").open("a") as conf:
            # Once promoted it has no standby of its own: it must not wait for one.
            conf.write(f"port = {PG_PORT + 1}\nsynchronous_standby_names = ''\n")
        with (self.standby / "postgresql.auto.conf").open("a") as auto:
            auto.write(
                f"primary_conninfo = 'host=127.0.0.1 port={PG_PORT} user=postgres"
                " application_name=standby'\n"
            )

    def kill_primary(self) -> None:
        """The primary's machine is lost: its postmaster killed with SIGKILL."""
        pid = int((self.primary / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        _wait(lambda: not self.running(self.primary), "the primary to die", 30)

    def promote_standby(self) -> None:
        promoted = self._ctl(self.standby, "-w", "promote")
        if promoted.returncode != 0:
            raise RuntimeError(f"promote: {promoted.stderr or promoted.stdout}")

    def stop(self) -> None:
        for data in (self.standby, self.primary):
            if self.running(data):
                self._ctl(data, "-m", "immediate", "-w", "stop")


# commands ------------------------------------------------------------------------------------
def start(directory: Path) -> tuple[RabbitCluster, PostgresPair]:
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)
    rabbit, postgres = RabbitCluster(directory), PostgresPair(directory)
    rabbit.start()
    postgres.start()
    return rabbit, postgres


def stop(directory: Path) -> None:
    if not directory.exists():
        return
    RabbitCluster(directory).stop()
    PostgresPair(directory).stop()
    shutil.rmtree(directory, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    directory = cluster_directory()
    if argv == ["start"]:
        rabbit, postgres = start(directory)
        print(f"BROKER_URL='{rabbit.broker_url}'")
        print(f"POSTGRES_URL='{postgres.url()}'")
        return 0
    if argv == ["stop"]:
        stop(directory)
        return 0
    if argv == ["status"]:
        rabbit, postgres = RabbitCluster(directory), PostgresPair(directory)
        for node in rabbit.nodes:
            print(f"{node.name} :{node.port} {'up' if node.running() else 'down'}")
        for data in (postgres.primary, postgres.standby):
            print(f"postgres {data.name} {'up' if postgres.running(data) else 'down'}")
        return 0
    print("usage: python -m scripts.cluster start|stop|status", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
