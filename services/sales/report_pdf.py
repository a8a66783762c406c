"""The monthly report as a PDF (fpdf2's core fonts): the month's figures against the target,
then a line per counter site; the same figures as the month's workbook."""

from __future__ import annotations

from datetime import date
from typing import Any

from fpdf import FPDF

from services.common.pdf import latin1
from services.sales.workbook import FAMILY_HEADINGS, summary_rows

SITE_HEADINGS = ("Point d'accueil", "Ville", "Pers.", "Cmd.", "Articles", "CA (EUR)", "Eco. (EUR)")
SITE_WIDTHS = (52, 30, 16, 16, 20, 28, 28)


def _text(value: Any) -> str:
    value = getattr(value, "value", value)  # a Formatted figure
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", " ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def report_pdf(figures: dict[str, Any], made_on: date) -> bytes:
    pdf = FPDF()
    pdf.set_title(f"Rapport mensuel {figures['first']}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, latin1(f"Rapport mensuel / Monthly report {figures['first']}"))
    pdf.ln(12)
    pdf.set_font("Helvetica", size=10)
    for label, value, unit, _field in summary_rows(figures, made_on):
        unit = "" if unit == "date" else f" {unit}"
        pdf.cell(110, 6, latin1(label))
        pdf.cell(0, 6, latin1(f"{_text(value)}{unit}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _sites_table(pdf, figures["monthly"])
    return bytes(pdf.output())


def _sites_table(pdf: FPDF, rows: list[dict]) -> None:
    pdf.set_font("Helvetica", "B", 9)
    for width, title in zip(SITE_WIDTHS, SITE_HEADINGS, strict=True):
        pdf.cell(width, 7, latin1(title), border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=9)
    for row in rows:
        cells = (
            (row["site_name"] or row["site_id"])[:28],
            (row["city"] or "")[:16],
            str(row["people"]),
            str(row["orders"]),
            str(sum(row["items_by_family"][family] for family in FAMILY_HEADINGS)),
            _text(row["revenue_cents"] / 100),
            _text(row["savings_cents"] / 100),
        )
        for width, text in zip(SITE_WIDTHS, cells, strict=True):
            pdf.cell(width, 7, latin1(text), border=1)
        pdf.ln()
