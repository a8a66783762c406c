"""Donation receipts: numbered per calendar year without gaps, downloadable as PDF.

The number is taken from a per-year counter row locked in the transaction that records the
reception: concurrent receptions queue on that row, and a rolled-back reception gives its
number back with everything else, so the sequence never has a hole. The year, like the date
printed, is the programme's civil one (``PROGRAMME_TIMEZONE``): a donation received at 00:30
in Paris on 1 January is numbered in the new year. ``received_at`` itself stays UTC.
"""

from __future__ import annotations

from datetime import UTC, date

from fpdf import FPDF

from services.common.config import programme_timezone
from services.common.counters import next_number
from services.common.pdf import latin1
from services.donations.models import Donation, Partner, ReceiptCounter


def received_on(donation: Donation) -> date:
    """The programme's civil date of the reception (SQLite hands UTC back naive)."""
    moment = donation.received_at
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return moment.astimezone(programme_timezone()).date()


def assign_receipt_number(session, donation: Donation) -> None:
    year = received_on(donation).year
    number = next_number(session, ReceiptCounter, year=year)
    donation.receipt_year, donation.receipt_number = year, number


def receipt_label(donation: Donation) -> str | None:
    if donation.receipt_number is None:
        return None
    return f"{donation.receipt_year}-{donation.receipt_number:06d}"


def total_value_cents(donation: Donation) -> int:
    return sum(line.declared_value_cents or 0 for line in donation.lines if line.received_quantity)


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


def receipt_pdf(donation: Donation, partner: Partner) -> bytes:
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
        ("Recu le / Received on", received_on(donation).isoformat()),
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
        value = _euros(line.declared_value_cents or 0)
        pdf.cell(45, 7, value, border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(145, 8, "Total", border=1)
    total = _euros(total_value_cents(donation))
    pdf.cell(45, 8, total, border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
