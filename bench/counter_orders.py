"""Counter orders: 50 counters placing and completing orders through the gateway, on the real
multi-process stack (``scripts/stack.py``), with more demand than stock.

Each counter thread places one-card orders for its own person and gets the decided outcome
in the same request (``POST /orders?wait=5``: reserved or rejected; ``GET /orders/{id}?wait=5``
if it was still pending), and completes what was reserved (``POST .../completion``, which
waits for inventory's commit: a sale only on 200 ``completed``; 409 ``sale-not-completed``
is none; 202 ``completing`` is followed by ``GET /orders/{id}?wait=5``). We report decided
orders per second, completed sales, the latency from placing to a decided outcome, the
oversell (cards sold beyond the stock: must be 0), the resident memory of every process, and
the CPU milliseconds of one order over every process of the stack beside the raw floor of
the same run (bench/raw_floor.py).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import urllib3

from bench.environment import fresh_databases
from bench.figures import Figure
from bench.gateway import rss_mb
from bench.order_operations import database_urls, libpq_url, settled_count
from bench.process_cpu import snapshot, spent
from bench.raw_floor import unit_costs
from scripts.stack import running
from services.common.card_codes import generate_keys
from services.gateway.keys import KeyStore
from tests.support.enrolments import referral

ROOT = Path(__file__).resolve().parent.parent
CARD = "card:orange:1000"
# 50 counters, twice as many orders as cards: the first half is reserved and sold, the rest
# refused. 16 orders each keeps the load up long enough (~15 s) for steady figures.
COUNTERS, ORDERS_EACH = 50, 16
STOCK = COUNTERS * ORDERS_EACH // 2
# after the load, before the CPU and the operations are counted: the projections catch up
SETTLE_SECONDS = 3


@dataclass(frozen=True)
class CounterStack:
    """The stack started by :func:`counter_stack`, set up for the load."""

    gateway: str  # the public API's base URL
    admin: dict[str, str]  # an admin key's header
    site: str  # the counter site holding the stock
    counters: list[tuple[str, str]]  # (person id, counter key) of each counter
    directory: Path  # the stack's state (its processes)
    databases: list[str]  # the stack's PostgreSQL databases, by name
    pids: list[int]  # the stack's processes

    def load(self, orders_each: int):
        """:func:`_load`: every counter places ``orders_each`` orders."""
        return _load(self.gateway, self.site, self.counters, orders_each, self.directory)


@contextmanager
def counter_stack(
    environment: dict, counters: int, stock: int, *, key_name: str = "bench"
) -> Iterator[CounterStack]:
    """The multi-process stack on ``environment``, started with a counter site holding
    ``stock`` cards, a person and a counter key for each of ``counters``; stopped on exit."""
    directory = Path(environment["STACK_DIR"])
    generate_keys(Path(environment["CARD_CODES_KEY_DIR"]))
    _stack("start", environment)
    try:
        gateway = f"http://127.0.0.1:{environment['GATEWAY_PORT']}/api"
        keys = KeyStore(environment["GATEWAY_DATABASE_URL"])
        admin = {"Authorization": f"Bearer {keys.create(f'{key_name} admin', 'admin').secret}"}
        site, people = _set_up(gateway, counters, stock, admin)
        counter_keys = [
            keys.create(f"{key_name} counter {n}", "counter", site_id=site).secret
            for n in range(counters)
        ]
        keys.close()
        yield CounterStack(
            gateway,
            admin,
            site,
            list(zip(people, counter_keys, strict=True)),
            directory,
            [url.rsplit("/", 1)[1] for url in database_urls(environment).values()],
            [process.pid for process in running(directory)],
        )
    finally:
        _stack("stop", environment)


def counter_orders(
    counters: int = COUNTERS, stock: int = STOCK, orders_each: int = ORDERS_EACH
) -> list[Figure]:
    with fresh_databases() as environment:
        with counter_stack(environment, counters, stock) as stack:
            urls = database_urls(environment)
            counted = settled_count(urls)
            cpu_before = snapshot(stack.pids, stack.databases)
            results, elapsed, memory = stack.load(orders_each)
            time.sleep(SETTLE_SECONDS)
            cpu = spent(cpu_before, snapshot(stack.pids, stack.databases))
            operations = settled_count(urls) - counted
            sold = _sold(stack.gateway, stack.site, stack.admin)
        costs = unit_costs(
            libpq_url(environment["SALES_DATABASE_URL"]),
            environment["BROKER_URL"],
            f"{environment['EVENT_NAMESPACE']}.bare",
        )
    orders = len(results)
    requests_made = sum(r[3] for r in results)
    floor = costs.floor_ms(
        operations.commits / orders,
        requests_made / orders,
        operations.published / orders,
        operations.delivered / orders,
    )
    cpu_ms = {part: 1000 * seconds / orders for part, seconds in cpu.items()}
    completed = sum(1 for r in results if r[2] == "completed")
    decided = [r for r in results if r[0] in ("reserved", "rejected")]
    latencies = sorted(r[1] * 1000 for r in decided)
    p50, p95, p99 = (statistics.quantiles(latencies, n=100)[q - 1] for q in (50, 95, 99))
    rate = len(decided) / elapsed
    reserved = sum(1 for r in results if r[0] == "reserved")
    return [
        Figure(
            f"Counter orders: decided orders/s ({len(decided)} of {len(results)} decided, "
            f"{reserved} reserved, {completed} completed sales, stock {stock})",
            rate,
            None,
            "orders/s",
            "≥ 100",
            rate >= 100,
        ),
        Figure(
            f"Counter orders: p99 latency to a decided outcome (p50 {p50:.0f}, p95 {p95:.0f} ms)",
            p99,
            None,
            "ms",
            "≤ 1,000 ms",
            p99 <= 1000,
        ),
        _cpu_figure(cpu_ms, floor, operations, requests_made, orders),
        Figure(
            f"Counter orders: oversell (cards sold beyond stock; {sold} sold in inventory, "
            f"{completed} completed in sales)",
            max(0, sold - stock),
            None,
            "cards",
            "0",
            sold <= stock,
        ),
        Figure(
            f"Memory: largest process of the stack under load ({len(memory)} processes)",
            max(memory.values()),
            None,
            "MB",
            "≤ 150 MB per process",
            max(memory.values()) <= 150,
        ),
    ]


def _cpu_figure(cpu_ms: dict[str, float], floor: float, operations, requests_made, orders):
    total = sum(cpu_ms.values())
    return Figure(
        f"Counter orders: CPU ms per order, all processes of the stack ({total:.1f} ms: "
        f"APIs, workers and gateway {cpu_ms.get('stack', 0):.1f}, PostgreSQL "
        f"{cpu_ms.get('postgresql', 0):.1f}, RabbitMQ {cpu_ms.get('rabbitmq', 0):.1f}), against "
        f"the raw floor of the same run ({floor:.1f} ms: per order "
        f"{operations.commits / orders:.1f} commits, {requests_made / orders:.1f} requests "
        f"through the gateway, {operations.published / orders:.1f} events published, "
        f"{operations.delivered / orders:.1f} delivered)",
        total,
        floor,
        "ms",
        "— (100 orders/s on 2 cores needs ≤ 18 ms)",
        None,
    )


def _stack(command: str, environment: dict) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scripts.stack", command],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode:
        raise RuntimeError(f"stack {command} failed: {done.stderr[-2000:]}")


def _post(http, url: str, body: dict, **kwargs) -> dict:
    response = http.post(url, json=body, timeout=30, **kwargs)
    response.raise_for_status()
    return response.json()


def _announce(http, url: str, donation: dict) -> dict:
    """The donation, once donations has learnt its site (from ``inventory.site.opened``)."""
    deadline = time.monotonic() + 60
    while True:
        response = http.post(url, json=donation, timeout=30)
        if response.status_code != 422 or "unknown-site" not in response.text:
            response.raise_for_status()
            return response.json()
        if time.monotonic() > deadline:
            raise TimeoutError("donations never learnt the counter's site")
        time.sleep(0.2)


def _set_up(gateway: str, counters: int, stock: int, admin: dict) -> tuple[str, list[str]]:
    http = requests.Session()
    http.headers.update(admin)
    tag = uuid.uuid4().hex[:8]
    site = _post(
        http,
        f"{gateway}/inventory/sites",
        {"name": f"Point {tag}", "city": "Lyon", "kind": "counter"},
    )["id"]
    partner = _post(
        http, f"{gateway}/donations/partners", {"name": f"Orange {tag}", "kind": "telecom_operator"}
    )["id"]
    codes = [
        {"serial": f"S{n}-{tag}", "pin": f"{uuid.uuid4().int % 10**14:014d}"} for n in range(stock)
    ]
    donation = _announce(
        http,
        f"{gateway}/donations/donations",
        {
            "partner_id": partner,
            "site_id": site,
            "lines": [
                {
                    "kind": "prepaid_cards",
                    "quantity": stock,
                    "operator": "Orange",
                    "product_name": "Recharge 10 EUR",
                    "face_value_cents": 1000,
                    "expiry_date": "2099-12-31",
                    "codes": codes,
                }
            ],
        },
    )
    _post(
        http,
        f"{gateway}/donations/donations/{donation['id']}/reception",
        {"lines": [{"line_id": donation["lines"][0]["id"], "received_quantity": stock}]},
    )
    organisation = _post(
        http,
        f"{gateway}/sales/organisations",
        {"name": f"CCAS {tag}", "kind": "ccas", "contacts": [{"name": "AS"}]},
    )
    http.put(
        f"{gateway}/sales/organisations/{organisation['id']}/approval",
        json={"approved": True},
        timeout=30,
    ).raise_for_status()
    people = [
        _post(
            http,
            f"{gateway}/sales/beneficiaries",
            referral(f"P{n}", "06 00 00 00 00", site, organisation, "bench"),
        )["code"]
        for n in range(counters)
    ]
    _post(
        http,
        f"{gateway}/sales/price-grids",
        {"entries": [{"product_key": CARD, "market_cents": 1000, "solidarity_cents": 250}]},
    )
    deadline = time.monotonic() + 120
    while _available(http, gateway, site) < stock:
        if time.monotonic() > deadline:
            raise TimeoutError("the catalogue never showed the stock")
        time.sleep(0.2)
    return site, people


def _available(http, gateway: str, site: str) -> int:
    catalogue = http.get(f"{gateway}/sales/sites/{site}/catalogue", timeout=30).json()
    items = catalogue["items"] if isinstance(catalogue, dict) else catalogue
    return sum(item["available"] for item in items if item["product_key"] == CARD)


def _load(gateway, site, people, orders_each, directory):
    """Each result: (decided state, seconds to it, completion outcome or None, requests)."""
    results: list[tuple[str, float, str | None, int]] = []
    lock = threading.Lock()
    memory: dict[str, float] = {}

    def counter(code: str, key: str) -> None:
        # urllib3 rather than requests: the load generator shares the two cores with the
        # system it measures, so it should cost as little as it can.
        http = urllib3.PoolManager(
            maxsize=1, headers={"Authorization": f"Bearer {key}"}, timeout=30.0, retries=False
        )
        order = {"beneficiary_code": code, "lines": [{"product_key": CARD, "quantity": 1}]}
        for _ in range(orders_each):
            started = time.perf_counter()
            # answered once inventory has reserved or refused
            placed = http.request("POST", f"{gateway}/sales/orders?wait=5", json=order)
            answer, requests_made = placed.json(), 1
            state = answer.get("state", f"http-{placed.status}")
            if placed.status == 201 and state == "pending":
                url = f"{gateway}/sales/orders/{answer['id']}?wait=5"
                state, requests_made = http.request("GET", url).json()["state"], 2
            latency = time.perf_counter() - started
            completion = None
            if state == "reserved":
                completion, more = _complete(http, f"{gateway}/sales/orders/{answer['id']}")
                requests_made += more
            with lock:
                results.append((state, latency, completion, requests_made))

    def sample() -> None:
        while not done.is_set():
            for process in running(directory):
                if os.path.exists(f"/proc/{process.pid}"):
                    memory[process.name] = max(memory.get(process.name, 0), rss_mb(process.pid))
            done.wait(0.5)

    done = threading.Event()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    threads = [threading.Thread(target=counter, args=person) for person in people]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return results, elapsed, memory


def _complete(http: urllib3.PoolManager, order_url: str) -> tuple[str, int]:
    """The completion's outcome (``completed`` is a sale) and the requests it took."""
    answer = http.request("POST", f"{order_url}/completion", json={"payment_method": "cash"})
    if answer.status == 200:
        return answer.json()["state"], 1
    if answer.status == 202:  # still completing when the wait ran out
        return http.request("GET", f"{order_url}?wait=5").json()["state"], 2
    problem = answer.json()
    return problem.get("order_state") or f"http-{answer.status}", 1


def _sold(gateway: str, site: str, admin: dict) -> int:
    http = requests.Session()
    http.headers.update(admin)
    return sum(
        http.get(
            f"{gateway}/inventory/cards",
            params={"site_id": site, "state": state, "page_size": 1},
            timeout=30,
        ).json()["total"]
        for state in ("sold", "revealed")
    )
