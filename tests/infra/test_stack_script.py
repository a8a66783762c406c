"""``scripts/stack.py`` without servers: what it requires, and how it stops processes."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.stack import StackConfig, StackError, _record, running, stop
from services.common.config import DATABASES


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
