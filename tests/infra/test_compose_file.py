"""``docker-compose.yml`` checked without a Docker engine: the Compose specification's schema,
then the rules of this stack (health checks, one-shot migrations, scaling, secrets)."""

from __future__ import annotations

import copy
import re

import pytest

from scripts.rabbitmq_definitions import ADMIN_USER, password_env_var
from services.common.config import SERVICES_WITH_DATABASE
from tests.infra.repository import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    RABBITMQ_CONF,
    load_yaml,
    read_env_file,
    run,
    tool,
)

APPLICATION_SERVICES = (*SERVICES_WITH_DATABASE, "gateway")
PUBLISHED = {"gateway": "8000", "rabbitmq": "15672"}  # container ports reachable from the host


def validate_against_compose_spec(path) -> tuple[bool, str]:
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path))
    return result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_yaml(COMPOSE_FILE)


def test_the_compose_file_follows_the_compose_specification():
    valid, output = validate_against_compose_spec(COMPOSE_FILE)
    assert valid, output


def test_the_specification_check_rejects_a_misspelt_key(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE_FILE.read_text().replace("depends_on:", "depend_on:", 1))
    valid, output = validate_against_compose_spec(broken)
    assert not valid
    assert "depend_on" in output


# health ---------------------------------------------------------------------------------------
def health_check_problems(services: dict) -> list[str]:
    """What breaks the rule: every service has a health check, except one-shot steps, which
    must not restart and whose dependents wait for their successful completion instead."""
    problems = []
    for name, service in services.items():
        check = service.get("healthcheck") or {}
        if service.get("restart") == "no":
            for dependent, spec in services.items():
                condition = (spec.get("depends_on") or {}).get(name, {}).get("condition")
                if condition not in (None, "service_completed_successfully"):
                    problems.append(f"{dependent} waits for one-shot {name} to be {condition}")
        elif check.get("disable") or not check.get("test"):
            problems.append(f"{name} has no health check")
    return problems


def test_every_service_has_a_health_check_or_is_a_one_shot_step(compose):
    assert health_check_problems(compose["services"]) == []


def test_the_health_check_rule_catches_a_service_without_one(compose):
    services = copy.deepcopy(compose["services"])
    del services["inventory-worker"]["healthcheck"]
    services["sales-worker"]["healthcheck"] = {"disable": True}
    assert health_check_problems(services) == [
        "inventory-worker has no health check",
        "sales-worker has no health check",
    ]


def test_every_dependency_waits_for_health_or_completion(compose):
    for name, service in compose["services"].items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            expected = (
                "service_completed_successfully"
                if compose["services"][dependency].get("restart") == "no"
                else "service_healthy"
            )
            assert spec.get("condition") == expected, f"{name} -> {dependency}"


def test_migrations_run_once_before_the_api_and_worker_of_their_service(compose):
    services = compose["services"]
    for service in SERVICES_WITH_DATABASE:
        migrate = services[f"{service}-migrate"]
        assert migrate["command"] == ["migrate"]
        assert migrate["restart"] == "no"
        assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
        for part, command in ((service, "api"), (f"{service}-worker", "worker")):
            assert services[part]["command"] == [command]
            assert services[part]["environment"]["SERVICE"] == service
            assert set(services[part]["depends_on"]) == {
                f"{service}-migrate",
                "postgres",
                "rabbitmq",
            }
    assert set(services["gateway"]["depends_on"]) == set(SERVICES_WITH_DATABASE)


# scaling and exposure -------------------------------------------------------------------------
def test_only_the_gateway_and_the_broker_ui_are_published_and_everything_scales(compose):
    published = {}
    for name, service in compose["services"].items():
        assert "container_name" not in service, f"{name} could not be scaled"
        for mapping in service.get("ports", []):
            published[name] = str(mapping).rsplit(":", 1)[-1]
    assert published == PUBLISHED


# configuration and secrets --------------------------------------------------------------------
def test_each_container_gets_the_secrets_of_its_own_service_only(compose):
    for name, service in compose["services"].items():
        environment = service.get("environment") or {}
        own = environment.get("SERVICE")
        if own not in SERVICES_WITH_DATABASE:
            continue
        databases = {key for key in environment if key.endswith("_DATABASE_URL")}
        assert databases == {f"{own.upper()}_DATABASE_URL"}, name
        assert environment[databases.pop()].startswith(f"postgresql+psycopg://{own}:"), name
        assert environment["BROKER_URL"].startswith(f"amqp://{own}:"), name
        assert environment["BROKER_URL"].endswith("@rabbitmq:5672/connexions"), name
    gateway = compose["services"]["gateway"]["environment"]
    assert not [key for key in gateway if key.endswith("_DATABASE_URL") or key == "BROKER_URL"]


def test_the_env_example_documents_every_variable_compose_reads_and_no_other():
    text = COMPOSE_FILE.read_text()
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))
    required = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)(?::?\?[^}]*)?\}", text))
    example = ENV_EXAMPLE.read_text()
    settings = set(read_env_file(ENV_EXAMPLE))
    assert required <= settings, f"missing from .env.example: {sorted(required - settings)}"
    assert not [name for name in used if name not in example], "undocumented in .env.example"
    # The broker's passwords are also read when definitions are rendered for a deployment.
    rendered = {password_env_var(user) for user in (ADMIN_USER, *SERVICES_WITH_DATABASE)}
    assert settings <= used | rendered, f"used nowhere: {sorted(settings - used - rendered)}"


def _mount(volume: str) -> tuple[str, str]:
    """(source, target) of a short-syntax volume; the source may hold ``${VAR:-default}``."""
    parts = volume.rsplit(":", 2) if volume.endswith((":ro", ":rw")) else volume.rsplit(":", 1)
    return parts[0], parts[1]


def test_the_broker_loads_the_rendered_definitions_and_its_config(compose):
    mounts = {
        target: source for source, target in map(_mount, compose["services"]["rabbitmq"]["volumes"])
    }
    assert mounts["/etc/rabbitmq/conf.d/20-connexions.conf"] == "./infra/rabbitmq/rabbitmq.conf"
    assert mounts["/etc/rabbitmq/definitions.json"] == (
        "${RABBITMQ_DEFINITIONS:-./infra/rabbitmq/definitions.json}"
    )
    settings = dict(
        line.split(" = ", 1)
        for line in RABBITMQ_CONF.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert settings["definitions.import_backend"] == "local_filesystem"
    assert settings["definitions.local.path"] == "/etc/rabbitmq/definitions.json"


def test_postgres_runs_the_init_script_with_every_service_password(compose):
    postgres = compose["services"]["postgres"]
    mounts = {target: source for source, target in map(_mount, postgres["volumes"])}
    assert mounts["/docker-entrypoint-initdb.d/10-services.sh"] == "./infra/postgres/init.sh"
    for service in SERVICES_WITH_DATABASE:
        assert f"{service.upper()}_DB_PASSWORD" in postgres["environment"]
