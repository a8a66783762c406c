"""What a funder workbook and a monthly report hold, and the reports the worker keeps.

The figures are those of ``/impact`` and ``/impact/monthly`` restricted to whole months
(``Order.sale_month``, the programme's civil month): people by pseudonymous code, orders,
items by family, revenue and savings; plus, per partner, what its gifts became (from the
provenance inventory gave each sold item, ``Order.reserved_items``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from services.common.upserts import dialect_insert
from services.sales.domain.reporting import month_start
from services.sales.models import MonthlyReport, Order, SiteView
from services.sales.repository.impact import (
    COMPLETED,
    FAMILY_NAMES,
    environmental_by_month_and_site,
    environmental_totals,
    monthly_impact,
    programme_impact,
)

NO_PARTNER = None  # items inventory gave no provenance for (e.g. bought stock)
ENVIRONMENT = (
    "devices_sold",
    "co2e_kg",
    "materials_kg",
    "devices_recycled",
    "recycled_kg",
    "data_gb_sold",
    "minutes_sold",
)


def _in_period(first: str, last: str) -> tuple:
    return COMPLETED, Order.sale_month >= first, Order.sale_month <= last


def environment(session: Session, first: str, last: str) -> tuple[dict, dict]:
    """The environmental figures (``repository/impact.py``: CO2e and materials avoided, mass
    recycled, data and minutes sold) by (month, site_id), and in total."""
    start, end = month_start(first), month_start(last)
    by_month_site = {
        (row["month"], row["site_id"]): {name: row[name] for name in ENVIRONMENT}
        for row in environmental_by_month_and_site(session, start, end)
    }
    totals = environmental_totals(session, start, end)
    return by_month_site, {name: totals[name] for name in ENVIRONMENT}


def workbook_figures(session: Session, first: str, last: str, target: int) -> dict[str, Any]:
    """Everything a workbook of ``first``..``last`` (``YYYY-MM``, inclusive) shows."""
    monthly = monthly_impact(session, {"from_month": first, "to_month": last})
    by_month_site, environment_totals = environment(session, first, last)
    rows = {(row["month"], row["site_id"]): row for row in monthly}
    for key, figures in by_month_site.items():
        if key not in rows:  # a site-month with devices scrapped and nothing sold
            rows[key] = _empty_row(*key)
        rows[key].update(figures)
    _name_sites(session, rows.values())
    monthly = sorted(
        rows.values(), key=lambda row: (row["month"], row["city"] or "", row["site_id"])
    )
    return {
        "first": first,
        "last": last,
        "summary": _summary(session, first, last, monthly, target) | environment_totals,
        "monthly": monthly,
        "partners": _partners(session, first, last),
    }


def _empty_row(month: str, site_id: str) -> dict:
    return {
        "site_id": site_id,
        "site_name": None,
        "city": None,
        "month": month,
        "people": 0,
        "orders": 0,
        "items_by_family": dict.fromkeys(FAMILY_NAMES, 0),
        "revenue_cents": 0,
        "savings_cents": 0,
    }


def _name_sites(session: Session, rows) -> None:
    sites = {site.site_id: site for site in session.scalars(select(SiteView))}
    for row in rows:
        if (site := sites.get(row["site_id"])) is not None:
            row["site_name"], row["city"] = site.name, site.city


def _summary(session: Session, first: str, last: str, monthly: list[dict], target: int) -> dict:
    programme = programme_impact(session, target)
    items = dict.fromkeys(FAMILY_NAMES, 0)
    for row in monthly:
        for family, count in row["items_by_family"].items():
            items[family] += count
    return {
        "people_helped": session.scalar(
            select(func.count(distinct(Order.beneficiary_code))).where(*_in_period(first, last))
        ),
        "people_helped_to_date": programme["people_helped"],
        "target": target,
        "progress_percent": programme["progress_percent"],
        "orders": sum(row["orders"] for row in monthly),
        "items_by_family": items,
        "revenue_cents": sum(row["revenue_cents"] for row in monthly),
        "savings_cents": sum(row["savings_cents"] for row in monthly),
        "sites": len({row["site_id"] for row in monthly if row["orders"]}),
    }


def _partners(session: Session, first: str, last: str) -> list[dict]:
    """Per partner: items sold from its gifts by family, orders and distinct people."""
    partners: dict[str | None, dict] = {}
    people: dict[str | None, set[str]] = {}
    rows = session.execute(
        select(Order.id, Order.beneficiary_code, Order.reserved_items).where(
            *_in_period(first, last)
        )
    )
    for order_id, code, items in rows:
        for item in items or ():
            partner_id = item.get("partner_id") or NO_PARTNER
            row = partners.setdefault(partner_id, _partner_row(partner_id))
            row["items_by_type"][item["item_type"]] = (
                row["items_by_type"].get(item["item_type"], 0) + item["quantity"]
            )
            row["_orders"].add(order_id)
            people.setdefault(partner_id, set()).add(code)
    for partner_id, row in partners.items():
        row["orders"] = len(row.pop("_orders"))
        row["people"] = len(people[partner_id])
    return sorted(partners.values(), key=lambda row: (row["partner_id"] is None, row["partner_id"]))


def _partner_row(partner_id: str | None) -> dict:
    return {"partner_id": partner_id, "items_by_type": {}, "_orders": set()}


class Reports:
    """The monthly reports: made once per month, listed without their files."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def figures(self, first: str, last: str, target: int) -> dict[str, Any]:
        """What a workbook or a report of ``first``..``last`` shows (``workbook_figures``)."""
        return workbook_figures(self.session, first, last, target)

    def latest_month(self) -> str | None:
        return self.session.scalar(select(func.max(MonthlyReport.month)))

    def add_once(self, month: str, made_at: datetime, pdf: bytes, workbook: bytes) -> bool:
        """Keep ``month``'s report unless one is kept already (another worker was first):
        insert-or-ignore on the unique month. True when this one was kept."""
        statement = (
            dialect_insert(self.session, MonthlyReport.__table__)
            .values(
                id=str(uuid.uuid4()),
                month=month,
                made_at=made_at,
                pdf=pdf,
                pdf_bytes=len(pdf),
                workbook=workbook,
                workbook_bytes=len(workbook),
            )
            .on_conflict_do_nothing(index_elements=["month"])
            .returning(MonthlyReport.id)
        )
        return self.session.execute(statement).scalar() is not None

    def listed(self) -> list[dict]:
        """Newest month first, without the files."""
        columns = (
            MonthlyReport.id,
            MonthlyReport.month,
            MonthlyReport.made_at,
            MonthlyReport.pdf_bytes,
            MonthlyReport.workbook_bytes,
        )
        rows = self.session.execute(select(*columns).order_by(MonthlyReport.month.desc()))
        return [row._asdict() for row in rows]

    def file(self, report_id: str, kind: str) -> tuple[str, bytes] | None:
        """(month, content) of a kept report's ``pdf`` or ``workbook``; None if unknown."""
        column = MonthlyReport.pdf if kind == "pdf" else MonthlyReport.workbook
        row = self.session.execute(
            select(MonthlyReport.month, column).where(MonthlyReport.id == report_id)
        ).first()
        return None if row is None else (row[0], row[1])
