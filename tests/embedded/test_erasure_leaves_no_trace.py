"""After erasure, a person's name and contact are in no log line and no file of the
embedded system (``make run``): not in the access logs of its servers, not in the SQLite
databases, not in their write-ahead logs.

The system runs as ``python -m services.embedded`` does, in its own process, its standard
output and error captured in one file: every log stream it has.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
import requests

from tests.support.planted_person import (
    Caller,
    PlantedPerson,
    enrol_search_and_erase,
    traces_in_files,
)
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
COUNTER_SITE = "Point d'accueil Paris"  # the demo counter key's site


@pytest.fixture
def embedded_process(tmp_path):
    data, log = tmp_path / "data", tmp_path / "embedded.log"
    for _ in range(3):  # a port found free may be taken before the process binds it
        port = free_port()
        process = _start_embedded(data, log, port)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until(partial(_started, process, data, url), timeout=60)
        except BaseException:
            _stop(process)
            raise
        if process.poll() is None:
            break
    try:
        assert process.poll() is None, log.read_text(errors="replace")[-2000:]
        yield process, url, data, log
    finally:
        _stop(process)


def _started(process: subprocess.Popen, data: Path, url: str) -> bool:
    """Serving, or gone (its port was taken: the fixture tries another)."""
    return process.poll() is not None or ((data / "demo-keys.json").exists() and _up(url))


def _start_embedded(data: Path, log: Path, port: int) -> subprocess.Popen:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")},
        "DATA_DIR": str(data),
        "BROKER_URL": "memory://",
        "GATEWAY_PORT": str(port),
        "LOG_LEVEL": "DEBUG",  # the most a log could say
        "DEMO_DATA": "none",  # the planted person alone: no demo programme to seed first
    }
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "services.embedded"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def free_port() -> int:
    """A free port below Linux's ephemeral range (32768+), which outgoing connections use:
    one of them cannot take it between this check and the server's bind."""
    for _ in range(100):
        port = random.randint(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


def _up(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_an_erased_person_is_in_no_log_and_no_database_file(embedded_process):
    process, url, data, log = embedded_process
    keys = json.loads((data / "demo-keys.json").read_text())
    admin, counter = Caller(url, keys["admin"]), Caller(url, keys["counter"])
    site = next(s for s in admin.ok("GET", "inventory/sites") if s["name"] == COUNTER_SITE)
    person = PlantedPerson.new()

    enrol_search_and_erase(person, admin, counter, site["id"])

    # while running: the databases and their write-ahead logs as they are on disk now
    assert traces_in_files(person, data) == {}
    process.send_signal(signal.SIGTERM)
    process.wait(30)
    logged = log.read_bytes()
    assert b"/beneficiaries" in logged  # the access log did record the requests...
    assert person.found_in(logged) == []  # ...without the name or contact
    assert traces_in_files(person, data) == {}
