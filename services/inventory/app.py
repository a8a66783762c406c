"""Inventory's app factory and worker entry point: the service as data.

gunicorn 'services.inventory.app:create_app()'
python -m services.inventory.app worker
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from services.common.service import ServiceDefinition
from services.inventory.api import BLUEPRINTS
from services.inventory.api.errors import ERRORS
from services.inventory.handlers import COMMAND_HANDLERS, EVENT_HANDLERS
from services.inventory.handlers.periodic import PERIODIC
from services.inventory.models import MESSAGING, metadata
from services.inventory.repository import InventoryUnitOfWork
from services.inventory.settings import Settings

SERVICE = ServiceDefinition(
    name="inventory",
    title="Inventory API",
    metadata=metadata,
    tables=MESSAGING,
    blueprints=BLUEPRINTS,
    handlers=EVENT_HANDLERS,
    errors=ERRORS,
    periodic=PERIODIC,
    settings=Settings.from_env,
    unit_of_work=InventoryUnitOfWork,
    commands=COMMAND_HANDLERS,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    return SERVICE.create_app(config)


if __name__ == "__main__":
    raise SystemExit(SERVICE.main())
