"""The gateway hop: one read through the gateway against the same read straight to the
service, same run, both under gunicorn; plus the resident memory of those processes.

Load comes from wrk (Debian package ``wrk``), which costs far less CPU than a Python client
would on the same two cores.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from bench.environment import fresh_service
from bench.figures import Figure
from bench.identity import admin_client, admin_tokens
from services.gateway.keys import KeyStore
from services.inventory.app import SERVICE as INVENTORY

ROOT = Path(__file__).resolve().parent.parent
ONE_TOKEN_PER_REQUEST = Path(__file__).with_name("one_token_per_request.lua")
# More than one direct run of wrk sends (a token opens one request); running out fails the run.
DIRECT_TOKENS = 40_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app: str, port: int, env: dict):
    command = [sys.executable, "-m", "gunicorn", "-c", "infra/gunicorn.conf.py", app]
    environment = {
        **os.environ,
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health/live", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        process.wait(20)


def processes_of(master: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return [master.pid, *map(int, children)]


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def wrk(url: str, connections: int, authorization: str | Path, seconds: int = 6) -> dict:
    """``authorization``: a header value sent on every request, or a file of tokens, one
    per request (a service refuses a token used twice)."""
    if isinstance(authorization, Path):
        identity, script_args = ["-s", str(ONE_TOKEN_PER_REQUEST)], ["--", str(authorization)]
    else:
        identity, script_args = ["-H", f"Authorization: {authorization}"], []
    output = subprocess.run(
        ["wrk", "-t2", f"-c{max(2, connections)}", f"-d{seconds}s", "--latency", *identity]
        + [url, *script_args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if isinstance(authorization, Path):
        authorization.unlink()
    if "Non-2xx" in output:
        raise RuntimeError(f"wrk got refusals from {url}:\n{output}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def direct_tokens(count: int = DIRECT_TOKENS) -> Path:
    """A file of fresh tokens for ``GET /sites`` at inventory, one per direct request."""
    tokens = admin_tokens(count, service="inventory", method="GET", path="/sites")
    with tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False) as file:
        file.write("\n".join(tokens) + "\n")
    return Path(file.name)


def gateway_hop() -> list[Figure]:
    if shutil.which("wrk") is None:
        raise SystemExit("the gateway benchmark needs wrk: apt-get install wrk")
    with fresh_service("inventory") as settings, fresh_service("gateway") as gateway_settings:
        runtime = INVENTORY.runtime(settings)
        client = admin_client(INVENTORY.create_app({"RUNTIME": runtime}))
        for n in range(7):
            client.post("/sites", json={"name": f"Site {n}", "city": "Lyon", "kind": "counter"})
        service_port, gateway_port = free_port(), free_port()
        keys_database = gateway_settings.database_url
        keys = KeyStore(keys_database)
        api_key = keys.create("bench", "admin").secret
        keys.close()
        env = {
            "GATEWAY_DATABASE_URL": keys_database,
            "GATEWAY_RATE_LIMIT": "1000000/second",
            "INVENTORY_DATABASE_URL": settings.database_url,
            "BROKER_URL": settings.messaging.broker_url,
            "INVENTORY_URL": f"http://127.0.0.1:{service_port}",
        }
        with (
            gunicorn("services.inventory.app:create_app()", service_port, env) as service,
            gunicorn("services.gateway.app:create_app()", gateway_port, env) as gateway,
        ):
            pids = processes_of(service) + processes_of(gateway)
            idle = {pid: rss_mb(pid) for pid in pids}
            direct_url = f"http://127.0.0.1:{service_port}/sites"
            hop_url = f"http://127.0.0.1:{gateway_port}/api/inventory/sites"
            # throughput at saturation (16 connections); latency of one client at a time
            key = f"Bearer {api_key}"
            direct, hop = wrk(direct_url, 16, direct_tokens()), wrk(hop_url, 16, key)
            loaded = {pid: rss_mb(pid) for pid in pids}
            direct_alone, hop_alone = wrk(direct_url, 1, direct_tokens()), wrk(hop_url, 1, key)
        runtime.dispose()
    added_p50 = hop_alone["p50"] - direct_alone["p50"]
    peak = max(loaded.values())
    return [
        Figure(
            "Gateway hop: requests/s through the gateway vs direct",
            hop["rps"],
            direct["rps"],
            "req/s",
            "≥ 50 % of direct",
            hop["rps"] >= 0.5 * direct["rps"],
        ),
        Figure(
            "Gateway hop: added p50 latency, one client at a time "
            f"(p50 {hop_alone['p50']:.2f} vs {direct_alone['p50']:.2f} ms direct; "
            f"p99 {hop_alone['p99']:.2f} vs {direct_alone['p99']:.2f} ms)",
            added_p50,
            None,
            "ms",
            "≤ 2 ms",
            added_p50 <= 2.0,
        ),
        Figure(
            f"Memory: largest API/gateway process RSS (idle {max(idle.values()):.0f} MB)",
            peak,
            None,
            "MB",
            "≤ 150 MB per process",
            peak <= 150,
        ),
    ]
