"""After erasure, a person's name and contact are in no log line and no file of the
embedded system (``make run``): not in the access logs of its servers, not in the SQLite
databases, not in their write-ahead logs.

The system runs as ``python -m services.embedded`` does, in its own process, its standard
output and error captured in one file: every log stream it has.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
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
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")},
        "DATA_DIR": str(data),
        "BROKER_URL": "memory://",
        "GATEWAY_PORT": str(port),
        "LOG_LEVEL": "DEBUG",  # the most a log could say
        "DEMO_DATA": "none",  # the planted person alone: no demo programme to seed first
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.embedded"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: (data / "demo-keys.json").exists() and _up(url), timeout=60)
        yield process, url, data, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
