"""Inventory's own settings, read from the environment when used (never at import)."""

from __future__ import annotations

from datetime import timedelta

from services.common.config import env_float, env_int


def reservation_ttl() -> timedelta:
    """How long a reservation holds its items without an answer (default 15 minutes)."""
    return timedelta(seconds=env_int("RESERVATION_TTL_SECONDS", 15 * 60))


def sweep_seconds() -> float:
    """How often the worker expires overdue reservations and withdraws expired cards."""
    return env_float("INVENTORY_SWEEP_SECONDS", 5.0)


def intake_seconds() -> float:
    """How often the worker looks for receptions still being taken in, chunk by chunk."""
    return env_float("INVENTORY_INTAKE_SECONDS", 1.0)


def stock_check_seconds() -> float:
    """How often the worker reconciles the stock figures with the ledger and the items."""
    return env_float("INVENTORY_STOCK_CHECK_SECONDS", 300.0)
