"""Test policy and the fixtures every layer shares.

* Unit tests (``tests/unit``) need no database, broker or HTTP: domains and use cases on a
  fake unit of work (``tests/unit/fakes.py``).
* Service tests (``tests/service``) run one service on a SQLite file and kombu's in-process
  transport, through its Flask test client (``service_on_sqlite``).
* Embedded tests (``tests/embedded``) run the whole embedded system in this process.
* Integration tests (``tests/integration``, marker ``integration``) use a real RabbitMQ and a
  real PostgreSQL: ``TEST_BROKER_URL`` and ``TEST_POSTGRES_URL`` when set, otherwise
  containers started with testcontainers when a Docker engine answers, otherwise they are
  skipped with the reason. With ``REQUIRE_INTEGRATION=1`` (as ``.ci/run`` sets) a skipped
  integration test fails the run.

We fake only what lies outside the code under test; inside a service the database and the
broker are real.
"""

from __future__ import annotations

import os

import pytest

_skipped_integration: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "integration" in report.keywords:
        _skipped_integration.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("REQUIRE_INTEGRATION") == "1" and _skipped_integration:
        print(f"\n{len(_skipped_integration)} integration test(s) were skipped, which CI forbids:")
        for nodeid in _skipped_integration[:20]:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", autouse=True)
def card_code_keys(tmp_path_factory):
    """One development key set for the whole run (RSA generation takes a moment)."""
    from services.common.card_codes import generate_keys, keys_in

    directory = tmp_path_factory.mktemp("card-code-keys")
    generate_keys(directory)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CARD_CODES_KEY_DIR", str(directory))
        yield keys_in(directory.resolve())


@pytest.fixture(scope="session", autouse=True)
def token_keys(tmp_path_factory):
    """The gateway's token key pair for the run; service test clients send admin tokens."""
    from flask import Flask

    from services.common.tokens import generate_token_keys
    from tests.support.auth import ServiceTestClient

    directory = tmp_path_factory.mktemp("token-keys")
    generate_token_keys(directory)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOKEN_KEY_DIR", str(directory))
        patch.setattr(Flask, "test_client_class", ServiceTestClient)
        yield directory


@pytest.fixture
def sqlite_settings(tmp_path):
    """Settings of a service on a fresh, migrated SQLite file and a private memory namespace."""
    from tests.support.services import settings_on

    return lambda service, **messaging: settings_on(tmp_path, service, **messaging)


@pytest.fixture
def service_on_sqlite(tmp_path):
    """``service_on_sqlite("sales", own=…, **messaging)``: a service's runtime, app and test
    client on SQLite (tests/support/services.py), disposed after the test."""
    from tests.support.services import service_on

    started = []

    def start(service: str, own=None, **messaging):
        folder = tmp_path / f"{service}-{len(started)}"
        folder.mkdir()
        started.append(service_on(folder, service, own, **messaging))
        return started[-1]

    yield start
    for service in started:
        service.runtime.dispose()


@pytest.fixture
def inventory(service_on_sqlite):
    """Inventory on SQLite: ``(runtime, test client)``."""
    service = service_on_sqlite("inventory")
    return service.runtime, service.client
