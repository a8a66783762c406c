"""``docker-compose.yml`` checked without a Docker engine: the Compose specification's schema,
then the rules of this stack (health checks, one-shot migrations, scaling, secrets, token
and card-code keys)."""

from __future__ import annotations

import base64
import copy
import os
import re
import stat
import sys
from pathlib import Path

import pytest

from scripts.rabbitmq_definitions import ADMIN_USER, password_env_var
from services.common import card_codes
from services.common.config import DATABASES, SERVICES_WITH_DATABASE
from services.common.tokens import (
    SIGNING_KEY_FILE,
    VERIFY_KEY_FILE,
    load_signing_key,
    load_verify_key,
)
from services.inventory import code_vault
from tests.infra.repository import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    RABBITMQ_CONF,
    ROOT,
    load_yaml,
    read_env_file,
    run,
    tool,
)

PUBLISHED = {  # container ports reachable from the host (Prometheus and Grafana on loopback)
    "gateway": "8000",
    "rabbitmq": "15672",
    "prometheus": "9090",
    "grafana": "3000",
}
SIGNING_SECRET, VERIFY_SECRET = "token-signing-key", "token-verify-key"
TOKEN_SECRETS = (SIGNING_SECRET, VERIFY_SECRET)
CARD_CODE_SECRETS = {  # secret -> the file the code reads in CARD_CODES_KEY_DIR
    "card-codes-public-key": "public.pem",
    "card-codes-private-key": "private.pem",
    "card-codes-hash-key": "hash.key",
    "card-codes-at-rest-key": code_vault.KEY_FILE,
}
CARD_CODE_FILES_READ = {  # (SERVICE, command) -> the card-code files its code reads
    # an upload: each batch's data key wrapped for inventory, the PINs' keyed hashes
    ("donations", "api"): {"public.pem", "hash.key"},
    # take_in_codes: CardCodeKeys.load wants the public key beside the private one; each
    # opened code is checked against its keyed hash and sealed again at rest
    ("inventory", "worker"): {"public.pem", "private.pem", "hash.key", code_vault.KEY_FILE},
    # the reveal of a sold card's code
    ("inventory", "api"): {code_vault.KEY_FILE},
}  # donations' worker forwards ciphertexts: it reads none


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


def restart_problems(services: dict) -> list[str]:
    """What breaks the rule: a long-running container comes back by itself after it exits or
    the host reboots (unless an operator stopped it); a one-shot step is never run again."""
    return [
        f"{name} restarts {service.get('restart')!r}"
        for name, service in services.items()
        if service.get("restart") not in ("no", "unless-stopped")
    ]


def test_every_long_running_service_restarts_unless_stopped(compose):
    assert restart_problems(compose["services"]) == []
    assert compose["services"]["sales-worker"]["restart"] == "unless-stopped"  # from x-app


def test_the_restart_rule_catches_a_service_that_stays_down(compose):
    services = copy.deepcopy(compose["services"])
    del services["rabbitmq"]["restart"]
    services["gateway"]["restart"] = "on-failure"
    assert restart_problems(services) == [
        "rabbitmq restarts None",
        "gateway restarts 'on-failure'",
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
    for service in DATABASES:
        migrate = services[f"{service}-migrate"]
        assert migrate["command"] == ["migrate"]
        assert migrate["restart"] == "no"
        assert migrate["environment"]["SERVICE"] == service
        assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for service in SERVICES_WITH_DATABASE:
        for part, command in ((service, "api"), (f"{service}-worker", "worker")):
            assert services[part]["command"] == [command]
            assert services[part]["environment"]["SERVICE"] == service
            assert set(services[part]["depends_on"]) == {
                f"{service}-migrate",
                "postgres",
                "rabbitmq",
            }


def test_the_gateway_starts_once_its_database_is_migrated_and_the_services_are_up(compose):
    gateway = compose["services"]["gateway"]
    assert gateway["command"] == ["api"]
    assert gateway["environment"]["SERVICE"] == "gateway"
    assert gateway["depends_on"] == {
        "gateway-migrate": {"condition": "service_completed_successfully"},
        "postgres": {"condition": "service_healthy"},
        **{service: {"condition": "service_healthy"} for service in SERVICES_WITH_DATABASE},
    }


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
        if own not in DATABASES:
            continue
        databases = {key for key in environment if key.endswith("_DATABASE_URL")}
        assert databases == {f"{own.upper()}_DATABASE_URL"}, name
        url = environment[databases.pop()]
        assert url.startswith(f"postgresql+psycopg://{own}:"), name
        assert url.endswith(f"@postgres:5432/{own}"), name
        if own == "gateway":  # it publishes and consumes no event
            assert "BROKER_URL" not in environment, name
            continue
        assert environment["BROKER_URL"].startswith(f"amqp://{own}:"), name
        assert environment["BROKER_URL"].endswith("@rabbitmq:5672/connexions"), name


# token keys -----------------------------------------------------------------------------------
def mounted_secrets(service: dict) -> dict[str, str]:
    """Secret name -> where the container sees it (short or long syntax)."""
    mounted = {}
    for entry in service.get("secrets") or []:
        source = entry if isinstance(entry, str) else entry["source"]
        target = source if isinstance(entry, str) else entry.get("target", source)
        mounted[source] = target if target.startswith("/") else f"/run/secrets/{target}"
    return mounted


def token_key_problems(services: dict) -> list[str]:
    """What breaks the rule: the gateway alone holds the signing key, every service API (and
    nothing else: workers and one-shot steps serve no HTTP) the verification key, each named
    to the code by the variable it reads."""
    problems = []
    for name, service in services.items():
        environment = service.get("environment") or {}
        is_api = service.get("command") == ["api"]
        expected = {}
        if is_api and environment.get("SERVICE") == "gateway":
            expected = {SIGNING_SECRET: "TOKEN_SIGNING_KEY_FILE"}
        elif is_api and environment.get("SERVICE") in SERVICES_WITH_DATABASE:
            expected = {VERIFY_SECRET: "TOKEN_VERIFY_KEY_FILE"}
        mounted = {
            secret: target
            for secret, target in mounted_secrets(service).items()
            if secret in TOKEN_SECRETS
        }
        if set(mounted) != set(expected):
            problems.append(f"{name} gets {sorted(mounted)}, not {sorted(expected)}")
        named = {key for key in environment if key.startswith("TOKEN_") and key.endswith("_FILE")}
        if named != set(expected.values()):
            problems.append(f"{name} names {sorted(named)}, not {sorted(expected.values())}")
        for secret, variable in expected.items():
            if secret in mounted and environment.get(variable) != mounted[secret]:
                problems.append(f"{name}: {variable} is not where {secret} is mounted")
    return problems


def test_the_gateway_alone_signs_and_every_service_api_verifies(compose):
    assert token_key_problems(compose["services"]) == []
    assert {SIGNING_SECRET, VERIFY_SECRET} <= set(compose["secrets"])


def test_the_token_key_rule_catches_a_misplaced_key(compose):
    services = copy.deepcopy(compose["services"])
    services["sales-worker"]["secrets"] = [SIGNING_SECRET]
    del services["inventory"]["secrets"]
    services["gateway"]["environment"]["TOKEN_SIGNING_KEY_FILE"] = "/run/secrets/elsewhere"
    assert token_key_problems(services) == [
        "inventory gets [], not ['token-verify-key']",
        "sales-worker gets ['token-signing-key'], not []",
        "gateway: TOKEN_SIGNING_KEY_FILE is not where token-signing-key is mounted",
    ]


def test_the_token_keys_are_the_files_make_keys_writes(compose):
    secrets = compose["secrets"]
    default_directory = "${TOKEN_KEY_DIR:-./var/keys}"
    assert secrets[SIGNING_SECRET] == {"file": f"{default_directory}/{SIGNING_KEY_FILE}"}
    assert secrets[VERIFY_SECRET] == {"file": f"{default_directory}/{VERIFY_KEY_FILE}"}


# card-code keys -------------------------------------------------------------------------------
def card_code_key_problems(services: dict) -> list[str]:
    """What breaks the rule: each container gets exactly the card-code files its code reads,
    under the names it reads them by in its CARD_CODES_KEY_DIR (set where, and only where,
    there are some), and never the at-rest key in a variable."""
    problems = []
    for name, service in services.items():
        environment = service.get("environment") or {}
        part = (environment.get("SERVICE"), (service.get("command") or [None])[0])
        expected = CARD_CODE_FILES_READ.get(part, set())
        mounted = {
            secret: target
            for secret, target in mounted_secrets(service).items()
            if secret in CARD_CODE_SECRETS
        }
        given = {CARD_CODE_SECRETS[secret] for secret in mounted}
        if given != expected:
            problems.append(f"{name} gets {sorted(given)}, not {sorted(expected)}")
        directory = environment.get("CARD_CODES_KEY_DIR")
        if expected and not directory:
            problems.append(f"{name} reads card-code keys but sets no CARD_CODES_KEY_DIR")
        elif directory and not expected:
            problems.append(f"{name} sets CARD_CODES_KEY_DIR but reads no card-code key")
        for secret, target in mounted.items():
            file = CARD_CODE_SECRETS[secret]
            if directory and file in expected and target != f"{directory}/{file}":
                problems.append(f"{name}: {secret} is not {file} in CARD_CODES_KEY_DIR")
        if code_vault.KEY_ENV in environment:
            problems.append(f"{name}: {code_vault.KEY_ENV} would show the key in its environment")
    return problems


def test_each_container_gets_exactly_the_card_code_keys_its_code_reads(compose):
    assert card_code_key_problems(compose["services"]) == []


def test_the_card_code_key_rule_catches_a_misplaced_key(compose):
    services = copy.deepcopy(compose["services"])
    private = {"source": "card-codes-private-key", "target": "card-codes/private.pem"}
    services["donations"]["secrets"].append(private)
    services["donations-worker"]["secrets"] = ["card-codes-hash-key"]
    services["inventory"]["secrets"] = [VERIFY_SECRET, "card-codes-at-rest-key"]
    del services["inventory-worker"]["environment"]["CARD_CODES_KEY_DIR"]
    services["sales"]["environment"][code_vault.KEY_ENV] = "c2VjcmV0"
    assert card_code_key_problems(services) == [
        "donations gets ['hash.key', 'private.pem', 'public.pem'], not ['hash.key', 'public.pem']",
        "donations-worker gets ['hash.key'], not []",
        "inventory: card-codes-at-rest-key is not at-rest.key in CARD_CODES_KEY_DIR",
        "inventory-worker reads card-code keys but sets no CARD_CODES_KEY_DIR",
        f"sales: {code_vault.KEY_ENV} would show the key in its environment",
    ]


def test_the_card_code_keys_are_the_files_make_keys_writes(compose):
    for secret, file in CARD_CODE_SECRETS.items():
        assert compose["secrets"][secret] == {"file": f"${{CARD_CODES_KEY_DIR:-./var/keys}}/{file}"}


def test_every_secret_is_a_token_or_card_code_key(compose):
    mounted = {
        secret for service in compose["services"].values() for secret in mounted_secrets(service)
    }
    assert set(compose["secrets"]) == mounted == {*TOKEN_SECRETS, *CARD_CODE_SECRETS}


def test_the_card_code_keys_each_container_gets_are_enough_for_its_part(
    compose, tmp_path, monkeypatch
):
    """Only the files mounted, where they are mounted: donations' API seals a code and hashes
    it, inventory's worker opens it, checks it and seals it again, inventory's API reveals it."""
    every = tmp_path / "every"
    card_codes.generate_keys(every)
    code_vault.generate_key(every)

    def mounted_in(name: str) -> Path:
        service = compose["services"][name]
        directory = tmp_path / name
        for secret, target in mounted_secrets(service).items():
            if secret in CARD_CODE_SECRETS:
                relative = Path(target).relative_to(service["environment"]["CARD_CODES_KEY_DIR"])
                (directory / relative).parent.mkdir(parents=True, exist_ok=True)
                (directory / relative).write_bytes((every / CARD_CODE_SECRETS[secret]).read_bytes())
        return directory

    monkeypatch.delenv(code_vault.KEY_ENV, raising=False)
    donations = card_codes.CardCodeKeys.load(mounted_in("donations"))
    data_key, wrapped = donations.new_data_key()
    sealed = donations.seal(data_key, "SERIAL-1", "12345678901234")
    pin_hash = donations.keyed_hash("12345678901234")

    worker = mounted_in("inventory-worker")
    keys = card_codes.CardCodeKeys.load(worker)
    pin = keys.open(keys.unwrap(wrapped), sealed)
    assert keys.keyed_hash(pin) == pin_hash
    monkeypatch.setenv("CARD_CODES_KEY_DIR", str(worker))
    at_rest = code_vault.current_vault().seal("card-1", pin)

    monkeypatch.setenv("CARD_CODES_KEY_DIR", str(mounted_in("inventory")))
    assert code_vault.current_vault().open("card-1", at_rest) == "12345678901234"


# make keys ------------------------------------------------------------------------------------
def secret_files(secrets: dict, directories: dict[str, Path]) -> dict[str, Path]:
    """Secret name -> its file, each ``${VARIABLE:-default}/name`` read with ``directories``."""
    files = {}
    for secret, spec in secrets.items():
        found = re.fullmatch(r"\$\{([A-Z_]+):-[^}]*\}/([\w.-]+)", spec["file"])
        assert found, f"{secret}: {spec['file']} is not in a key directory"
        files[secret] = directories[found[1]] / found[2]
    return files


def test_make_keys_writes_every_file_compose_mounts_readable_by_the_containers_user(
    tmp_path, compose
):
    directories = {
        "TOKEN_KEY_DIR": tmp_path / "token-keys",
        "CARD_CODES_KEY_DIR": tmp_path / "card-code-keys",
    }
    environment = {**os.environ, **{name: str(path) for name, path in directories.items()}}
    # -o: no virtualenv (re)install; BIN: this interpreter's, which has the project installed
    command = ("make", "-o", ".venv/.installed", "keys", f"BIN={Path(sys.executable).parent}")
    result = run(*command, cwd=ROOT, env=environment)
    assert result.returncode == 0, result.stdout + result.stderr
    for directory in directories.values():
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    # Compose mounts the files with their host owner and mode; the image runs as uid 10001.
    files = secret_files(compose["secrets"], directories)
    for secret, path in files.items():
        assert stat.S_IMODE(path.stat().st_mode) & stat.S_IROTH, secret
    signing = load_signing_key(files[SIGNING_SECRET])
    assert load_verify_key(files[VERIFY_SECRET]) == signing.public_key()
    keys = card_codes.CardCodeKeys.load(directories["CARD_CODES_KEY_DIR"])
    assert keys.private_key.public_key().public_numbers() == keys.public_key.public_numbers()
    assert len(base64.b64decode(files["card-codes-at-rest-key"].read_bytes())) == 32

    # Kept when run again: the codes in custody are encrypted with the at-rest key.
    before = {secret: path.read_bytes() for secret, path in files.items()}
    assert run(*command, cwd=ROOT, env=environment).returncode == 0
    assert {secret: path.read_bytes() for secret, path in files.items()} == before


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


def test_postgres_runs_the_init_script_with_every_database_password(compose):
    postgres = compose["services"]["postgres"]
    mounts = {target: source for source, target in map(_mount, postgres["volumes"])}
    assert mounts["/docker-entrypoint-initdb.d/10-services.sh"] == "./infra/postgres/init.sh"
    passwords = {key for key in postgres["environment"] if key.endswith("_DB_PASSWORD")}
    assert passwords == {f"{service.upper()}_DB_PASSWORD" for service in DATABASES}
