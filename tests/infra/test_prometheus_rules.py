"""Prometheus's own checks of ``infra/prometheus/``: the config, the alert rules, and their
unit tests (``promtool test rules``), with Debian's ``promtool`` (``.ci/run`` installs it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "infra" / "prometheus"
RULE_TESTS = Path(__file__).resolve().parent / "prometheus" / "alerts_test.yml"


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found:
        return found
    if os.environ.get("REQUIRE_INTEGRATION") == "1":
        pytest.fail("promtool is missing: apt-get install prometheus (.ci/run does)")
    pytest.skip("promtool is missing: apt-get install prometheus")


def run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_config_and_its_rules_pass_promtool_check(promtool):
    output = run(promtool, "check", "config", str(PROMETHEUS / "prometheus.yml"))
    assert "SUCCESS: 7 rules found" in output


def test_every_alert_passes_its_unit_tests(promtool):
    assert "SUCCESS" in run(promtool, "test", "rules", str(RULE_TESTS))


def alerts() -> list[dict]:
    document = YAML(typ="safe").load((PROMETHEUS / "alerts.yml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_every_alert_has_a_test_where_it_fires_and_a_runbook():
    tests = YAML(typ="safe").load(RULE_TESTS.read_text())["tests"]
    fired = {
        case["alertname"]
        for test in tests
        for case in test["alert_rule_test"]
        if case.get("exp_alerts")
    }
    names = {rule["alert"] for rule in alerts()}
    assert names == fired
    assert all(rule["annotations"].get("runbook") for rule in alerts())


def test_alerts_use_only_metrics_the_code_exports():
    from prometheus_client import REGISTRY

    import services.inventory.stock_metrics  # noqa: F401 - registers the stock gauges
    from services.common.metrics import DATABASE_FIGURES

    exported = {
        sample_name
        for collector_name in REGISTRY._names_to_collectors  # noqa: SLF001 - the names known
        for sample_name in (collector_name, collector_name + "_bucket")
    }
    exported |= {family.name for family in DATABASE_FIGURES.collect()}  # read at each scrape
    used = {name for rule in alerts() for name in re.findall(r"connexions_\w+", rule["expr"])}
    assert used and used <= exported, used - exported
