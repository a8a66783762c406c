"""Donations' app factory and worker entry point.

gunicorn 'services.donations.app:create_app()'
python -m services.donations.app worker
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from services.common.operations import operations_blueprint
from services.common.service import ServiceDefinition
from services.donations.api import donations, partners
from services.donations.impact import EVENT_HANDLERS
from services.donations.models import MESSAGING, metadata

SERVICE = ServiceDefinition(
    name="donations",
    title="Donations API",
    metadata=metadata,
    tables=MESSAGING,
    blueprints=(partners, donations, operations_blueprint()),
    handlers=EVENT_HANDLERS,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    return SERVICE.create_app(config)


if __name__ == "__main__":
    raise SystemExit(SERVICE.main())
