"""Connections the server dropped, without pool pre-ping: the request that meets one answers
503 ``database-unavailable`` with ``Retry-After`` (never a 500), and the pool is renewed so
the requests that follow are served, even those that would take an older pooled connection."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from services.common.problems import PROBLEM_CONTENT_TYPE
from services.sales.app import SERVICE as SALES
from tests.support.auth import ServiceTestClient

POOLED = 3


def _terminate_backends(postgres_url: str, database: str) -> int:
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return len(
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": database},
                ).all()
            )
    finally:
        admin.dispose()


def test_a_dropped_connection_answers_503_once_then_the_pool_is_renewed(settings_for, postgres_url):
    runtime = SALES.runtime(settings_for("sales"))
    try:
        client = SALES.create_app({"RUNTIME": runtime}).test_client()
        assert isinstance(client, ServiceTestClient)  # requests carry an admin token
        connections = [runtime.engine.connect() for _ in range(POOLED)]  # the pool holds several
        for connection in connections:
            connection.execute(text("SELECT 1"))
        for connection in connections:
            connection.close()
        assert client.get("/limits").status_code == 200
        assert runtime.engine.pool.checkedin() == POOLED

        database = make_url(runtime.settings.database_url).database
        assert _terminate_backends(postgres_url, database) == POOLED

        first = client.get("/limits")
        assert first.status_code in (200, 503), first.get_json()
        if first.status_code == 503:
            problem = first.get_json()
            assert first.mimetype == PROBLEM_CONTENT_TYPE
            assert problem["code"] == "database-unavailable"
            assert problem["type"].endswith("/database-unavailable")
            assert first.headers["Retry-After"] == "1"
        for _ in range(POOLED + 1):
            again = client.get("/limits")
            assert again.status_code == 200, again.get_json()
            assert {rule["code"] for rule in again.get_json()} >= {"monthly-spending"}
    finally:
        runtime.dispose()
