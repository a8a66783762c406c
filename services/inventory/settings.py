"""Inventory's own settings: one frozen object, read from the environment once, at start
(``ServiceDefinition(settings=Settings.from_env)``). Use cases read ``uow.settings``, views
:func:`current_settings`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.common.config import env_float, env_int
from services.common.webapp import current_runtime


@dataclass(frozen=True)
class Settings:
    reservation_ttl: timedelta = timedelta(minutes=15)
    """How long a reservation holds its items without an answer."""
    sweep_seconds: float = 5.0
    """How often the worker expires overdue reservations and withdraws expired cards."""
    intake_seconds: float = 1.0
    """How often the worker looks for receptions still being taken in, chunk by chunk."""
    stock_check_seconds: float = 300.0
    """How often the worker reconciles the stock figures with the ledger and the items."""
    stock_metrics_seconds: float = 15.0
    """How often the worker refreshes the stock gauges."""
    low_stock_units: int = 2
    """A product a site holds is low on stock at this many units available or fewer."""

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            reservation_ttl=timedelta(seconds=env_int("RESERVATION_TTL_SECONDS", 15 * 60)),
            sweep_seconds=env_float("INVENTORY_SWEEP_SECONDS", 5.0),
            intake_seconds=env_float("INVENTORY_INTAKE_SECONDS", 1.0),
            stock_check_seconds=env_float("INVENTORY_STOCK_CHECK_SECONDS", 300.0),
            stock_metrics_seconds=env_float("STOCK_METRICS_SECONDS", 15.0),
            low_stock_units=env_int("LOW_STOCK_UNITS", 2),
        )


def current_settings() -> Settings:
    """The settings of the running app (views)."""
    return current_runtime().settings.own
