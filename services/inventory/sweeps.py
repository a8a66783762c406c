"""The worker's periodic tasks: expire overdue reservations, withdraw expired cards, check
the stock figures (``stock_check.py``), take in the rest of large receptions (``intake.py``).

Each round commits in short transactions of bounded size and repeats while there is work,
so a long backlog never holds locks for long; several workers share it (SKIP LOCKED).
"""

from __future__ import annotations

from collections.abc import Callable

from services.common import clock
from services.common.runtime import ServiceRuntime
from services.common.unit_of_work import UnitOfWork
from services.common.worker import PeriodicTask
from services.inventory import cards, intake, reservations
from services.inventory.settings import intake_seconds, stock_check_seconds, sweep_seconds
from services.inventory.stock_check import check_stock
from services.inventory.stock_metrics import interval as stock_metrics_seconds
from services.inventory.stock_metrics import refresh_stock_gauges


def expire_reservations(runtime: ServiceRuntime) -> int:
    now = clock.now()
    return _until_done(runtime, lambda uow: reservations.expire_due(uow, now))


def withdraw_expired_cards(runtime: ServiceRuntime) -> int:
    today = clock.today()
    return _until_done(runtime, lambda uow: cards.withdraw_expired(uow, today))


def continue_intake(runtime: ServiceRuntime) -> int:
    return _until_done(runtime, intake.take_in_next_chunk)


def _until_done(runtime: ServiceRuntime, step: Callable[[UnitOfWork], int]) -> int:
    total = 0
    while True:
        with runtime.unit_of_work() as uow:
            done = step(uow)
            uow.commit()
        total += done
        if done == 0:
            return total


PERIODIC = (
    PeriodicTask("reservation-expiry", expire_reservations, sweep_seconds),
    PeriodicTask("card-expiry", withdraw_expired_cards, sweep_seconds),
    PeriodicTask("stock-check", check_stock, stock_check_seconds),
    PeriodicTask("intake", continue_intake, intake_seconds),
    PeriodicTask("stock-metrics", refresh_stock_gauges, stock_metrics_seconds),
)
