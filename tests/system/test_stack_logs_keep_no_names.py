"""After erasure, a person's name and contact are in no log of ``make stack`` (every
process's log file: gunicorn access and error logs, workers, the gateway) and in no row of
any service's database.

PostgreSQL keeps the erased row's old version on disk (a dead tuple) until vacuum reclaims
it; no query reads it, and the README says so.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from services.common.config import SERVICES_WITH_DATABASE
from services.gateway.keys import KeyStore
from tests.support.planted_person import Caller, PlantedPerson, enrol_search_and_erase
from tests.system.test_stack_system import stack_environment, start_stack  # noqa: F401 (fixtures)


def test_an_erased_person_is_in_no_log_and_no_table_of_the_stack(request):
    environment = request.getfixturevalue("stack_environment")
    environment["LOG_LEVEL"] = "DEBUG"  # the most a log could say
    gateway = request.getfixturevalue("start_stack")(replicas=1)
    admin = Caller(gateway.url, gateway.http.headers["Authorization"].removeprefix("Bearer "))
    site = admin.ok(
        "POST",
        "inventory/sites",
        json={"name": f"Accueil {uuid.uuid4().hex[:8]}", "city": "Lyon", "kind": "counter"},
    )
    keys = KeyStore(environment["GATEWAY_DATABASE_URL"])
    counter = Caller(gateway.url, keys.create("Lyon desk", "counter", site_id=site["id"]).secret)
    keys.close()
    person = PlantedPerson.new()

    enrol_search_and_erase(person, admin, counter, site["id"])

    assert _rows_naming(person, environment) == {}
    logs = sorted(Path(environment["STACK_DIR"]).glob("*.log"))
    assert any(b"/beneficiaries/search" in log.read_bytes() for log in logs)  # access logged
    assert {log.name: person.found_in(log.read_bytes()) for log in logs} == {
        log.name: [] for log in logs
    }


def _rows_naming(person: PlantedPerson, environment: dict[str, str]) -> dict[str, list[str]]:
    """Tables (``service.table``) with a row whose text holds one of the planted values."""
    found = {}
    for service in (*SERVICES_WITH_DATABASE, "gateway"):
        engine = create_engine(environment[f"{service.upper()}_DATABASE_URL"])
        try:
            with engine.connect() as connection:
                tables = connection.scalars(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                ).all()
                for table in tables:
                    rows = connection.scalars(text(f'SELECT t::text FROM "{table}" t')).all()
                    if hits := person.found_in("\n".join(rows).encode()):
                        found[f"{service}.{table}"] = hits
        finally:
            engine.dispose()
    return found
