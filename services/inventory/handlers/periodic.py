"""The worker's periodic tasks: expire overdue reservations, withdraw expired cards, check
the stock figures (``checks.py``), take in the rest of large receptions (``intake.py``),
refresh the stock gauges (``metrics.py``).

Each round commits in short transactions of bounded size and repeats while there is work,
so a long backlog never holds locks for long; several workers share it (SKIP LOCKED).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from services.common import clock
from services.common.runtime import ServiceRuntime
from services.common.unit_of_work import UnitOfWork
from services.common.worker import PeriodicTask
from services.inventory.domain.commands import ExpireReservations
from services.inventory.handlers import cards, intake, reservations
from services.inventory.handlers.checks import check_stock
from services.inventory.handlers.metrics import refresh_stock_gauges
from services.inventory.settings import Settings

OUTBOX_CEILING = 500  # unsent events above which the intake's next chunk waits (a relay batch)
RELAY_WAIT_SECONDS = 5.0  # how long one round of the intake task waits for the relay
_POLL_SECONDS = 0.02


def expire_reservations(runtime: ServiceRuntime) -> int:
    command = ExpireReservations(clock.now())
    return _until_done(runtime, lambda uow: reservations.expire_due(uow, command))


def withdraw_expired_cards(runtime: ServiceRuntime) -> int:
    today = clock.today()
    return _until_done(runtime, lambda uow: cards.withdraw_expired(uow, today))


def continue_intake(runtime: ServiceRuntime, relay_wait: float = RELAY_WAIT_SECONDS) -> int:
    """The rest of large receptions, chunk after chunk, each once the relay has caught up
    with the previous one's events (``relay_caught_up``); a round that waited too
    long ends, and the next one resumes where the last commit left off."""
    total = 0
    while relay_caught_up(runtime, relay_wait):
        with runtime.unit_of_work() as uow:
            done = intake.take_in_next_chunk(uow)
            uow.commit()
        total += done
        if done == 0:
            break
    return total


def relay_caught_up(runtime: ServiceRuntime, wait: float = RELAY_WAIT_SECONDS) -> bool:
    """Whether the outbox's unsent events fall to ``OUTBOX_CEILING`` within ``wait`` seconds
    (not when the broker is away: the intake then pauses with the relay)."""
    deadline = time.monotonic() + wait
    while True:
        with runtime.session_factory() as session:
            backlog = runtime.outbox.backlog(session, OUTBOX_CEILING + 1)
        if backlog <= OUTBOX_CEILING:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_SECONDS)


def _until_done(runtime: ServiceRuntime, step: Callable[[UnitOfWork], int]) -> int:
    total = 0
    while True:
        with runtime.unit_of_work() as uow:
            done = step(uow)
            uow.commit()
        total += done
        if done == 0:
            return total


def _every(name: str) -> Callable[[Settings], float]:
    """A task's interval: the setting ``name`` (the worker reads it when it starts)."""
    return lambda settings: getattr(settings, name)


PERIODIC = (
    PeriodicTask("reservation-expiry", expire_reservations, _every("sweep_seconds")),
    PeriodicTask("card-expiry", withdraw_expired_cards, _every("sweep_seconds")),
    PeriodicTask("stock-check", check_stock, _every("stock_check_seconds")),
    PeriodicTask("intake", continue_intake, _every("intake_seconds")),
    PeriodicTask("stock-metrics", refresh_stock_gauges, _every("stock_metrics_seconds")),
)
