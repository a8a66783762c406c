"""Sale receipts: numbered per site and calendar year without gaps, downloadable as PDF.

The year, like the date printed, is the programme's civil one: a sale at 00:30 in Paris on
1 January opens the new year's numbers although it is still 31 December in UTC.

The number comes from a (site, year) counter row locked in the completion's transaction
(``repository/orders.py``): concurrent completions at one site queue on it, and a
rolled-back completion gives its number back with everything else.
"""

from __future__ import annotations

from fpdf import FPDF

from services.common.pdf import latin1
from services.sales.clock import civil
from services.sales.models import Order, SiteView

HEADINGS = ("Produit", "Qte", "Prix marche", "Prix solidaire", "Total")
PAYMENT_LABELS = {"cash": "Especes / Cash", "card": "Carte / Card", "cheque": "Cheque"}


def receipt_label(order: Order) -> str | None:
    if order.receipt_number is None:
        return None
    return f"{order.receipt_year}-{order.receipt_number:06d}"


def _euros(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d} EUR".replace(",", " ")


def receipt_pdf(order: Order, site: SiteView | None) -> bytes:
    """The person appears by pseudonymous code only: the receipt holds no personal data."""
    pdf = FPDF()
    pdf.set_title(f"Recu de vente {receipt_label(order)}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Recu de vente / Sale receipt", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for label, value in (
        ("Numero / Number", receipt_label(order)),
        ("Point d'accueil / Counter", f"{site.name}, {site.city}" if site else order.site_id),
        ("Beneficiaire / Beneficiary", order.beneficiary_code),
        ("Commande / Order", order.id),
        ("Date", civil(order.completed_at).date().isoformat()),
        ("Paiement / Payment", PAYMENT_LABELS[order.payment_method]),
    ):
        pdf.cell(0, 7, latin1(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _lines_table(pdf, order)
    return bytes(pdf.output())


def _lines_table(pdf: FPDF, order: Order) -> None:
    widths = (80, 15, 30, 30, 35)
    pdf.set_font("Helvetica", "B", 10)
    for width, title in zip(widths, HEADINGS, strict=True):
        pdf.cell(width, 7, title, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=10)
    for line in order.lines:
        cells = (
            line.product_key,
            str(line.quantity),
            _euros(line.unit_market_cents),
            _euros(line.unit_solidarity_cents),
            _euros(line.quantity * line.unit_solidarity_cents),
        )
        for width, text in zip(widths, cells, strict=True):
            pdf.cell(width, 7, latin1(text)[:45], border=1)
        pdf.ln()
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(155, 7, "Total", border=1)
    pdf.cell(35, 7, _euros(order.total_cents), border=1, new_x="LMARGIN", new_y="NEXT")
    savings = order.market_total_cents - order.total_cents
    pdf.cell(155, 7, "Economie / You saved", border=1)
    pdf.cell(35, 7, _euros(savings), border=1, new_x="LMARGIN", new_y="NEXT")
