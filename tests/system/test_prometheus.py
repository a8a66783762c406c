"""The real Prometheus (Debian's package) against the real stack (``make stack``): every
target up, then one event dead-lettered on purpose and its alert seen firing through
Prometheus's HTTP API. Prometheus runs on a free port with ``infra/prometheus`` rendered with
this stack's addresses (and one-second scrapes and evaluations)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pika
import pytest
import requests
from ruamel.yaml import YAML

from services.common.config import SERVICES_WITH_DATABASE
from services.common.events.topology import Topology
from tests.support.prometheus_package import prometheus_tool
from tests.support.waiting import wait_until
from tests.system.test_stack_system import (  # noqa: F401 - the stack's fixture, reused
    _free_port_block,
    _logs,
    _stack,
    stack_environment,
)

ROOT = Path(__file__).resolve().parents[2]
RABBITMQ_PROMETHEUS = ("127.0.0.1", 15692)


@pytest.fixture(scope="module")
def prometheus_binary() -> str:
    return prometheus_tool("prometheus")


@pytest.fixture(scope="module")
def stack(stack_environment):  # noqa: F811 - the imported fixture
    environment = {**stack_environment, "STACK_METRICS_PORT": str(_free_port_block(3))}
    started = _stack("start", environment, STACK_WORKER_REPLICAS="1")
    assert started.returncode == 0, started.stderr + _logs(Path(environment["STACK_DIR"]))
    yield environment
    _stack("stop", environment)


def targets(environment: dict[str, str]) -> dict[str, list[str]]:
    gateway = int(environment["GATEWAY_PORT"])
    workers = int(environment["STACK_METRICS_PORT"])
    found = {
        "api": [f"127.0.0.1:{gateway + n}" for n in range(1, len(SERVICES_WITH_DATABASE) + 1)],
        "gateway": [f"127.0.0.1:{gateway}"],
        "worker": [f"127.0.0.1:{workers + n}" for n in range(len(SERVICES_WITH_DATABASE))],
    }
    with socket.socket() as probe:  # the local broker may not have the plugin enabled
        if probe.connect_ex(RABBITMQ_PROMETHEUS) == 0:
            found["rabbitmq"] = ["{}:{}".format(*RABBITMQ_PROMETHEUS)]
    return found


def render_config(environment: dict[str, str], directory: Path) -> Path:
    """``infra/prometheus/prometheus.yml`` with this stack's targets in place of compose's."""
    yaml = YAML(typ="safe")
    config = yaml.load((ROOT / "infra" / "prometheus" / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [
        str(ROOT / "infra" / "prometheus" / name) for name in config["rule_files"]
    ]
    ours = targets(environment)
    config["scrape_configs"] = [
        {**job, "static_configs": [{"targets": ours[job["job_name"]]}]}
        for job in config["scrape_configs"]
        if job["job_name"] in ours
    ]
    path = directory / "prometheus.yml"
    with path.open("w") as file:
        yaml.dump(config, file)
    return path


@pytest.fixture(scope="module")
def prometheus(stack, prometheus_binary, tmp_path_factory):
    directory = tmp_path_factory.mktemp("prometheus")
    port = _free_port_block(1)
    with (directory / "prometheus.log").open("wb") as log:
        process = subprocess.Popen(
            [
                prometheus_binary,
                f"--config.file={render_config(stack, directory)}",
                f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _ready(url), timeout=30, interval=0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/-/ready", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def test_every_target_is_up(stack, prometheus):
    expected = {target for found in targets(stack).values() for target in found}

    def all_up() -> bool:
        active = requests.get(f"{prometheus}/api/v1/targets", timeout=5).json()["data"]
        up = {t["labels"]["instance"] for t in active["activeTargets"] if t["health"] == "up"}
        return up == expected

    wait_until(all_up, timeout=60, interval=1)


def test_a_dead_lettered_event_fires_its_alert(stack, prometheus):
    topology = Topology(namespace=stack["EVENT_NAMESPACE"])
    wait_until(lambda: _scraped_dead_letter_series(prometheus), timeout=60, interval=1)
    connection = pika.BlockingConnection(pika.URLParameters(stack["BROKER_URL"]))
    try:
        connection.channel().basic_publish(
            exchange="",
            routing_key=topology.queue_name("inventory"),
            body=b"not an event",
            properties=pika.BasicProperties(content_type="application/json", delivery_mode=2),
        )
    finally:
        connection.close()

    def firing() -> list[dict]:
        alerts = requests.get(f"{prometheus}/api/v1/alerts", timeout=5).json()["data"]["alerts"]
        return [
            alert
            for alert in alerts
            if alert["labels"]["alertname"] == "EventDeadLettered" and alert["state"] == "firing"
        ]

    alerts = wait_until(firing, timeout=120, interval=1)
    assert [(a["labels"]["service"], a["labels"]["type"]) for a in alerts] == [
        ("inventory", "unknown")
    ]


def _scraped_dead_letter_series(prometheus: str) -> bool:
    """The counter is scraped at zero first: its first dead letter is then an increase."""
    query = 'connexions_consumer_events_dead_lettered_total{service="inventory",type="unknown"}'
    found = requests.get(f"{prometheus}/api/v1/query", params={"query": query}, timeout=5)
    return bool(found.json()["data"]["result"])
