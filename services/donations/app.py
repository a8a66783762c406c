"""Donations' app factory and worker entry point.

gunicorn 'services.donations.app:create_app()'
python -m services.donations.app worker
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from services.common.operations import operations_blueprint
from services.common.service import ServiceDefinition
from services.donations.api import BLUEPRINTS
from services.donations.api.errors import ERRORS
from services.donations.handlers import COMMAND_HANDLERS, EVENT_HANDLERS
from services.donations.models import MESSAGING, metadata
from services.donations.repository import DonationsUnitOfWork
from services.donations.settings import Settings
from services.donations.webhook_delivery import WEBHOOK_TASKS

SERVICE = ServiceDefinition(
    name="donations",
    title="Donations API",
    metadata=metadata,
    tables=MESSAGING,
    blueprints=(*BLUEPRINTS, operations_blueprint()),
    commands=COMMAND_HANDLERS,
    handlers=EVENT_HANDLERS,
    errors=ERRORS,
    settings=Settings.from_env,
    unit_of_work=DonationsUnitOfWork,
    periodic=WEBHOOK_TASKS,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    return SERVICE.create_app(config)


if __name__ == "__main__":
    raise SystemExit(SERVICE.main())
