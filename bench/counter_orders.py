"""Counter orders: 50 counters placing and completing orders through the gateway, on the real
multi-process stack (``scripts/stack.py``), with more demand than stock.

Each counter thread places one-card orders for its own person and gets the decided outcome
in the same request (``POST /orders?wait=5``: reserved or rejected; ``GET /orders/{id}?wait=5``
if it was still pending), and completes what was reserved. We
report decided orders per second, the latency from placing to a decided outcome, the
oversell (cards sold beyond the stock: must be 0) and the resident memory of every process.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import requests
import urllib3

from bench.environment import fresh_databases
from bench.figures import Figure
from bench.gateway import rss_mb
from scripts.stack import running
from services.common.card_codes import generate_keys
from services.gateway.keys import KeyStore

ROOT = Path(__file__).resolve().parent.parent
CARD = "card:orange:1000"
# 50 counters, twice as many orders as cards: the first half is reserved and sold, the rest
# refused. 16 orders each keeps the load up long enough (~15 s) for steady figures.
COUNTERS, ORDERS_EACH = 50, 16
STOCK = COUNTERS * ORDERS_EACH // 2


def counter_orders(
    counters: int = COUNTERS, stock: int = STOCK, orders_each: int = ORDERS_EACH
) -> list[Figure]:
    with fresh_databases() as environment:
        directory = Path(environment["STACK_DIR"])
        generate_keys(Path(environment["CARD_CODES_KEY_DIR"]))
        _stack("start", environment)
        try:
            gateway = f"http://127.0.0.1:{environment['GATEWAY_PORT']}/api"
            keys = KeyStore(environment["GATEWAY_DATABASE_URL"])
            admin = {"Authorization": f"Bearer {keys.create('bench admin', 'admin').secret}"}
            site, people = _set_up(gateway, counters, stock, admin)
            counter_keys = [
                keys.create(f"bench counter {n}", "counter", site_id=site).secret
                for n in range(counters)
            ]
            keys.close()
            results, elapsed, memory = _load(
                gateway, site, list(zip(people, counter_keys, strict=True)), orders_each, directory
            )
            sold = _sold(gateway, site, admin)
        finally:
            _stack("stop", environment)
    decided = [r for r in results if r[0] in ("reserved", "rejected")]
    latencies = sorted(r[1] * 1000 for r in decided)
    p50, p95, p99 = (statistics.quantiles(latencies, n=100)[q - 1] for q in (50, 95, 99))
    rate = len(decided) / elapsed
    reserved = sum(1 for r in results if r[0] == "reserved")
    return [
        Figure(
            f"Counter orders: decided orders/s ({len(decided)} of {len(results)} decided, "
            f"{reserved} reserved, stock {stock})",
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
        Figure(
            "Counter orders: oversell (cards sold beyond stock)",
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
    donation = _post(
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
            {
                "display_name": f"P{n}",
                "contact": "06 00 00 00 00",
                "home_site_id": site,
                "organisation_id": organisation["id"],
                "social_worker_id": organisation["contacts"][0]["id"],
                "referred_on": date.today().isoformat(),
                "referral_reason": "bench",
            },
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
    results: list[tuple[str, float]] = []
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
            answer = placed.json()
            state = answer.get("state", f"http-{placed.status}")
            if placed.status == 201 and state == "pending":
                url = f"{gateway}/sales/orders/{answer['id']}?wait=5"
                state = http.request("GET", url).json()["state"]
            with lock:
                results.append((state, time.perf_counter() - started))
            if state == "reserved":
                http.request(
                    "POST",
                    f"{gateway}/sales/orders/{answer['id']}/completion",
                    json={"payment_method": "cash"},
                )

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


def _sold(gateway: str, site: str, admin: dict) -> int:
    http = requests.Session()
    http.headers.update(admin)
    time.sleep(3)  # let the last completions reach inventory
    return sum(
        http.get(
            f"{gateway}/inventory/cards",
            params={"site_id": site, "state": state, "page_size": 1},
            timeout=30,
        ).json()["total"]
        for state in ("sold", "revealed")
    )
