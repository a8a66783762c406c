"""Events published by the sales service."""

from __future__ import annotations

from services.common.events.contracts.base import Contract

CONTRACTS: dict[str, type[Contract]] = {}
