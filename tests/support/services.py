"""A service under test on a fresh, migrated SQLite file and a private in-process broker."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, MetaData, create_engine

from services.common.config import MessagingSettings, ServiceSettings
from services.common.migrations import upgrade
from services.common.runtime import ServiceRuntime


def settings_on(folder: Path, service: str, **messaging: Any) -> ServiceSettings:
    """A service on a fresh, migrated SQLite file in ``folder`` and a private memory
    namespace."""
    url = f"sqlite:///{folder / (service + '.db')}"
    upgrade(service, url)
    options = {
        "broker_url": "memory://",
        "namespace": f"unit{uuid.uuid4().hex[:8]}",
        "retry_delays": (0.05, 0.1),
        "delivery_limit": 5,
        "prefetch": 20,
        "relay_batch_size": 100,
        "relay_poll_seconds": 0.02,
    }
    options.update(messaging)
    return ServiceSettings(service, url, MessagingSettings(**options))


@dataclass
class ServiceUnderTest:
    runtime: ServiceRuntime
    app: Flask
    client: FlaskClient


def service_on(folder: Path, service: str, own: Any = None, **messaging: Any) -> ServiceUnderTest:
    """``service``'s app and test client on SQLite; ``own``: its own settings, else the
    environment's (``services/<name>/settings.py``)."""
    definition = import_module(f"services.{service}.app").SERVICE
    settings = settings_on(folder, service, **messaging)
    if own is not None:
        settings = ServiceSettings(settings.name, settings.database_url, settings.messaging, own)
    runtime = definition.runtime(settings)
    app = definition.create_app({"RUNTIME": runtime})
    return ServiceUnderTest(runtime, app, app.test_client())


@contextmanager
def migrated(folder: Path, service: str, revision: str = "head") -> Iterator[Engine]:
    """A fresh SQLite file of ``service`` in ``folder``, migrated to ``revision``: an engine on
    it, disposed after."""
    url = f"sqlite:///{folder / (service + '.db')}"
    upgrade(service, url, revision)
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def schema_differences(connection: Connection, metadata: MetaData) -> list:
    """What Alembic's autogenerate finds between the database and the models: ``[]`` when the
    migrations build exactly the tables ``metadata`` declares."""
    return compare_metadata(MigrationContext.configure(connection), metadata)
