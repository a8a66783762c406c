"""Stock gauges for Prometheus, refreshed by the worker's ``stock-metrics`` task.

* ``connexions_stock_discrepancies_open{kind}``: discrepancies listed and not resolved (what
  ``GET /stock/discrepancies`` shows).
* ``connexions_stock_low_units{site_id, product_key}``: the units available of every product
  a site has held that is down to ``LOW_STOCK_UNITS`` (2) or fewer.
"""

from __future__ import annotations

from prometheus_client import Gauge

from services.common.runtime import ServiceRuntime
from services.inventory.repository import discrepancies

DISCREPANCIES_OPEN = Gauge(
    "connexions_stock_discrepancies_open",
    "Stock discrepancies listed and not resolved, by kind.",
    ["kind"],
)
LOW_STOCK = Gauge(
    "connexions_stock_low_units",
    "Units available of a product a site has held, when down to LOW_STOCK_UNITS or fewer.",
    ["site_id", "product_key"],
)


def refresh_stock_gauges(runtime: ServiceRuntime) -> int:
    threshold = runtime.settings.own.low_stock_units
    with runtime.unit_of_work() as uow:
        open_by_kind = discrepancies.listed_by_kind(uow.session)
        low = uow.stock.low(threshold)
    DISCREPANCIES_OPEN.clear()
    for kind, count in open_by_kind:
        DISCREPANCIES_OPEN.labels(kind).set(count)
    LOW_STOCK.clear()
    for site_id, product_key, available in low:
        LOW_STOCK.labels(site_id, product_key).set(available)
    return len(open_by_kind)
