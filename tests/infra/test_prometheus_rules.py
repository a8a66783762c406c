"""Prometheus's own checks of ``infra/prometheus/``: the config, the alert rules, and their
unit tests (``promtool test rules``), with Debian's ``promtool`` (``.ci/run`` installs it);
the Grafana dashboard and compose's scrape targets, statically."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from services.common.config import SERVICES_WITH_DATABASE
from services.common.events.topology import Topology
from tests.support.prometheus_package import prometheus_tool

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "infra" / "prometheus"
RULE_TESTS = Path(__file__).resolve().parent / "prometheus" / "alerts_test.yml"
GRAFANA = ROOT / "infra" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "connexions.json"
yaml = YAML(typ="safe")


@pytest.fixture(scope="module")
def promtool() -> str:
    return prometheus_tool("promtool")


def run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_config_and_its_rules_pass_promtool_check(promtool):
    output = run(promtool, "check", "config", str(PROMETHEUS / "prometheus.yml"))
    assert f"SUCCESS: {len(alerts())} rules found" in output


def test_every_alert_passes_its_unit_tests(promtool):
    assert "SUCCESS" in run(promtool, "test", "rules", str(RULE_TESTS))


def alerts() -> list[dict]:
    document = yaml.load((PROMETHEUS / "alerts.yml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_every_alert_has_a_test_where_it_fires_and_a_runbook():
    tests = yaml.load(RULE_TESTS.read_text())["tests"]
    fired = {
        case["alertname"]
        for test in tests
        for case in test["alert_rule_test"]
        if case.get("exp_alerts")
    }
    names = {rule["alert"] for rule in alerts()}
    assert names == fired
    assert all(rule["annotations"].get("runbook") for rule in alerts())


def exported_metrics() -> set[str]:
    from prometheus_client import REGISTRY

    import services.inventory.handlers.metrics  # noqa: F401 - registers the stock gauges
    from services.common.metrics import DATABASE_FIGURES

    exported = {
        sample_name
        for collector_name in REGISTRY._names_to_collectors  # noqa: SLF001 - the names known
        for sample_name in (collector_name, collector_name + "_bucket")
    }
    return exported | {family.name for family in DATABASE_FIGURES.collect()}  # at each scrape


def metric_names(expressions: list[str]) -> set[str]:
    return {name for expr in expressions for name in re.findall(r"connexions_\w+", expr)}


def test_alerts_use_only_metrics_the_code_exports():
    used = metric_names([rule["expr"] for rule in alerts()])
    assert used and used <= exported_metrics(), used - exported_metrics()


# the Grafana dashboard --------------------------------------------------------------------------
def dashboard_queries() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel["targets"]]


def test_the_dashboard_shows_what_an_operator_watches():
    panels = json.loads(DASHBOARD.read_text())["panels"]
    titles = " | ".join(panel["title"].lower() for panel in panels)
    for topic in ("orders per minute", "decision latency", "outbox", "lag", "dead", "5xx"):
        assert topic in titles, topic
    wanted = {
        "connexions_saga_orders_total",
        "connexions_saga_decision_duration_seconds_bucket",
        "connexions_outbox_oldest_unsent_age_seconds",
        "connexions_consumer_lag_seconds_bucket",
        "connexions_consumer_events_dead_lettered_total",
        "connexions_http_requests_total",
    }
    used = metric_names(dashboard_queries())
    assert wanted <= used <= exported_metrics(), (wanted - used, used - exported_metrics())


def test_the_dashboard_reads_the_provisioned_data_source():
    source = yaml.load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    uid = source["datasources"][0]["uid"]
    panels = json.loads(DASHBOARD.read_text())["panels"]
    assert {panel["datasource"]["uid"] for panel in panels} == {uid}
    assert {t["datasource"]["uid"] for panel in panels for t in panel["targets"]} == {uid}
    assert len({panel["id"] for panel in panels}) == len(panels)


def test_the_dashboard_queries_are_valid_promql(promtool, tmp_path):
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:query_{n}", "expr": expr}
                    for n, expr in enumerate(dashboard_queries())
                ],
            }
        ]
    }
    path = tmp_path / "dashboard_rules.yml"
    with path.open("w") as file:
        yaml.dump(rules, file)
    run(promtool, "check", "rules", str(path))


# compose --------------------------------------------------------------------------------------
def scrape_jobs() -> dict[str, dict]:
    config = yaml.load((PROMETHEUS / "prometheus.yml").read_text())
    return {job["job_name"]: job for job in config["scrape_configs"]}


def dns_targets(job: dict) -> set[tuple[str, int]]:
    """(name, port) of a job's DNS discovery: type A, every address of a compose service."""
    assert "static_configs" not in job, job["job_name"]
    found = set()
    for config in job["dns_sd_configs"]:
        assert config["type"] == "A", job["job_name"]
        found |= {(name, config["port"]) for name in config["names"]}
    return found


def test_prometheus_scrapes_every_replica_of_every_api_and_worker_of_the_compose_file():
    compose = yaml.load((ROOT / "docker-compose.yml").read_text())["services"]
    jobs = scrape_jobs()
    apis = {name for name, service in compose.items() if service.get("command") == ["api"]}
    workers = {
        (name, int(service["environment"]["METRICS_PORT"]))
        for name, service in compose.items()
        if service.get("command") == ["worker"]
    }
    # APIs and workers may be scaled: each name resolves to every replica's address
    assert dns_targets(jobs["api"]) == {(name, 8000) for name in apis - {"gateway"}}
    assert dns_targets(jobs["worker"]) == workers
    for job in (jobs["api"], jobs["worker"]):
        assert job["relabel_configs"] == [
            {"source_labels": ["__meta_dns_name"], "target_label": "compose_service"}
        ]
    # the gateway publishes a host port: it runs once, under its own name
    assert jobs["gateway"]["static_configs"] == [{"targets": ["gateway:8000"]}]
    assert compose["gateway"]["ports"]
    assert jobs["rabbitmq"]["static_configs"] == [{"targets": ["rabbitmq:15692"]}]
    queues = jobs["rabbitmq-queues"]
    assert queues["static_configs"] == [{"targets": ["rabbitmq:15692"]}]
    assert queues["metrics_path"] == "/metrics/detailed"
    assert "./infra/prometheus:/etc/prometheus:ro" in compose["prometheus"]["volumes"]


def test_the_stalled_queue_alert_watches_the_lanes_queues_and_no_other():
    """Its pattern against the queues compose's namespace declares: every lane's queue, never a
    retry queue (whose messages wait on purpose) nor a dead-letter queue."""
    compose = yaml.load((ROOT / "docker-compose.yml").read_text())
    namespace = compose["x-common-env"]["EVENT_NAMESPACE"]
    vhost = scrape_jobs()["rabbitmq-queues"]["params"]["vhost"]
    assert vhost == [namespace]
    [rule] = [rule for rule in alerts() if rule["alert"] == "QueueStalled"]
    patterns = set(re.findall(r'queue=~"([^"]+)"', rule["expr"]))
    assert len(patterns) == 1
    pattern = re.compile(patterns.pop().replace("\\\\", "\\"))
    topology = Topology(namespace=namespace)
    for service in SERVICES_WITH_DATABASE:
        lanes = set(topology.consumed_queue_names(service))
        others = {queue.name for queue in topology.service_queues(service)} - lanes
        assert lanes and all(pattern.fullmatch(name) for name in lanes), lanes
        assert others and not any(pattern.fullmatch(name) for name in others), others
    for family in (
        "rabbitmq_detailed_queue_messages_ready",
        "rabbitmq_detailed_channel_messages_acked_total",
    ):
        assert family in rule["expr"]


def test_a_compose_service_with_no_replica_left_is_watched_for_every_discovered_name():
    """Found by DNS, a service whose replicas all stopped leaves no target (no ``up == 0``):
    ``ReplicasGone`` names each one the api and worker jobs discover."""
    [rule] = [rule for rule in alerts() if rule["alert"] == "ReplicasGone"]
    watched = set(
        re.findall(r'absent\(up\{job="(\w+)", compose_service="([\w-]+)"\}\)', rule["expr"])
    )
    discovered = {
        (job, name) for job in ("api", "worker") for name, _ in dns_targets(scrape_jobs()[job])
    }
    assert watched == discovered
