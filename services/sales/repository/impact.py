"""Programme impact from completed orders, by pseudonymous code (so erasure changes nothing).

Distinct people are counted once across all sites (the funders' figure); per site and month
a person counts once in each site-month they were served.
"""

from __future__ import annotations

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from services.sales.domain.pricing import FAMILIES
from services.sales.models import Order, OrderLine, SiteView

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
    return {
        "people_helped": people,
        "target": target,
        "progress_percent": round(100 * people / target, 2) if target else None,
        "orders": orders,
        **totals,
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
    }


def _name_sites(session, rows) -> None:
    sites = {site.site_id: site for site in session.scalars(select(SiteView))}
    for row in rows:
        site = sites.get(row["site_id"])
        if site is not None:
            row["site_name"], row["city"] = site.name, site.city


class Impact:
    def __init__(self, session: Session) -> None:
        self.session = session

    def programme(self, target: int) -> dict:
        """Distinct people helped (deduplicated across sites) against ``target``, totals."""
        return programme_impact(self.session, target)

    def monthly(self, filters: dict) -> list[dict]:
        return monthly_impact(self.session, filters)
