"""The stock check on PostgreSQL: it runs by itself in the worker, finds a figure planted
wrong and sees it resolved; and sales committing while it reads never show as differences
(it reads one snapshot)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from services.common.worker import Worker
from services.inventory.handlers.checks import check_stock
from services.inventory.handlers.periodic import PERIODIC
from services.inventory.settings import Settings
from tests.support.inventory_stock import devices_on_sale, handle, order_cancelled, order_placed
from tests.support.inventory_workshop import add_site
from tests.support.waiting import wait_until

PHONE_B = "device:smartphone:b"


@pytest.fixture
def inventory(app_for):
    runtime, app = app_for("inventory", own=Settings(stock_check_seconds=0.2))
    site = add_site(runtime, kind="counter")
    devices_on_sale(runtime, site, 4)
    return runtime, app.test_client(), site


def _shift_available(runtime, site: str, by: int) -> None:
    with runtime.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE stock_levels SET available = available + :by"
                " WHERE site_id = :site AND product_key = :key"
            ),
            {"by": by, "site": site, "key": PHONE_B},
        )


def _open(client) -> list[str]:
    return sorted(row["kind"] for row in client.get("/stock/discrepancies").get_json()["items"])


def test_the_worker_finds_a_planted_figure_by_itself_and_sees_it_put_right(inventory):
    runtime, client, site = inventory  # the worker checks every 0.2 s (the fixture's settings)
    worker = Worker(runtime, {}, PERIODIC).start()
    try:
        _shift_available(runtime, site, +1)
        assert wait_until(lambda: _open(client) == ["identity", "items", "ledger"], timeout=15)
        _shift_available(runtime, site, -1)
        assert wait_until(lambda: _open(client) == [], timeout=15)
    finally:
        worker.stop()


def test_sales_committing_while_the_check_reads_show_no_difference(inventory):
    runtime, client, site = inventory
    stop = threading.Event()

    def sell_and_cancel() -> None:
        while not stop.is_set():
            placed = order_placed(site, [{"product_key": PHONE_B, "quantity": 2}])
            handle(runtime, placed)
            handle(runtime, order_cancelled(placed.data["order_id"], site))

    seller = threading.Thread(target=sell_and_cancel, daemon=True)
    seller.start()
    try:
        rounds = [check_stock(runtime) for _ in range(30)]
    finally:
        stop.set()
        seller.join(10)
    assert rounds == [0] * 30
    assert _open(client) == []
