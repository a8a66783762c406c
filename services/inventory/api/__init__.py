"""Inventory's HTTP API: thin views, one module per resource, and BLUEPRINTS in the order
the OpenAPI document lists them."""

from __future__ import annotations

from services.common.operations import operations_blueprint
from services.inventory.api.cards import card_views, orders
from services.inventory.api.devices import devices
from services.inventory.api.discrepancies import discrepancy_views
from services.inventory.api.labels import labels
from services.inventory.api.reservations import reservation_views
from services.inventory.api.sites import sites
from services.inventory.api.stock import stock
from services.inventory.api.transfers import transfer_views
from services.inventory.api.workshop import certificates, workshop

BLUEPRINTS = (
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
    labels,
)
