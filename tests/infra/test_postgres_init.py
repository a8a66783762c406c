"""``infra/postgres/init.sh`` run against the real PostgreSQL: one role and one database per
service and for the gateway, the role owning its database (its migrations run as that role),
its password taken from the environment."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit

import pytest
from sqlalchemy import create_engine, text

from services.common.config import DATABASES
from services.common.migrations import upgrade
from tests.infra.repository import POSTGRES_INIT, run

pytestmark = pytest.mark.integration

PUBLIC_TABLE_OWNERS = text(
    "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'"
)


@pytest.fixture
def admin(postgres_url):
    if shutil.which("psql") is None:
        pytest.skip("needs psql, as the postgres image has it")
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def names(admin):
    """Service (or gateway) -> a database and role name of this test alone; both are dropped
    afterwards."""
    tag = uuid.uuid4().hex[:8]
    chosen = {service: f"init_{tag}_{service}" for service in DATABASES}
    yield chosen
    with admin.connect() as connection:
        for name in chosen.values():
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{name}"'))


def run_init(postgres_url: str, services: Iterable[str], passwords: dict[str, str]):
    url = urlsplit(postgres_url)
    environment = {
        **os.environ,
        "PGHOST": url.hostname or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGPASSWORD": unquote(url.password or ""),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_DB": url.path.lstrip("/") or "postgres",
        "DATABASE_SERVICES": " ".join(services),
        **passwords,
    }
    return run("sh", str(POSTGRES_INIT), env=environment)


def passwords_of(names: Iterable[str]) -> dict[str, str]:
    return {f"{name.upper()}_DB_PASSWORD": f"{name}-secret" for name in names}


def as_role(postgres_url: str, name: str) -> str:
    """The admin URL's server, logged in as ``name`` with its password, on its database."""
    url = urlsplit(postgres_url)
    server = f"{url.hostname or '127.0.0.1'}:{url.port or 5432}"
    return f"{url.scheme}://{name}:{quote(name + '-secret')}@{server}/{name}"


def test_the_default_list_is_every_database_the_code_migrates():
    default = re.search(r"\$\{DATABASE_SERVICES:-([^}]*)\}", POSTGRES_INIT.read_text())
    assert default is not None
    assert tuple(default.group(1).split()) == DATABASES


def test_each_service_gets_a_role_owning_its_database(admin, postgres_url, names):
    result = run_init(postgres_url, names.values(), passwords_of(names.values()))
    assert result.returncode == 0, result.stderr
    with admin.connect() as connection:
        for name in names.values():
            owner = connection.scalar(
                text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :n"),
                {"n": name},
            )
            assert owner == name
            role = connection.execute(
                text("SELECT rolcanlogin, rolsuper, rolpassword FROM pg_authid WHERE rolname = :n"),
                {"n": name},
            ).one()
            assert role.rolcanlogin and not role.rolsuper
            assert role.rolpassword  # stored hashed (SCRAM), never the text itself
            assert f"{name}-secret" not in role.rolpassword
            public = connection.scalar(
                text("SELECT has_database_privilege('public', :n, 'CONNECT')"),
                {"n": name},
            )
            assert not public  # other services' roles cannot even connect


def test_each_role_migrates_its_own_database(admin, postgres_url, names):
    result = run_init(postgres_url, names.values(), passwords_of(names.values()))
    assert result.returncode == 0, result.stderr
    for service, name in names.items():
        url = as_role(postgres_url, name)
        upgrade(service, url)  # as its one-shot migration step does, logged in as its role
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                owners = dict(connection.execute(PUBLIC_TABLE_OWNERS).all())
        finally:
            engine.dispose()
        assert "alembic_version" in owners and len(owners) > 1, service
        assert set(owners.values()) == {name}, service


def test_a_missing_password_stops_the_init_before_anything_is_created(admin, postgres_url, names):
    ordered = list(names.values())
    result = run_init(postgres_url, ordered, {})
    assert result.returncode != 0
    assert f"{ordered[0].upper()}_DB_PASSWORD is not set" in result.stderr
    with admin.connect() as connection:
        assert not connection.scalar(
            text("SELECT count(*) FROM pg_roles WHERE rolname = ANY(:names)"), {"names": ordered}
        )
