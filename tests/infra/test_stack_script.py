"""``scripts/stack.py`` without servers: what it requires, how it stops processes, and how its
supervisor (``scripts/supervisor.py``) starts again what exits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.stack import StackConfig, StackError, _record, running, stop
from scripts.supervisor import Supervisor, backoff
from services.common.config import DATABASES
from tests.support.waiting import wait_until


def test_the_stack_requires_rabbitmq_and_postgresql(monkeypatch):
    monkeypatch.setenv("BROKER_URL", "memory://")
    monkeypatch.setenv("DONATIONS_DATABASE_URL", "sqlite:///var/donations.db")
    monkeypatch.delenv("GATEWAY_DATABASE_URL", raising=False)
    with pytest.raises(StackError) as refused:
        StackConfig.from_environment()
    assert "BROKER_URL" in str(refused.value)
    assert "DONATIONS_DATABASE_URL" in str(refused.value)
    assert "GATEWAY_DATABASE_URL" in str(refused.value)  # the API keys


def test_the_stack_layout_follows_make_run(monkeypatch, tmp_path):
    monkeypatch.setenv("BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    for service in DATABASES:
        monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", "postgresql+psycopg://x@127.0.0.1/y")
    monkeypatch.setenv("GATEWAY_PORT", "9000")
    monkeypatch.setenv("STACK_WORKER_REPLICAS", "2")
    monkeypatch.setenv("STACK_DIR", str(tmp_path))
    config = StackConfig.from_environment()
    assert config.service_ports == {"donations": 9001, "inventory": 9002, "sales": 9003}
    parts = {part.name: part for part in config.long_running()}
    assert sorted(n for n in parts if "-worker-" in n) == [
        f"{s}-worker-{r}" for s in ("donations", "inventory", "sales") for r in (1, 2)
    ]
    assert parts["inventory-api"].environment["GUNICORN_BIND"] == "127.0.0.1:9002"
    assert parts["gateway"].environment["SALES_URL"] == "http://127.0.0.1:9003"
    assert [(p.service, p.command) for p in config.migrations()] == [
        (service, "migrate") for service in DATABASES
    ]
    assert parts["gateway"].service == "gateway"


def _process(tmp_path, name: str, ignore_term: bool = False) -> subprocess.Popen:
    code = "import signal, time\n"
    if ignore_term:
        code += "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    code += "print('ready', flush=True)\ntime.sleep(60)\n"
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stdout.readline() == "ready\n"  # its signal handler is in place
    _record(tmp_path, name, process.pid)
    return process


def test_stop_terminates_then_kills_only_what_hangs(tmp_path):
    polite = _process(tmp_path, "sales-api")
    stubborn = _process(tmp_path, "sales-worker-1", ignore_term=True)
    try:
        assert stop(tmp_path, timeout=1) == ["sales-api", "sales-worker-1"]
        assert polite.wait(timeout=5) == -signal.SIGTERM
        assert stubborn.wait(timeout=5) == -signal.SIGKILL
        assert running(tmp_path) == []
    finally:
        for process in (polite, stubborn):
            process.kill()
            process.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="start times come from /proc")
def test_stop_leaves_alone_a_process_that_reused_a_recorded_pid(tmp_path):
    process = _process(tmp_path, "gateway")
    try:
        (tmp_path / "gateway.pid").write_text(f"{process.pid} 1\n")  # another start time
        assert stop(tmp_path, timeout=1) == []
        assert process.poll() is None
    finally:
        process.kill()
        process.wait()


# supervision ----------------------------------------------------------------------------------
def test_the_back_off_doubles_at_each_quick_exit_up_to_30_s():
    assert [backoff(exits) for exits in range(1, 10)] == [0, 0.5, 1, 2, 4, 8, 16, 30, 30]


class _Exited:
    def __init__(self, pid: int) -> None:
        self.pid, self.returncode = pid, None

    def poll(self):
        return self.returncode


def test_the_supervisor_starts_again_what_exits_after_its_back_off():
    now, launched, records, lines = [0.0], [], [], []

    def launch(name: str) -> _Exited:
        launched.append((name, now[0]))
        return _Exited(100 + len(launched))

    supervisor = Supervisor(
        ["sales-api", "sales-worker-1"],
        launch=launch,
        record=lambda *record: records.append(record),
        log=lines.append,
        clock=lambda: now[0],
    )
    api = supervisor.parts[0]

    def at(moment: float) -> None:
        now[0] = moment
        supervisor.check()

    at(0)
    assert launched == [("sales-api", 0), ("sales-worker-1", 0)]
    api.process.returncode = -signal.SIGKILL
    at(1)  # noticed, and started again at once
    assert "sales-api (pid 101) exited, killed by SIGKILL, after 1.0 s" in lines[0]
    assert launched[-1] == ("sales-api", 1)
    assert records[-1] == ("sales-api", 103, 1)
    for exit_at, restarted_at in ((1.2, 1.7), (2, 3)):  # soon after its start: 0.5 s, then 1 s
        api.process.returncode = 1
        at(exit_at)
        at(restarted_at - 0.01)
        assert launched[-1][1] < exit_at
        at(restarted_at)
        assert launched[-1] == ("sales-api", restarted_at)
    api.process.returncode = 1
    at(50)  # after a run of 47 s: at once again
    assert launched[-1] == ("sales-api", 50)
    assert api.restarts == 4
    assert supervisor.parts[1].restarts == 0
    api.process.returncode = 0
    supervisor.stopping = True  # what SIGTERM does
    at(60)
    at(100)
    assert len(launched) == 6  # nothing started while stopping


_SUPERVISOR = """
import signal, subprocess, sys
from pathlib import Path
from scripts.stack import _record
from scripts.supervisor import Supervisor

directory = Path(sys.argv[1])
supervisor = Supervisor(
    ["sales-api"],
    launch=lambda name: subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    ),
    record=lambda name, pid, restarts: _record(directory, name, pid, restarts),
    log=print,
)
signal.signal(signal.SIGTERM, lambda *_: setattr(supervisor, "stopping", True))
supervisor.run()
"""


def test_stop_stops_the_supervisor_first_and_nothing_is_started_again(tmp_path):
    supervisor = subprocess.Popen(
        [sys.executable, "-c", _SUPERVISOR, str(tmp_path)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _record(tmp_path, "supervisor", supervisor.pid)
        (first,) = wait_until(lambda: [p for p in running(tmp_path) if p.name == "sales-api"])
        os.kill(first.pid, signal.SIGKILL)
        (again,) = wait_until(
            lambda: [p for p in running(tmp_path) if p.name == "sales-api" and p.restarts]
        )
        assert again.pid != first.pid and again.alive and again.restarts == 1

        assert stop(tmp_path, timeout=5) == ["supervisor", "sales-api"]
        assert supervisor.wait(timeout=5) == 0
        time.sleep(1)  # longer than the back-off
        assert not again.alive
        assert running(tmp_path) == []
    finally:
        supervisor.kill()
        supervisor.wait()
        for process in running(tmp_path):
            if process.alive:
                os.kill(process.pid, signal.SIGKILL)
