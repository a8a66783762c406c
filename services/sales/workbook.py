"""The funder workbook (.xlsx) of a period, from ``repository/reports.py``'s figures.

Sheets: ``Synthèse`` (the period's figures against the target), one sheet per month named
``YYYY-MM`` with a row per counter site (a sheet per month × site would make hundreds of
sheets over three years), and ``Partenaires`` (what each partner's gifts became). Amounts
are in euros, masses in kg, months and dates are date cells; see the README.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from services.common.spreadsheet import (
    DECIMAL,
    INTEGER,
    KG,
    MONTH,
    Column,
    Formatted,
    add_table,
    new_workbook,
    to_bytes,
)
from services.sales.domain.reporting import month_start, months_between

FAMILY_HEADINGS = {
    "device": "Appareils",
    "prepaid_card": "Cartes prépayées",
    "allowance": "Forfaits (data, minutes)",
}
ITEM_TYPES = ("device", "prepaid_card", "allowance")
SUMMARY_COLUMNS = (
    Column("Indicateur", 44),
    Column("Valeur", 16),
    Column("Unité", 12),
    Column("Champ de l'API", 24),
)
MONTH_COLUMNS = (
    Column("Mois", 10, MONTH),
    Column("Point d'accueil", 32),
    Column("Ville", 18),
    Column("Identifiant du site", 38),
    Column("Personnes", 11, INTEGER),
    Column("Commandes", 11, INTEGER),
    *(Column(heading, 14, INTEGER) for heading in FAMILY_HEADINGS.values()),
    Column("Chiffre d'affaires (EUR)", 16, DECIMAL),
    Column("Économies des bénéficiaires (EUR)", 18, DECIMAL),
    Column("CO2e évité (kg)", 14, KG),
    Column("Matériaux évités (kg)", 14, KG),
    Column("Appareils recyclés", 12, INTEGER),
    Column("Masse recyclée (kg)", 14, KG),
    Column("Données vendues (Go)", 14, KG),
    Column("Minutes vendues", 12, INTEGER),
)
PARTNER_COLUMNS = (
    Column("Partenaire", 38),
    *(Column(f"{heading} vendus", 16, INTEGER) for heading in FAMILY_HEADINGS.values()),
    Column("Commandes", 11, INTEGER),
    Column("Personnes atteintes", 14, INTEGER),
)
NO_PARTNER = "(provenance inconnue)"
ENVIRONMENT_COLUMNS = (
    "co2e_kg",
    "materials_kg",
    "devices_recycled",
    "recycled_kg",
    "data_gb_sold",
    "minutes_sold",
)


def euros(cents: int) -> float:
    return cents / 100


def last_day(month: str) -> date:
    start = month_start(month)
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def programme_workbook(figures: dict[str, Any], made_on: date) -> bytes:
    workbook = new_workbook()
    add_table(workbook, "Synthèse", SUMMARY_COLUMNS, summary_rows(figures, made_on))
    rows_by_month: dict[str, list[dict]] = {}
    for row in figures["monthly"]:
        rows_by_month.setdefault(row["month"], []).append(row)
    for month in months_between(figures["first"], figures["last"]):
        add_table(workbook, month, MONTH_COLUMNS, map(_month_row, rows_by_month.get(month, ())))
    add_table(workbook, "Partenaires", PARTNER_COLUMNS, map(_partner_row, figures["partners"]))
    return to_bytes(workbook)


def summary_rows(figures: dict[str, Any], made_on: date) -> list[tuple]:
    summary = figures["summary"]
    rows = [
        ("Période du", month_start(figures["first"]), "date", "from"),
        ("Période au", last_day(figures["last"]), "date", "to"),
        ("Personnes aidées sur la période", summary["people_helped"], "personnes", "people"),
        (
            "Personnes aidées depuis le début",
            summary["people_helped_to_date"],
            "personnes",
            "people_helped",
        ),
        ("Objectif du programme", summary["target"], "personnes", "target"),
        ("Progression vers l'objectif", _percent(summary), "%", "progress_percent"),
        ("Commandes", summary["orders"], "commandes", "orders"),
    ]
    rows += [
        (f"Articles : {heading}", summary["items_by_family"][family], "articles", family)
        for family, heading in FAMILY_HEADINGS.items()
    ]
    rows += [
        ("Chiffre d'affaires", _money(summary["revenue_cents"]), "EUR", "revenue_cents"),
        (
            "Économies des bénéficiaires (prix marché − prix solidaire)",
            _money(summary["savings_cents"]),
            "EUR",
            "savings_cents",
        ),
        ("Appareils vendus", summary.get("devices_sold"), "appareils", "devices_sold"),
        ("CO2e évité", _kg(summary.get("co2e_kg")), "kg", "co2e_kg"),
        ("Matériaux évités", _kg(summary.get("materials_kg")), "kg", "materials_kg"),
        (
            "Appareils recyclés (DEEE)",
            summary.get("devices_recycled"),
            "appareils",
            "devices_recycled",
        ),
        ("Masse recyclée", _kg(summary.get("recycled_kg")), "kg", "recycled_kg"),
        ("Données vendues", _kg(summary.get("data_gb_sold")), "Go", "data_gb_sold"),
        ("Minutes vendues", summary.get("minutes_sold"), "minutes", "minutes_sold"),
        ("Points d'accueil actifs", summary["sites"], "sites", "sites"),
        ("Établi le", made_on, "date", "made_on"),
    ]
    return rows


def _percent(summary: dict) -> Formatted | None:
    percent = summary["progress_percent"]
    return None if percent is None else Formatted(percent, "0.00")


def _money(cents: int) -> Formatted:
    return Formatted(euros(cents), DECIMAL)


def _kg(value: float | None) -> Formatted | None:
    return None if value is None else Formatted(value, KG)


def _month_row(row: dict) -> tuple:
    return (
        month_start(row["month"]),
        row["site_name"] or "",
        row["city"] or "",
        row["site_id"],
        row["people"],
        row["orders"],
        *(row["items_by_family"][family] for family in FAMILY_HEADINGS),
        euros(row["revenue_cents"]),
        euros(row["savings_cents"]),
        *(row.get(name) for name in ENVIRONMENT_COLUMNS),
    )


def _partner_row(row: dict) -> tuple:
    return (
        row["partner_id"] or NO_PARTNER,
        *(row["items_by_type"].get(item_type, 0) for item_type in ITEM_TYPES),
        row["orders"],
        row["people"],
    )
