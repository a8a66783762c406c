"""Sales' app factory and worker entry point: the service as data.

gunicorn 'services.sales.app:create_app()'
python -m services.sales.app worker
python -m services.sales.erasure       # erase personal data past retention now (the worker
                                       # also does it periodically)
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from services.common.service import ServiceDefinition
from services.sales.api import BLUEPRINTS
from services.sales.api.errors import ERRORS
from services.sales.handlers import COMMAND_HANDLERS, EVENT_HANDLERS, PERIODIC
from services.sales.models import MESSAGING, metadata
from services.sales.repository import SalesUnitOfWork
from services.sales.settings import Settings

SERVICE = ServiceDefinition(
    name="sales",
    title="Sales API",
    metadata=metadata,
    tables=MESSAGING,
    blueprints=BLUEPRINTS,
    handlers=EVENT_HANDLERS,
    errors=ERRORS,
    periodic=PERIODIC,
    settings=Settings.from_env,
    unit_of_work=SalesUnitOfWork,
    commands=COMMAND_HANDLERS,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    return SERVICE.create_app(config)


if __name__ == "__main__":
    raise SystemExit(SERVICE.main())
