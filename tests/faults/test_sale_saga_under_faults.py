"""No money without the goods, whatever breaks (issue 14, "a fault suite in the project").

The real stack (``make stack``: every API under gunicorn, every worker its own process) on
the real RabbitMQ and PostgreSQL, with an 8 s reservation TTL. Counters at three sites place,
complete, cancel and abandon orders for more than the stock while, one after the other, each
worker and each API is killed with SIGKILL and restarted, every PostgreSQL connection of the
services is terminated, and the sales worker's broker connection is cut for longer than the
TTL (a TCP proxy); at a fourth counter, orders held before the cut are completed during it,
and half of their cards are voided once the holds have lapsed (``witness.py``: the late
commit takes free items back, and is refused when they are gone). Then, once everything is
quiet, sales and inventory are reconciled through
the API and the databases: nothing lost, nothing sold twice, nothing stuck, every outbox
drained, no dead letter. The figures (outbox lag during the faults, time to drain once the
broker is back) are printed and written to ``tests/faults/results/latest.md``.
"""

from __future__ import annotations

import statistics
import threading
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from tests.faults import reconcile
from tests.faults.harness import BEHIND_PROXY, FaultStack
from tests.faults.load import CounterDesk, LoadReport
from tests.faults.seeding import build_world
from tests.faults.witness import LateCompletions
from tests.support.gateway_client import Gateway

TTL = 8  # seconds a reservation is held
CUT = TTL + 6  # the broker is unreachable for longer than a hold lasts
RESULTS = Path(__file__).parent / "results" / "latest.md"
SETTINGS = {
    "RESERVATION_TTL_SECONDS": str(TTL),
    "INVENTORY_SWEEP_SECONDS": "1",
    "SALES_COMPLETION_MARGIN_SECONDS": "1",
    "EVENT_RETRY_DELAYS": "0.5,1,2",
    "LOG_LEVEL": "WARNING",
}


@pytest.fixture
def stack(tmp_path, broker_url, postgres_url):
    stack = FaultStack(tmp_path / "stack", broker_url, postgres_url, **SETTINGS)
    try:
        stack.start()
        yield stack
    finally:
        stack.close()


class Timeline:
    def __init__(self) -> None:
        self.began = time.monotonic()
        self.entries: list[tuple[float, str]] = []
        self.moments: dict[str, datetime] = {}

    def note(self, what: str, moment: str | None = None) -> None:
        self.entries.append((round(time.monotonic() - self.began, 1), what))
        if moment:
            self.moments[moment] = datetime.now(UTC)

    def wait(self, until: float) -> None:
        time.sleep(max(0.0, self.began + until - time.monotonic()))


def break_things(stack: FaultStack, timeline: Timeline, witness: LateCompletions) -> None:
    """Every worker and API killed and restarted, connections dropped, the broker cut (with
    the witness orders completed during the cut, half of their items taken meanwhile)."""
    timeline.note("faults begin", "faults_began")
    timeline.wait(4)
    for name in stack.process_names():
        stack.kill(name)
        timeline.note(f"kill -9 {name}")
        time.sleep(0.5)
        stack.restart(name)
        service = name.split("-")[0]
        ready = partial(stack.consuming, service) if "-worker-" in name else stack.healthy
        deadline = time.monotonic() + 60
        while not ready():
            assert time.monotonic() < deadline, f"{name} not back after 60 s" + stack.logs()
            time.sleep(0.2)
        timeline.note(f"{name} back")
        time.sleep(1.5)
    dropped = stack.drop_database_connections()
    timeline.note(f"{dropped} PostgreSQL connections terminated")
    time.sleep(3)
    witness.reserve(4)
    stack.proxy.cut()
    timeline.note(f"broker cut for {', '.join(BEHIND_PROXY)} ({CUT} s)", "cut")
    cut = time.monotonic()
    witness.complete()
    timeline.note("4 witness orders completed at the counter")
    witness.take_half_of_the_items()
    timeline.note("their holds lapsed; the cards of 2 of them voided by an admin")
    time.sleep(max(0.0, cut + CUT - time.monotonic()))
    stack.proxy.restore()
    timeline.note("broker back", "restored")
    time.sleep(6)
    timeline.note("faults end", "faults_ended")


def quiet(stack: FaultStack) -> bool:
    return (
        not reconcile.stuck(stack)
        and not any(stack.unsent().values())
        and not any(stack.queue_depths().values())
    )


def test_no_money_without_the_goods_under_faults(stack):
    admin = Gateway(stack.gateway_url, stack.admin_key)
    world = build_world(admin, counters=4, cards=40, phones=2, people=12)
    *busy, quiet_counter = world.counters  # the last one serves the witness orders only
    witness = LateCompletions(stack, admin, quiet_counter, TTL)
    stock = sum(world.cards_per_counter + world.phones_per_counter for _ in busy)
    report, stop = LoadReport(), threading.Event()
    desks = [
        CounterDesk(stack.gateway_url, c.key, c.site_id, c.people, report, stop, TTL, seed)
        for seed, c in enumerate(busy * 2)
    ]
    timeline = Timeline()
    for desk in desks:
        desk.start()
    timeline.note(f"{len(desks)} counters selling {stock} items")
    break_things(stack, timeline, witness)
    stop.set()
    for desk in desks:
        desk.join(timeout=90)
    assert not [desk.name for desk in desks if desk.is_alive()], "a counter never finished"
    timeline.note("load stopped")
    down = stack.all_alive()
    assert not down, f"processes died: {down}" + stack.logs()

    stopped = time.monotonic()
    witness.settle()
    while not (quiet(stack) and quiet(stack)) and time.monotonic() - stopped < 90:
        time.sleep(1)  # what is still stuck after that is reported below
    timeline.note(f"quiet after {time.monotonic() - stopped:.1f} s (at most 90)")

    figures = measure(stack, timeline)
    problems = {
        "stuck": reconcile.stuck(stack),
        "late completions (witness orders)": witness.problems(),
        "sales against inventory": reconcile.sales_against_inventory(stack),
        "stock figures": reconcile.stock_figures(stack),
        "counters against sales": reconcile.counters_against_sales(
            stack, report.told + witness.orders
        ),
        "card-code reveals": reconcile.reveals(admin.http, stack.gateway_url, world, stack),
        **reconcile.messages_left(stack),
    }
    write_results(stack, timeline, report, figures, problems)
    orders = reconcile.order_states(stack)
    assert orders["completed"] > 0 and orders["expired"] + orders["cancelled"] > 0, orders
    assert {k: v for k, v in problems.items() if v} == {}


# figures --------------------------------------------------------------------------------------
def measure(stack: FaultStack, timeline: Timeline) -> dict:
    moments = timeline.moments
    lags = {
        service: [
            float(lag)
            for (lag,) in stack.rows(
                service,
                "SELECT extract(epoch FROM sent_at - created_at) FROM outbox"
                " WHERE created_at BETWEEN :began AND :ended AND sent_at IS NOT NULL",
                began=moments["faults_began"],
                ended=moments["faults_ended"],
            )
        ]
        for service in ("donations", "inventory", "sales")
    }
    every = [lag for service_lags in lags.values() for lag in service_lags]
    held, last_sent = stack.rows(
        "sales",
        "SELECT count(*), max(sent_at) FROM outbox WHERE created_at < :restored AND sent_at > :cut",
        restored=moments["restored"],
        cut=moments["cut"],
    )[0]
    drain = (last_sent - moments["restored"]).total_seconds() if last_sent else 0.0
    return {
        "events published during the faults": len(every),
        "outbox lag p50 / p99 / max during the faults, all services (s)": (
            f"{_quantile(every, 0.5)} / {_quantile(every, 0.99)} / {round(max(every), 2)}"
        ),
        **{
            f"outbox lag p99 during the faults, {service} (s)": _quantile(values, 0.99)
            for service, values in lags.items()
        },
        "sales events held back by the broker cut": held,
        "time to drain sales' outbox after the broker returned (s)": round(drain, 2),
        "placement Idempotency-Keys left in use (answer never stored)": stack.scalar(
            "sales", "SELECT count(*) FROM idempotency_keys WHERE status IS NULL"
        ),
    }


def _quantile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return round(values[0], 2) if values else 0.0
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1], 2)


def write_results(stack, timeline, report, figures, problems) -> None:
    orders = reconcile.order_states(stack)
    holds = reconcile.reservation_states(stack)
    answers = {}
    for told in report.told:
        answers[told.last] = answers.get(told.last, 0) + 1
    completions = sorted(report.completion_seconds)
    lines = [
        "# Fault suite: last run",
        "",
        f"`tests/faults/` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: the real stack, reservation"
        f" TTL {TTL} s, broker cut {CUT} s on {', '.join(BEHIND_PROXY)}.",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in figures.items()),
        f"| counter completions answered completed: p50 / p99 (s) | "
        f"{_quantile(completions, 0.5)} / {_quantile(completions, 0.99)} |",
        "",
        f"Orders in sales: {dict(sorted(orders.items()))}; reservations in inventory:"
        f" {dict(sorted(holds.items()))}.",
        f"Counters' last answers: {dict(sorted(answers.items()))}; placement refusals:"
        f" {dict(sorted(report.refusals.items()))}; transport errors and 5xx:"
        f" {dict(sorted(report.errors.items()))}.",
        "",
        "## Timeline (s)",
        "",
        *(f"- {at:6.1f}  {what}" for at, what in timeline.entries),
        "",
        "## Reconciliation",
        "",
        *reconcile.report_lines(problems),
        "",
    ]
    reconcile.write_report(RESULTS, lines)
