"""A partner's workbook (.xlsx): its own donations, what became of them, per month.

Sheets: ``Synthèse`` (the figures of ``GET /partners/{id}/impact``), ``Dons`` (a row per
donation: dates, receipt, quantities announced and received, the stages of its devices) and
``Par mois`` (a row per month of reception, programme time). The cells are typed and the
text inert (``services/common/spreadsheet.py``): a partner named ``=HYPERLINK(...)`` stays
text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

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
from services.donations.domain.receipts import receipt_label, received_on
from services.donations.models import Donation, SiteCity

QUANTITIES = ("devices", "cards", "minutes", "data_mb", "funds_cents")
QUANTITY_HEADINGS = (
    "Appareils",
    "Cartes prépayées",
    "Minutes",
    "Données (Mo)",
    "Fonds (EUR)",
)
SUMMARY_COLUMNS = (Column("Indicateur", 44), Column("Valeur", 40), Column("Champ de l'API", 28))
DONATION_COLUMNS = (
    Column("Don", 38),
    Column("Attestation", 14),
    Column("Annoncé le", 12),
    Column("Reçu le", 12),
    Column("État", 11),
    Column("Ville du site", 18),
    Column("Appareils annoncés", 12, INTEGER),
    *(
        Column(f"{heading} reçus", 14, DECIMAL if name == "funds_cents" else INTEGER)
        for name, heading in zip(QUANTITIES, QUANTITY_HEADINGS, strict=True)
    ),
    Column("En atelier", 11, INTEGER),
    Column("Reconditionnés", 14, INTEGER),
    Column("Recyclés (DEEE)", 14, INTEGER),
    Column("Appareils vendus", 12, INTEGER),
    Column("CO2e évité (kg)", 14, KG),
    Column("Matériaux évités (kg)", 14, KG),
)
MONTH_COLUMNS = (
    Column("Mois", 10, MONTH),
    Column("Dons reçus", 11, INTEGER),
    *(
        Column(heading, 14, DECIMAL if name == "funds_cents" else INTEGER)
        for name, heading in zip(QUANTITIES, QUANTITY_HEADINGS, strict=True)
    ),
)


def donations_of(session: Session, partner_id: str) -> Sequence[Donation]:
    """The partner's donations with their lines, oldest first."""
    return session.scalars(
        select(Donation)
        .where(Donation.partner_id == partner_id)
        .options(selectinload(Donation.lines))
        .order_by(Donation.announced_at, Donation.id)
    ).all()


def site_cities(session: Session) -> dict[str, str]:
    return dict(session.execute(select(SiteCity.site_id, SiteCity.city)).all())


def quantities(donation: Donation, *, received: bool) -> dict[str, int]:
    """What a donation's lines hold: as received, or as announced."""
    totals = dict.fromkeys(QUANTITIES, 0)
    for line in donation.lines:
        quantity = (line.received_quantity or 0) if received else line.expected_quantity
        key = {
            "hardware_lot": "devices",
            "prepaid_cards": "cards",
            "funds": "funds_cents",
        }.get(line.kind)
        if line.kind == "allowance":
            key = line.unit if line.unit in ("minutes", "data_mb") else None
        if key is not None:
            totals[key] += quantity
    return totals


def partner_workbook(
    partner: Any,
    donations: Sequence[Donation],
    impact: dict[str, Any],
    cities: dict[str, str],
    timezone: tzinfo,
    made_on: date,
) -> bytes:
    workbook = new_workbook()
    add_table(workbook, "Synthèse", SUMMARY_COLUMNS, _summary(partner, donations, impact, made_on))
    stages = {row["donation_id"]: row for row in impact["donations"]}
    rows = [_donation_row(d, stages.get(d.id, {}), cities, timezone) for d in donations]
    add_table(workbook, "Dons", DONATION_COLUMNS, rows)
    add_table(workbook, "Par mois", MONTH_COLUMNS, _months(donations, timezone))
    return to_bytes(workbook)


def _summary(partner, donations, impact: dict, made_on: date) -> list[tuple]:
    rows = [
        ("Partenaire", partner.name, "name"),
        ("Dons annoncés", len(donations), "donations"),
        ("Dons reçus", sum(d.received_at is not None for d in donations), "donations_received"),
        ("Appareils reçus à l'atelier", impact["devices_received"], "devices_received"),
        ("Appareils en atelier", impact["devices"]["in_workshop"], "devices.in_workshop"),
        ("Appareils reconditionnés", impact["devices"]["refurbished"], "devices.refurbished"),
        ("Appareils recyclés (DEEE)", impact["devices"]["scrapped"], "devices.scrapped"),
        ("Appareils vendus", impact["devices_sold"], "devices_sold"),
        ("Cartes prépayées vendues", impact["cards_sold"], "cards_sold"),
        ("Personnes atteintes", impact["people_reached"], "people_reached"),
    ]
    rows += [
        (f"Personnes atteintes : {city}", count, "people_reached_by_city")
        for city, count in sorted(impact["people_reached_by_city"].items())
    ]
    rows += [
        ("CO2e évité (kg)", Formatted(impact["co2e_kg"], KG), "co2e_kg"),
        ("Matériaux évités (kg)", Formatted(impact["materials_kg"], KG), "materials_kg"),
        (
            "Données mobiles données (Go)",
            Formatted(impact["data_gb_donated"], KG),
            "data_gb_donated",
        ),
        ("Minutes données", impact["minutes_donated"], "minutes_donated"),
    ]
    rows.append(("Établi le", made_on, "made_on"))
    return rows


def _donation_row(donation, stages: dict, cities: dict[str, str], timezone: tzinfo) -> tuple:
    received = quantities(donation, received=True)
    received["funds_cents"] /= 100
    return (
        donation.id,
        receipt_label(donation) or "",
        _civil_date(donation.announced_at, timezone),
        received_on(donation, timezone) if donation.received_at else None,
        donation.state,
        cities.get(donation.site_id, ""),
        quantities(donation, received=False)["devices"],
        *(received[name] for name in QUANTITIES),
        stages.get("in_workshop", 0),
        stages.get("refurbished", 0),
        stages.get("scrapped", 0),
        stages.get("devices_sold", 0),
        stages.get("co2e_kg", 0.0),
        stages.get("materials_kg", 0.0),
    )


def _civil_date(moment: datetime, timezone: tzinfo) -> date:
    """The programme's civil date of ``moment`` (SQLite hands UTC back naive)."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return moment.astimezone(timezone).date()


def _months(donations: Sequence[Donation], timezone: tzinfo) -> list[tuple]:
    months: dict[date, dict[str, float]] = {}
    for donation in donations:
        if donation.received_at is None:
            continue
        month = received_on(donation, timezone).replace(day=1)
        row = months.setdefault(month, {"donations": 0, **dict.fromkeys(QUANTITIES, 0)})
        row["donations"] += 1
        for name, quantity in quantities(donation, received=True).items():
            row[name] += quantity
    return [
        (
            month,
            row["donations"],
            *(row[name] / 100 if name == "funds_cents" else row[name] for name in QUANTITIES),
        )
        for month, row in sorted(months.items())
    ]
