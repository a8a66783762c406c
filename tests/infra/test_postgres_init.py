"""``infra/postgres/init.sh`` run against the real PostgreSQL: one role and one database per
service, the role owning its database, its password taken from the environment."""

from __future__ import annotations

import os
import shutil
import uuid
from urllib.parse import unquote, urlsplit

import pytest
from sqlalchemy import create_engine, text

from tests.infra.repository import POSTGRES_INIT, run

pytestmark = pytest.mark.integration


@pytest.fixture
def admin(postgres_url):
    if shutil.which("psql") is None:
        pytest.skip("needs psql, as the postgres image has it")
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def names(admin):
    """Service names of this test alone; their databases and roles are dropped afterwards."""
    tag = uuid.uuid4().hex[:8]
    chosen = [f"init_{tag}_donations", f"init_{tag}_sales"]
    yield chosen
    with admin.connect() as connection:
        for name in chosen:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{name}"'))


def run_init(postgres_url: str, services: list[str], passwords: dict[str, str]):
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


def test_each_service_gets_a_role_owning_its_database(admin, postgres_url, names):
    passwords = {f"{name.upper()}_DB_PASSWORD": f"{name}-secret" for name in names}
    result = run_init(postgres_url, names, passwords)
    assert result.returncode == 0, result.stderr
    with admin.connect() as connection:
        for name in names:
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


def test_a_missing_password_stops_the_init_before_anything_is_created(admin, postgres_url, names):
    result = run_init(postgres_url, names, {})
    assert result.returncode != 0
    assert f"{names[0].upper()}_DB_PASSWORD is not set" in result.stderr
    with admin.connect() as connection:
        assert not connection.scalar(
            text("SELECT count(*) FROM pg_roles WHERE rolname = ANY(:names)"), {"names": names}
        )
