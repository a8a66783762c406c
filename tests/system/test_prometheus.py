"""The real Prometheus (Debian's package) against the real stack (``make stack``): every
target up, then one event dead-lettered on purpose and its alert seen firing through
Prometheus's HTTP API. Prometheus runs on a free port with ``infra/prometheus`` rendered with
this stack's addresses (and one-second scrapes and evaluations): where compose's config finds a
service's replicas by DNS, the local stack's one replica is a static target with the label
that discovery gives it."""

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


def local_addresses(environment: dict[str, str]) -> dict[str, str]:
    """Compose's ``host:port`` of each scraped part → the local stack's address of it (one
    replica each: STACK_WORKER_REPLICAS=1)."""
    gateway = int(environment["GATEWAY_PORT"])
    workers = int(environment["STACK_METRICS_PORT"])
    found = {"gateway:8000": f"127.0.0.1:{gateway}"}
    for n, service in enumerate(SERVICES_WITH_DATABASE):
        found[f"{service}:8000"] = f"127.0.0.1:{gateway + 1 + n}"  # scripts/stack.py's ports
        found[f"{service}-worker:9100"] = f"127.0.0.1:{workers + n}"
    with socket.socket() as probe:  # the local broker may not have the plugin enabled
        if probe.connect_ex(RABBITMQ_PROMETHEUS) == 0:
            found["rabbitmq:15692"] = "{}:{}".format(*RABBITMQ_PROMETHEUS)
    return found


def local_job(job: dict, addresses: dict[str, str]) -> dict | None:
    """A job of compose's config scraping the local stack: each compose target, static or
    found by DNS, at its local address, with the ``compose_service`` label its DNS discovery
    gives it in compose; None for a job of parts this stack lacks (RabbitMQ without its
    plugin). An unknown target fails the test: the rendering must know every part."""
    job = dict(job)
    compose = [(group["targets"], {}) for group in job.pop("static_configs", [])]
    discovered = job.pop("dns_sd_configs", [])
    if discovered:
        assert job.pop("relabel_configs") == [  # the one relabelling: done here, statically
            {"source_labels": ["__meta_dns_name"], "target_label": "compose_service"}
        ]
    compose += [
        ([f"{name}:{config['port']}"], {"compose_service": name})
        for config in discovered
        for name in config["names"]
    ]
    missing = {target for targets, _ in compose for target in targets} - set(addresses)
    if missing:
        assert missing == {"rabbitmq:15692"}, missing  # only the broker's plugin may be absent
        return None
    groups = [
        {"targets": [addresses[target] for target in targets], "labels": labels}
        for targets, labels in compose
    ]
    return {**job, "static_configs": groups}


def render_config(environment: dict[str, str], directory: Path) -> Path:
    """``infra/prometheus/prometheus.yml`` with this stack's addresses in place of compose's."""
    yaml = YAML(typ="safe")
    config = yaml.load((ROOT / "infra" / "prometheus" / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [
        str(ROOT / "infra" / "prometheus" / name) for name in config["rule_files"]
    ]
    addresses = local_addresses(environment)
    jobs = [local_job(job, addresses) for job in config["scrape_configs"]]
    config["scrape_configs"] = [job for job in jobs if job is not None]
    path = directory / "prometheus.yml"
    with path.open("w") as file:
        yaml.dump(config, file)
    return path


def expected_targets(path: Path) -> set[tuple[str, str]]:
    """(job, instance) of every target of the rendered config."""
    config = YAML(typ="safe").load(path.read_text())
    return {
        (job["job_name"], target)
        for job in config["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }


@pytest.fixture(scope="module")
def rendered(stack, tmp_path_factory) -> Path:
    return render_config(stack, tmp_path_factory.mktemp("prometheus"))


@pytest.fixture(scope="module")
def prometheus(rendered, prometheus_binary):
    directory = rendered.parent
    port = _free_port_block(1)
    with (directory / "prometheus.log").open("wb") as log:
        process = subprocess.Popen(
            [
                prometheus_binary,
                f"--config.file={rendered}",
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


def test_every_target_is_up(rendered, prometheus):
    expected = expected_targets(rendered)
    assert {job for job, _ in expected} >= {"api", "gateway", "worker"}

    def all_up() -> list[dict]:
        active = requests.get(f"{prometheus}/api/v1/targets", timeout=5).json()["data"]
        up = [t for t in active["activeTargets"] if t["health"] == "up"]
        return up if {(t["labels"]["job"], t["labels"]["instance"]) for t in up} == expected else []

    up = wait_until(all_up, timeout=60, interval=1)
    named = {t["labels"].get("compose_service") for t in up if t["labels"]["job"] == "worker"}
    assert named == {f"{service}-worker" for service in SERVICES_WITH_DATABASE}


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
