"""A database error a request runs into is logged without the values it quotes.

PostgreSQL's message for a duplicate key has a DETAIL line quoting the key's value (``Key
(contact)=(06 11 22 33 44) already exists``), and a value of the wrong type is quoted in
the message itself: personal data would reach the log. ``problems.py`` logs the SQLSTATE
and the constraint's, table's and column's names instead. Each request here plants a contact
and looks for it in the JSON log line (``LOG_FORMAT=json``) the error leaves.
"""

from __future__ import annotations

import io
import json
import logging
import uuid

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from services.common.log_privacy import failure
from services.common.logs import JsonLines
from services.common.problems import install_problem_handlers
from tests.support.real_infrastructure import postgres_url  # noqa: F401 - a fixture

PLANTED = "06 11 22 33 44 Zelie Planted"


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines("sales", "api"))
    logger = logging.getLogger("services.common.problems")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: stream.getvalue().splitlines()
    logger.removeHandler(handler)
    logger.setLevel(previous)


def app_on(engine, table: str) -> Flask:
    """An app whose ``POST /people`` stores a contact (unique) and ``POST /lookup`` reads one
    as a UUID, as a service's views would."""
    app = Flask("sales")
    install_problem_handlers(app)

    @app.post("/people")
    def add():
        with engine.begin() as connection:
            connection.execute(text(f"INSERT INTO {table} (contact) VALUES (:c)"), {"c": PLANTED})
        return "", 201

    @app.post("/lookup")
    def lookup():
        with engine.begin() as connection:
            connection.execute(text("SELECT CAST(:c AS uuid)"), {"c": PLANTED})
        return "", 200

    return app


def assert_keeps_no_value(line: str) -> None:
    assert PLANTED not in line and "Zelie" not in line and "06 11" not in line
    assert "DETAIL" not in line and "already exists" not in line


@pytest.mark.integration
def test_a_duplicate_key_on_postgresql_is_logged_by_sqlstate_and_constraint_only(
    postgres_url,  # noqa: F811
    log_lines,
):
    table = f"people_{uuid.uuid4().hex[:12]}"
    engine = create_engine(postgres_url, hide_parameters=True)
    with engine.begin() as connection:
        connection.execute(
            text(f"CREATE TABLE {table} (contact text CONSTRAINT {table}_contact_key UNIQUE)")
        )
    try:
        client = app_on(engine, table).test_client()
        assert client.post("/people").status_code == 201

        assert client.post("/people").status_code == 409

        (line,) = log_lines()
        message = json.loads(line)["message"]
        assert message.startswith("integrity conflict: UniqueViolation (SQLSTATE 23505)")
        assert f"constraint={table}_contact_key" in message
        assert f"table={table}" in message
        assert_keeps_no_value(line)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP TABLE {table}"))
        engine.dispose()


@pytest.mark.integration
def test_a_value_postgresql_cannot_read_is_logged_without_it(postgres_url, log_lines):  # noqa: F811
    engine = create_engine(postgres_url, hide_parameters=True)
    try:
        client = app_on(engine, "unused").test_client()

        assert client.post("/lookup").status_code == 422

        (line,) = log_lines()
        message = json.loads(line)["message"]
        assert message.startswith("data refused by the database: InvalidTextRepresentation")
        assert "SQLSTATE 22P02" in message
        assert_keeps_no_value(line)
    finally:
        engine.dispose()


def test_a_duplicate_key_on_sqlite_is_logged_by_its_constraint(tmp_path, log_lines):
    engine = create_engine(f"sqlite:///{tmp_path / 'people.db'}", hide_parameters=True)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE people (contact text UNIQUE)"))
    client = app_on(engine, "people").test_client()
    assert client.post("/people").status_code == 201

    assert client.post("/people").status_code == 409

    (line,) = log_lines()
    assert json.loads(line)["message"] == (
        "integrity conflict: IntegrityError: UNIQUE constraint failed: people.contact"
    )
    assert_keeps_no_value(line)
    engine.dispose()


@pytest.mark.integration
def test_an_event_handlers_database_error_is_told_without_its_values(postgres_url):  # noqa: F811
    """What a consumer logs and puts in a retried or dead-lettered message's reason header."""
    table = f"people_{uuid.uuid4().hex[:12]}"
    engine = create_engine(postgres_url, hide_parameters=True)
    with engine.begin() as connection:
        connection.execute(
            text(f"CREATE TABLE {table} (contact text CONSTRAINT {table}_contact_key UNIQUE)")
        )
    try:
        insert = text(f"INSERT INTO {table} (contact) VALUES (:c)")
        with engine.begin() as connection:
            connection.execute(insert, {"c": PLANTED})
        with pytest.raises(IntegrityError) as refused, engine.begin() as connection:
            connection.execute(insert, {"c": PLANTED})
        reason = failure(refused.value)
        assert_keeps_no_value(reason)
        assert reason.startswith("IntegrityError: ") and f"{table}_contact_key" in reason
        assert failure(ValueError("no such site")) == "ValueError: no such site"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP TABLE {table}"))
        engine.dispose()
