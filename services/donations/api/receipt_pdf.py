"""A donation receipt as a PDF: its number, the partner (never a person), each line and
its value (a funds line the cents received, any other its declared value), dated in the
programme's civil time (``domain/receipts.py``); then what the partner's gifts did, as of a
printed date (counts only: no person is named)."""

from __future__ import annotations

from datetime import tzinfo

from fpdf import FPDF

from services.common.pdf import latin1
from services.donations.domain.receipts import (
    line_value_cents,
    receipt_label,
    received_on,
    total_value_cents,
)
from services.donations.models import Donation, Partner


def _euros(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d} EUR".replace(",", " ")


def _describe(line) -> str:
    parts = [line.kind.replace("_", " ")]
    parts += [
        str(value)
        for value in (line.category, line.brand, line.model, line.operator, line.product_name)
        if value
    ]
    return " - ".join(parts)


def _gifts(pdf: FPDF, gifts: dict) -> None:
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 12)
    title = f"Ce que vos dons ont permis / What your gifts did (au / as of {gifts['as_of']})"
    pdf.cell(0, 8, latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for label, value in (
        (
            f"Dons recus en {gifts['year']} / Donations received in {gifts['year']}",
            gifts["donations_this_year"],
        ),
        ("Appareils reconditionnes / Devices refurbished", gifts["devices_refurbished"]),
        ("Appareils vendus / Devices sold", gifts["devices_sold"]),
        ("Personnes aidees / People reached", gifts["people_reached"]),
        ("CO2e evite / CO2e avoided", f"{gifts['co2e_kg']:.1f} kg"),
        ("Matieres premieres evitees / Raw materials avoided", f"{gifts['materials_kg']:.1f} kg"),
    ):
        pdf.cell(0, 7, latin1(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    note = (
        "CO2e et matieres: facteurs ADEME 2022 par annee d'usage supplementaire, figes a la "
        "vente / factors per year of extra use, frozen at each sale."
    )
    pdf.multi_cell(0, 5, latin1(note), new_x="LMARGIN", new_y="NEXT")


def receipt_pdf(
    donation: Donation, partner: Partner, timezone: tzinfo, gifts: dict | None = None
) -> bytes:
    """``gifts``: the partner's figures as of a date (``Impact.receipt_figures``)."""
    pdf = FPDF()
    pdf.set_title(f"Attestation de don {receipt_label(donation)}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Attestation de don / Donation receipt", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for label, value in (
        ("Numero / Number", receipt_label(donation)),
        ("Donateur / Donor", partner.name),
        ("Don / Donation", donation.id),
        ("Recu le / Received on", received_on(donation, timezone).isoformat()),
    ):
        pdf.cell(0, 7, latin1(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(120, 7, "Ligne / Line", border=1)
    pdf.cell(25, 7, "Qte / Qty", border=1, align="R")
    pdf.cell(45, 7, "Valeur / Value", border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    for line in donation.lines:
        pdf.cell(120, 7, latin1(_describe(line))[:70], border=1)
        pdf.cell(25, 7, str(line.received_quantity), border=1, align="R")
        value = _euros(line_value_cents(line))
        pdf.cell(45, 7, value, border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(145, 8, "Total", border=1)
    total = _euros(total_value_cents(donation))
    pdf.cell(45, 8, total, border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    if gifts is not None:
        _gifts(pdf, gifts)
    return bytes(pdf.output())
