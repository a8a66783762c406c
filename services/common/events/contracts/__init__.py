"""One marshmallow schema per event type: the contracts between services.

Each producing service has its module here; this registry gathers them. Producers validate
``data`` before it enters the outbox, consumers validate it again on receipt. A contract may
gain optional fields; removing or retyping a field needs a new event type.
"""

from __future__ import annotations

from services.common.events.contracts import donations, inventory, sale_check, sale_saga, sales
from services.common.events.contracts.base import Contract
from services.common.events.contracts.donations import (
    HARDWARE_CATEGORIES,
    LINE_KINDS,
    PARTNER_KINDS,
)
from services.common.events.contracts.inventory import SITE_KINDS

EVENT_CONTRACTS: dict[str, type[Contract]] = {
    **donations.CONTRACTS,
    **inventory.CONTRACTS,
    **sales.CONTRACTS,
    **sale_saga.INVENTORY_CONTRACTS,
    **sale_saga.SALES_CONTRACTS,
    **sale_check.SALES_CONTRACTS,
    **sale_check.INVENTORY_CONTRACTS,
}

_INSTANCES = {event_type: contract() for event_type, contract in EVENT_CONTRACTS.items()}

__all__ = [
    "EVENT_CONTRACTS",
    "HARDWARE_CATEGORIES",
    "LINE_KINDS",
    "PARTNER_KINDS",
    "SITE_KINDS",
    "Contract",
    "schema_for",
]


def schema_for(event_type: str) -> Contract:
    """The contract instance of ``event_type``; ``KeyError`` if the type is unknown."""
    return _INSTANCES[event_type]
