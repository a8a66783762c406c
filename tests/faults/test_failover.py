"""Beyond one machine (issue 20): the real stack on a three-node RabbitMQ cluster and a
PostgreSQL primary with a synchronous standby (``scripts/cluster.py``), while counters sell.

The RabbitMQ node that leads most of the stack's queues is killed with SIGKILL and brought
back, then another; then the PostgreSQL primary is killed and the standby promoted. The
services know every node (kombu's failover list) and both database hosts
(``target_session_attrs=read-write``). Once quiet, everything is reconciled as the fault
suite does: nothing acknowledged lost, nothing sold twice, every saga terminal, outboxes
drained, no dead letter. What the counters saw during each failover (errors, and how long
until a sale asked after the failure completed) is written to
``tests/faults/results/failover.md``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scripts.cluster import DEFAULT_DIRECTORY, RabbitCluster, RabbitNode
from scripts.cluster import start as start_cluster
from scripts.cluster import stop as stop_cluster
from tests.faults import reconcile
from tests.faults.harness import FaultStack, consumed_queues
from tests.faults.load import CounterDesk, LoadReport
from tests.faults.seeding import build_world
from tests.support.gateway_client import Gateway
from tests.support.waiting import wait_until

TTL = 20  # a reservation outlives each failover: the failover, not the TTL, is under test
RESULTS = Path(__file__).parent / "results" / "failover.md"
SETTINGS = {
    "RESERVATION_TTL_SECONDS": str(TTL),
    "INVENTORY_SWEEP_SECONDS": "1",
    "EVENT_RETRY_DELAYS": "0.5,1,2",
    "LOG_LEVEL": "WARNING",
}


@pytest.fixture(scope="module")
def cluster():
    directory = DEFAULT_DIRECTORY.with_name("connexions-failover")
    stop_cluster(directory)  # what an interrupted run left
    rabbit, postgres = start_cluster(directory)
    try:
        yield rabbit, postgres
    finally:
        stop_cluster(directory)


@pytest.fixture
def stack(tmp_path, cluster):
    rabbit, postgres = cluster
    stack = FaultStack(
        tmp_path / "stack", rabbit.broker_url, postgres.url(), behind_proxy=(), **SETTINGS
    )
    try:
        stack.start()
        yield stack
    finally:
        stack.close()


def busiest_leader(rabbit: RabbitCluster, stack: FaultStack, spare: set[str]) -> RabbitNode:
    """The running node that leads most of the queues the workers consume."""
    consumed = {
        q
        for service in ("donations", "inventory", "sales")
        for q in consumed_queues(stack.topology, service)
    }
    leaders = rabbit.leaders(stack.topology.namespace)
    led = Counter(node for queue, node in leaders.items() if queue in consumed)
    candidates = [n for n in rabbit.nodes if n.name not in spare and n.running()]
    return max(candidates, key=lambda node: led.get(node.name, 0))


class Failovers:
    """Each failure's moment, and what the counters saw from then to the next one."""

    def __init__(self, report: LoadReport) -> None:
        self.report = report
        self.began = time.monotonic()
        self.events: list[tuple[str, float]] = []

    def failed(self, what: str) -> float:
        self.events.append((what, time.monotonic()))
        return self.events[-1][1]

    def await_sales(self, since: float, timeout: float = 60) -> None:
        """Until a sale asked after ``since`` has completed."""
        wait_until(lambda: self.report.flowing_again(since) is not None, timeout=timeout)

    def figures(self, ended: float) -> list[tuple[str, int, float | None]]:
        moments = [at for _, at in self.events] + [ended]
        return [
            (what, self.report.errors_between(at, moments[i + 1]), self.report.flowing_again(at))
            for i, (what, at) in enumerate(self.events)
        ]


def test_orders_survive_broker_node_and_database_failovers(stack, cluster):
    rabbit, postgres = cluster
    queues = rabbit.nodes[0].ctl("list_queues", "name", "members", "--no-table-headers", "-q")
    ours = [line for line in queues.stdout.splitlines() if stack.topology.namespace in line]
    assert ours and all(line.count("cs-") == 3 for line in ours), queues.stdout[-2000:]

    admin = Gateway(stack.gateway_url, stack.admin_key)
    world = build_world(admin, counters=3, cards=40, phones=2, people=10)
    report, stop = LoadReport(), threading.Event()
    desks = [
        CounterDesk(stack.gateway_url, c.key, c.site_id, c.people, report, stop, TTL, seed)
        for seed, c in enumerate(world.counters * 2)
    ]
    for desk in desks:
        desk.start()
    failovers = Failovers(report)
    failovers.await_sales(failovers.began)  # the load flows before anything breaks

    first = busiest_leader(rabbit, stack, spare=set())
    first.kill()
    failovers.await_sales(failovers.failed(f"kill -9 RabbitMQ {first.name} (most leaders)"))
    first.start()
    second = busiest_leader(rabbit, stack, spare={first.name})
    second.kill()
    failovers.await_sales(failovers.failed(f"kill -9 RabbitMQ {second.name}"))
    second.start()
    postgres.kill_primary()
    at = failovers.failed("kill -9 PostgreSQL primary, standby promoted")
    postgres.promote_standby()
    failovers.await_sales(at)
    time.sleep(3)
    stop.set()
    for desk in desks:
        desk.join(timeout=90)
    ended = time.monotonic()
    assert not [desk.name for desk in desks if desk.is_alive()], "a counter never finished"

    wait_until(lambda: not reconcile.stuck(stack) and not any(stack.unsent().values()), timeout=90)
    problems = {
        "stuck": reconcile.stuck(stack),
        "sales against inventory": reconcile.sales_against_inventory(stack),
        "stock figures": reconcile.stock_figures(stack),
        "counters against sales": reconcile.counters_against_sales(stack, report.told),
        **reconcile.messages_left(stack),
    }
    write_results(failovers.figures(ended), report, stack, problems)
    orders = reconcile.order_states(stack)
    assert orders["completed"] > 0, orders
    assert {k: v for k, v in problems.items() if v} == {}


def write_results(figures, report: LoadReport, stack: FaultStack, problems: dict) -> None:
    orders = reconcile.order_states(stack)
    lines = [
        "# Failover: last run",
        "",
        f"`tests/faults/test_failover.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: the real"
        " stack on a three-node RabbitMQ cluster and a PostgreSQL primary with a synchronous"
        f" standby, {len(report.told)} orders placed by 6 counters.",
        "",
        "| failure | counter errors (transport, 5xx) until the next"
        " | a new sale completed after (s) |",
        "|---|---:|---:|",
        *(f"| {what} | {errors} | {after} |" for what, errors, after in figures),
        "",
        f"Orders in sales: {dict(sorted(orders.items()))}; counters' errors by step:"
        f" {dict(sorted(report.errors.items()))}.",
        "",
        *reconcile.report_lines(problems),
        "",
    ]
    reconcile.write_report(RESULTS, lines)
