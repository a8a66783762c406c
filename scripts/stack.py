"""The real stack as local processes: ``make stack`` and ``make stack-stop``.

    python -m scripts.stack start    # migrations, then every API, worker and the gateway
    python -m scripts.stack status
    python -m scripts.stack stop     # SIGTERM, wait, SIGKILL only what hangs

Every process runs the command its container runs, ``infra/entrypoint.sh api|worker|migrate``
with ``SERVICE=<name>``, against the RabbitMQ and PostgreSQL given by ``BROKER_URL`` and
``<SERVICE>_DATABASE_URL``. The migrations run first, once, as one-shot steps; then each API
runs under gunicorn and each worker (relay + consumer) as its own process, and ``start``
returns once the gateway reports every service up and every worker consumes. The processes
outlive ``start``: their pid and log files are in ``STACK_DIR`` (``var/stack``). They are
started, and started again whenever one exits, with a back-off, by the stack's supervisor
(``scripts/supervisor.py``, itself a process of the stack); ``stop`` stops it first.

Ports are those of ``make run``: the gateway on ``GATEWAY_PORT`` (8080), donations,
inventory and sales on the next three. ``STACK_WORKER_REPLICAS`` (1) workers run per service.
The gateway's API keys live in ``GATEWAY_DATABASE_URL``; the first admin key is made with
``python -m services.gateway.keys_cli create --name ... --role admin``. Development token
and card-code keys are generated in ``TOKEN_KEY_DIR`` / ``CARD_CODES_KEY_DIR`` if none are
there.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from kombu import Connection

from services.common.card_codes import generate_keys
from services.common.config import (
    DATABASES,
    SERVICES_WITH_DATABASE,
    card_codes_key_dir,
    messaging_settings,
)
from services.common.events.topology import SUBSCRIPTIONS, Topology
from services.common.tokens import generate_token_keys, token_key_dir

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "infra" / "entrypoint.sh"
SUPERVISOR = "supervisor"  # the name of its pid and log files


class StackError(Exception):
    """The stack could not be started (the message says why and where the logs are)."""


@dataclass(frozen=True)
class Part:
    """One process of the stack: a migration step, an API or a worker replica."""

    name: str  # also the stem of its pid and log files
    service: str
    command: str  # api, worker or migrate
    environment: Mapping[str, str]


@dataclass(frozen=True)
class StackConfig:
    environment: Mapping[str, str]  # what every process inherits
    directory: Path
    host: str
    gateway_port: int
    worker_replicas: int
    broker_url: str
    topology: Topology

    @classmethod
    def from_environment(cls) -> StackConfig:
        def setting(name: str, default: str) -> str:
            return os.environ.get(name, "").strip() or default

        messaging = messaging_settings()
        missing = [] if messaging.broker_url.startswith("amqp") else ["BROKER_URL (amqp://…)"]
        missing += [
            f"{service.upper()}_DATABASE_URL (postgresql+psycopg://…)"
            for service in DATABASES
            if not setting(f"{service.upper()}_DATABASE_URL", "").startswith("postgresql")
        ]
        if missing:
            raise StackError("the stack runs on RabbitMQ and PostgreSQL: set " + ", ".join(missing))
        replicas = int(setting("STACK_WORKER_REPLICAS", "1"))
        if replicas < 1:
            raise StackError("STACK_WORKER_REPLICAS must be at least 1")
        return cls(
            environment={"LOG_FORMAT": "json", **os.environ},  # JSON lines unless told
            directory=stack_directory(),
            host=setting("GATEWAY_HOST", "127.0.0.1"),
            gateway_port=int(setting("GATEWAY_PORT", "8080")),
            worker_replicas=replicas,
            broker_url=messaging.broker_url,
            topology=Topology.from_settings(messaging),
        )

    @property
    def service_ports(self) -> dict[str, int]:
        return {
            service: self.gateway_port + offset
            for offset, service in enumerate(SERVICES_WITH_DATABASE, start=1)
        }

    def url(self, port: int) -> str:
        return f"http://{self.host}:{port}"

    def worker_metrics(self, index: int) -> dict[str, str]:
        """Worker number ``index`` (from 0) serves its metrics on ``STACK_METRICS_PORT`` (the
        gateway's port + 10) + ``index``."""
        first = int(self.environment.get("STACK_METRICS_PORT") or self.gateway_port + 10)
        return {"METRICS_PORT": str(first + index), "METRICS_ADDR": self.host}

    def migrations(self) -> list[Part]:
        return [Part(f"{s}-migrate", s, "migrate", {}) for s in DATABASES]

    def long_running(self) -> list[Part]:
        """Workers, APIs, then the gateway (pointed at the APIs' ports)."""
        parts = [
            Part(f"{service}-worker-{replica}", service, "worker", self.worker_metrics(index))
            for index, (service, replica) in enumerate(
                (service, replica)
                for service in SERVICES_WITH_DATABASE
                for replica in range(1, self.worker_replicas + 1)
            )
        ]
        parts += [
            Part(f"{service}-api", service, "api", {"GUNICORN_BIND": f"{self.host}:{port}"})
            for service, port in self.service_ports.items()
        ]
        upstreams = {
            f"{service.upper()}_URL": self.url(port) for service, port in self.service_ports.items()
        }
        gateway_bind = {"GUNICORN_BIND": f"{self.host}:{self.gateway_port}"}
        parts.append(Part("gateway", "gateway", "api", {**gateway_bind, **upstreams}))
        return parts


# processes ----------------------------------------------------------------------------------
def _launch(inherited: Mapping[str, str], directory: Path, part: Part) -> subprocess.Popen:
    environment = {
        **inherited,
        **part.environment,
        "SERVICE": part.service,
        # gunicorn and python of this interpreter's environment, as the image has them on PATH
        "PATH": os.pathsep.join(
            [str(Path(sys.executable).parent), inherited.get("PATH", os.defpath)]
        ),
    }
    with open(directory / f"{part.name}.log", "ab") as log:
        return subprocess.Popen(
            ["sh", str(ENTRYPOINT), part.command],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a Ctrl-C in this terminal spares it
        )


def _started_at(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(pid: int, started_at: str | None) -> bool:
    """Whether our process still runs: on Linux, not a zombie nor a later one with its pid."""
    if Path("/proc/self/stat").exists():
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        return state not in ("Z", "X") and _started_at(pid) == started_at
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass(frozen=True)
class Running:
    name: str
    pid: int
    started_at: str | None
    restarts: int = 0  # by the supervisor

    @property
    def alive(self) -> bool:
        return _alive(self.pid, self.started_at)


def _pid_file(directory: Path, name: str) -> Path:
    return directory / f"{name}.pid"


def _record(directory: Path, name: str, pid: int, restarts: int = 0) -> None:
    """Writes the pid file at once (a reader never sees half of it)."""
    draft = directory / f".{name}.pid.draft"
    draft.write_text(f"{pid} {_started_at(pid) or '-'} {restarts}\n")
    draft.replace(_pid_file(directory, name))


def stack_directory() -> Path:
    return Path(os.environ.get("STACK_DIR", "").strip() or ROOT / "var" / "stack")


def running(directory: Path) -> list[Running]:
    """The processes whose pid files are in ``directory``."""
    found = []
    for path in sorted(directory.glob("*.pid")):
        pid, started_at, *restarts = path.read_text().split()
        found.append(
            Running(
                path.stem,
                int(pid),
                None if started_at == "-" else started_at,
                int(restarts[0]) if restarts else 0,
            )
        )
    return found


# start --------------------------------------------------------------------------------------
def start(config: StackConfig, timeout: float = 90.0) -> None:
    config.directory.mkdir(parents=True, exist_ok=True)
    if any(process.alive for process in running(config.directory)):
        raise StackError(f"a stack is already running from {config.directory}: stop it first")
    for path in config.directory.glob("*.pid"):
        path.unlink()
    deadline = time.monotonic() + timeout
    # Development keys, unless some are there already (`make keys` makes the same).
    generate_token_keys(token_key_dir())
    generate_keys(card_codes_key_dir())
    _migrate(config, deadline)
    try:
        _wait(config, _supervise(config), deadline)
    except BaseException:
        stop(config.directory)
        raise


def _supervise(config: StackConfig) -> subprocess.Popen:
    """The supervisor, in the background, given the parts (and the environment they inherit)
    on its standard input, not in a file: database URLs carry passwords."""
    plan = {
        "directory": str(config.directory),
        "environment": dict(config.environment),
        "parts": [
            {**vars(part), "environment": dict(part.environment)} for part in config.long_running()
        ],
    }
    with open(config.directory / f"{SUPERVISOR}.log", "ab") as log:
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "scripts.supervisor"],
            cwd=ROOT,
            env=dict(config.environment),
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _record(config.directory, SUPERVISOR, supervisor.pid)
    with supervisor.stdin:
        supervisor.stdin.write(json.dumps(plan).encode())
    return supervisor


def _migrate(config: StackConfig, deadline: float) -> None:
    """Every service's one-shot migration step (in parallel: separate databases)."""
    steps = {
        part.name: _launch(config.environment, config.directory, part)
        for part in config.migrations()
    }
    for name, process in steps.items():
        try:
            code = process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for other in steps.values():
                other.kill()
            raise StackError(f"{name} did not finish: see {config.directory / name}.log") from None
        if code != 0:
            raise StackError(f"{name} failed ({code}): see {config.directory / name}.log")


def _wait(config: StackConfig, supervisor: subprocess.Popen, deadline: float) -> None:
    checks: dict[str, Callable[[], bool]] = {
        "every service up behind the gateway": lambda: _http_ok(
            config.url(config.gateway_port) + "/health"
        ),
        f"{config.worker_replicas} consumer(s) per service queue": lambda: _consumers_ready(config),
    }
    pending = dict(checks)
    while pending:
        if supervisor.poll() is not None:
            log = config.directory / f"{SUPERVISOR}.log"
            raise StackError(f"the supervisor exited with {supervisor.returncode}: see {log}")
        for process in running(config.directory):
            if process.restarts:  # it exited before the stack was up: no use waiting
                log = config.directory / f"{process.name}.log"
                raise StackError(f"{process.name} exited while starting: see {log}")
        pending = {what: check for what, check in pending.items() if not check()}
        if pending and time.monotonic() > deadline:
            raise StackError(f"not ready in time ({', '.join(pending)}): see {config.directory}")
        if pending:
            time.sleep(0.2)


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _consumers_ready(config: StackConfig) -> bool:
    """Every service queue (each lane's) has as many consumers as there are worker replicas."""
    connection = Connection(config.broker_url, connect_timeout=2)
    errors = (OSError, *connection.connection_errors, *connection.channel_errors)
    try:
        with connection:
            for service in SUBSCRIPTIONS:
                for queue in config.topology.consumed_queue_names(service):
                    channel = connection.channel()
                    try:
                        declared = channel.queue_declare(queue, passive=True)
                    finally:
                        channel.close()
                    if declared.consumer_count < config.worker_replicas:
                        return False
    except errors:  # not there yet: the broker, or a queue no worker has declared yet
        return False
    return True


# stop ---------------------------------------------------------------------------------------
def stop(directory: Path, timeout: float = 30.0) -> list[str]:
    """Stop the supervisor (nothing is started again from then on), the gateway and the APIs,
    then the workers (so relays publish what APIs wrote).

    Each gets SIGTERM and up to ``timeout`` seconds to finish; what still runs then is killed
    with its process group. Returns the names of the processes that were stopped.
    """
    supervisor = [p for p in running(directory) if p.name == SUPERVISOR]
    stopped = _terminate(supervisor, timeout)
    processes = running(directory)  # as the supervisor left them
    workers = [p for p in processes if "-worker-" in p.name]
    apis = [p for p in processes if p not in workers and p.name != SUPERVISOR]
    for group in (apis, workers):
        stopped += _terminate(group, timeout)
    for process in processes:
        _pid_file(directory, process.name).unlink(missing_ok=True)
    return stopped


def _terminate(group: list[Running], timeout: float) -> list[str]:
    """SIGTERM to each, then SIGKILL to the process group of what still runs after
    ``timeout`` seconds; returns the names of those that were running."""
    live = [p for p in group if p.alive]
    for process in live:
        _signal(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(p.alive for p in live) and time.monotonic() < deadline:
        time.sleep(0.1)
    for process in live:
        if process.alive:
            _signal(process.pid, signal.SIGKILL, group=True)
    return [p.name for p in live]


def _signal(pid: int, signum: int, *, group: bool = False) -> None:
    try:
        if group:
            os.killpg(pid, signum)  # the process started its own group (start_new_session)
        else:
            os.kill(pid, signum)
    except ProcessLookupError:
        pass


# command line -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stack", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("start", "stop", "status"))
    args = parser.parse_args(argv)
    directory = stack_directory()
    if args.command == "stop":
        stopped = stop(directory)
        print(f"stopped {len(stopped)} process(es)" if stopped else "nothing was running")
        return 0
    if args.command == "status":
        processes = running(directory)
        if not processes:
            print(f"no stack recorded in {directory}")
        for process in processes:
            state = "up" if process.alive else "DOWN"
            print(f"{process.name:24} {process.pid:>8} {state:4} restarts: {process.restarts}")
        return 0 if processes and all(p.alive for p in processes) else 1
    try:
        config = StackConfig.from_environment()
        start(config)
    except StackError as error:
        print(f"stack: {error}", file=sys.stderr)
        return 1
    print(f"stack up: gateway {config.url(config.gateway_port)}, logs in {config.directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
