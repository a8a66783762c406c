"""Inventory's app factory and worker entry point.

gunicorn 'services.inventory.app:create_app()'
python -m services.inventory.app worker
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from services.common.operations import operations_blueprint
from services.common.service import ServiceDefinition
from services.inventory.api import sites
from services.inventory.card_api import card_views, orders
from services.inventory.device_api import devices
from services.inventory.discrepancy_api import discrepancy_views
from services.inventory.handlers import EVENT_HANDLERS
from services.inventory.models import MESSAGING, metadata
from services.inventory.reservation_api import reservation_views
from services.inventory.stock_api import stock, transfer_views
from services.inventory.sweeps import PERIODIC
from services.inventory.workshop_api import certificates, workshop

SERVICE = ServiceDefinition(
    name="inventory",
    title="Inventory API",
    metadata=metadata,
    tables=MESSAGING,
    blueprints=(
        sites,
        devices,
        workshop,
        certificates,
        stock,
        discrepancy_views,
        transfer_views,
        card_views,
        orders,
        reservation_views,
        operations_blueprint(),
    ),
    handlers=EVENT_HANDLERS,
    periodic=PERIODIC,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    return SERVICE.create_app(config)


if __name__ == "__main__":
    raise SystemExit(SERVICE.main())
