"""Programme impact from completed orders, by pseudonymous code (so erasure changes nothing).

Distinct people are counted once across all sites (the funders' figure); per site and month
a person counts once in each site-month they were served.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from services.sales.domain.environment import kg
from services.sales.domain.pricing import FAMILIES
from services.sales.models import Order, OrderLine, RecycledDevice, SiteView

COMPLETED = Order.state == "completed"
FAMILY_NAMES = tuple(FAMILIES.values())


def _money_by_family(session, *filters):
    return session.execute(
        select(
            Order.site_id,
            Order.sale_month,
            OrderLine.family,
            func.sum(OrderLine.quantity),
            func.sum(OrderLine.quantity * OrderLine.unit_solidarity_cents),
            func.sum(
                OrderLine.quantity * (OrderLine.unit_market_cents - OrderLine.unit_solidarity_cents)
            ),
        )
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(COMPLETED, *filters)
        .group_by(Order.site_id, Order.sale_month, OrderLine.family)
    ).all()


def programme_impact(session, target: int) -> dict:
    people = session.scalar(select(func.count(distinct(Order.beneficiary_code))).where(COMPLETED))
    orders = session.scalar(select(func.count()).select_from(Order).where(COMPLETED))
    totals = _totals(_money_by_family(session))
    environment = _sum_environment(_environment(session).values())
    return {
        "people_helped": people,
        "target": target,
        "progress_percent": round(100 * people / target, 2) if target else None,
        "orders": orders,
        **totals,
        "environment": _environment_out(environment),
    }


def _totals(money_rows) -> dict:
    items = dict.fromkeys(FAMILY_NAMES, 0)
    revenue = savings = 0
    for _site, _month, family, quantity, paid, saved in money_rows:
        items[family] += quantity
        revenue, savings = revenue + paid, savings + saved
    return {"items_by_family": items, "revenue_cents": revenue, "savings_cents": savings}


def monthly_impact(session, filters: dict) -> list[dict]:
    """One row per site and month, oldest first; ``filters``: site_id, from/to month."""
    where = _month_filters(filters)
    counts = session.execute(
        select(
            Order.site_id,
            Order.sale_month,
            func.count(distinct(Order.beneficiary_code)),
            func.count(Order.id),
        )
        .where(COMPLETED, *where)
        .group_by(Order.site_id, Order.sale_month)
    ).all()
    rows = {(site, month): _row(site, month, people, n) for site, month, people, n in counts}
    for site, month, family, quantity, paid, saved in _money_by_family(session, *where):
        row = rows[(site, month)]
        row["items_by_family"][family] += quantity
        row["revenue_cents"] += paid
        row["savings_cents"] += saved
    span = (filters.get("site_id"), filters.get("from_month"), filters.get("to_month"))
    for (site, month), grams in _environment(session, *span).items():
        row = rows.setdefault((site, month), _row(site, month, 0, 0))  # a site-month of scraps
        row["environment"] = _environment_out(grams)
    _name_sites(session, rows.values())
    return sorted(rows.values(), key=lambda row: (row["month"], row["city"] or "", row["site_id"]))


def _month_filters(filters: dict) -> list:
    where = []
    if filters.get("site_id"):
        where.append(Order.site_id == str(filters["site_id"]))
    if filters.get("from_month"):
        where.append(Order.sale_month >= filters["from_month"])
    if filters.get("to_month"):
        where.append(Order.sale_month <= filters["to_month"])
    return where


def _row(site_id: str, month: str, people: int, orders: int) -> dict:
    return {
        "site_id": site_id,
        "site_name": None,
        "city": None,
        "month": month,
        "people": people,
        "orders": orders,
        "items_by_family": dict.fromkeys(FAMILY_NAMES, 0),
        "revenue_cents": 0,
        "savings_cents": 0,
        "environment": _environment_out(_no_environment()),
    }


def _name_sites(session, rows) -> None:
    sites = {site.site_id: site for site in session.scalars(select(SiteView))}
    for row in rows:
        site = sites.get(row["site_id"])
        if site is not None:
            row["site_name"], row["city"] = site.name, site.city


# environmental impact (domain/environment.py): figures frozen on the lines sold and on the
# devices scrapped, summed per site and month ------------------------------------------------

MB_PER_GB = 1000  # allowances are sold in MB (allowance:data-mb); GB as operators count them


def _environment(session, site_id=None, from_month=None, to_month=None) -> dict:
    """{(site_id, month): grams avoided and recycled, devices sold, MB and minutes sold}."""
    span = (site_id, from_month, to_month)
    sold_where = [COMPLETED, *_within(Order.site_id, Order.sale_month, *span)]
    recycled_where = _within(RecycledDevice.site_id, RecycledDevice.month, *span)
    figures: dict = {}

    def at(site, month) -> dict:
        return figures.setdefault((site, month), _no_environment())

    for site, month, devices, co2e, materials, data_mb, minutes in session.execute(
        select(
            Order.site_id,
            Order.sale_month,
            func.sum(case((OrderLine.family == "device", OrderLine.quantity), else_=0)),
            func.sum(func.coalesce(OrderLine.co2e_avoided_g, 0)),
            func.sum(func.coalesce(OrderLine.materials_avoided_g, 0)),
            func.sum(_quantity_of("allowance:data-mb")),
            func.sum(_quantity_of("allowance:minutes")),
        )
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(*sold_where)
        .group_by(Order.site_id, Order.sale_month)
    ):
        at(site, month).update(
            devices_sold=int(devices or 0),
            co2e_g=int(co2e or 0),
            materials_g=int(materials or 0),
            data_mb=int(data_mb or 0),
            minutes=int(minutes or 0),
        )
    for site, month, count, mass in session.execute(
        select(
            RecycledDevice.site_id,
            RecycledDevice.month,
            func.count(),
            func.sum(RecycledDevice.recycled_g),
        )
        .where(*recycled_where)
        .group_by(RecycledDevice.site_id, RecycledDevice.month)
    ):
        at(site, month).update(devices_recycled=int(count), recycled_g=int(mass or 0))
    return figures


def _within(site_column, month_column, site_id, from_month, to_month) -> list:
    where = []
    if site_id:
        where.append(site_column == str(site_id))
    if from_month:
        where.append(month_column >= from_month)
    if to_month:
        where.append(month_column <= to_month)
    return where


def _quantity_of(product_key: str):
    return case((OrderLine.product_key == product_key, OrderLine.quantity), else_=0)


def _no_environment() -> dict:
    return {
        "devices_sold": 0,
        "co2e_g": 0,
        "materials_g": 0,
        "devices_recycled": 0,
        "recycled_g": 0,
        "data_mb": 0,
        "minutes": 0,
    }


def _environment_out(grams: dict) -> dict:
    """The API's figures: kilograms (3 decimals), GB (3 decimals), minutes."""
    return {
        "devices_sold": grams["devices_sold"],
        "co2e_kg": kg(grams["co2e_g"]),
        "materials_kg": kg(grams["materials_g"]),
        "devices_recycled": grams["devices_recycled"],
        "recycled_kg": kg(grams["recycled_g"]),
        "data_gb_sold": round(grams["data_mb"] / MB_PER_GB, 3),
        "minutes_sold": grams["minutes"],
    }


def _sum_environment(figures) -> dict:
    total = _no_environment()
    for one in figures:
        for name in total:
            total[name] += one[name]
    return total


def environmental_by_month_and_site(session: Session, start: date, end: date) -> list[dict]:
    """The environmental figures per civil month and site, for the months from ``start``'s
    to ``end``'s inclusive (a sale counts in the month it was placed, as in ``/impact``; a
    scrapped device in the month it was scrapped), oldest month first.

    Each row: ``month`` ("YYYY-MM"), ``site_id``, ``city`` (None if the site is unknown
    here), ``devices_sold``, ``co2e_kg`` and ``materials_kg`` (avoided, as frozen on the
    lines when they were sold), ``recycled_kg`` (mass of the devices scrapped), plus
    ``devices_recycled``, ``data_gb_sold`` and ``minutes_sold``. Device-level counts only.
    """
    figures = _environment(
        session, from_month=start.strftime("%Y-%m"), to_month=end.strftime("%Y-%m")
    )
    cities = dict(session.execute(select(SiteView.site_id, SiteView.city)).all())
    rows = [
        {"month": month, "site_id": site, "city": cities.get(site), **_environment_out(grams)}
        for (site, month), grams in figures.items()
    ]
    return sorted(rows, key=lambda row: (row["month"], row["city"] or "", row["site_id"]))


def environmental_totals(session: Session, start: date, end: date) -> dict:
    """The figures of :func:`environmental_by_month_and_site` summed over its rows (same
    keys, without ``month``, ``site_id`` and ``city``)."""
    figures = _environment(
        session, from_month=start.strftime("%Y-%m"), to_month=end.strftime("%Y-%m")
    )
    return _environment_out(_sum_environment(figures.values()))


class Impact:
    def __init__(self, session: Session) -> None:
        self.session = session

    def programme(self, target: int) -> dict:
        """Distinct people helped (deduplicated across sites) against ``target``, totals."""
        return programme_impact(self.session, target)

    def monthly(self, filters: dict) -> list[dict]:
        return monthly_impact(self.session, filters)
