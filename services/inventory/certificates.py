"""Data sanitisation certificates (NIST SP 800-88 rev. 1, appendix G) as PDF.

The PDF is rendered once, when the wipe is recorded, and stored with its SHA-256: the bytes
a client downloads are the bytes that were hashed, so a copy kept anywhere can be checked
against the stored hash later, whatever version of the PDF library renders new ones.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF

from services.inventory.domain.records import Operator, Wipe
from services.inventory.models import Device

_ENCODING = "windows-1252"  # the core PDF fonts' character set


@dataclass(frozen=True)
class Certificate:
    pdf: bytes
    sha256: str


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def issue(device: Device, wipe: Wipe, issued_at: datetime) -> Certificate:
    pdf = _document(issued_at)
    _heading(pdf, device.asset_tag)
    _section(pdf, "Media", _media_rows(device, wipe))
    _section(pdf, "Sanitisation", _sanitisation_rows(wipe))
    _section(pdf, "Sanitised by", _operator_rows(wipe.sanitised_by))
    _section(pdf, "Verified by", _operator_rows(wipe.verified_by))
    _footer(pdf, device.id, issued_at)
    data = bytes(pdf.output())
    return Certificate(pdf=data, sha256=sha256_of(data))


def _document(issued_at: datetime) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_creation_date(issued_at)
    pdf.set_title("Data sanitisation certificate")
    pdf.set_creator("Connexions solidaires - inventory")
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, asset_tag: str) -> None:
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Data sanitisation certificate", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 7, _text(f"Certificat d'effacement des données - {asset_tag}"))
    pdf.ln(12)


def _section(pdf: FPDF, title: str, rows: list[tuple[str, str | None]]) -> None:
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for label, value in rows:
        pdf.cell(55, 6, label)
        pdf.multi_cell(0, 6, _text(value or "-"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _media_rows(device: Device, wipe: Wipe) -> list[tuple[str, str | None]]:
    return [
        ("Asset tag", device.asset_tag),
        ("Category", device.category),
        ("Manufacturer", device.brand),
        ("Model", device.model),
        ("Serial number", device.serial),
        ("IMEI", device.imei),
        ("Media type", wipe.media_type),
        ("Media source", wipe.media_source),
    ]


def _sanitisation_rows(wipe: Wipe) -> list[tuple[str, str | None]]:
    return [
        ("Level (NIST SP 800-88)", wipe.level.capitalize()),
        ("Method", wipe.method.replace("_", " ")),
        ("Tool and version", f"{wipe.tool} {wipe.tool_version}"),
        ("Verification method", wipe.verification_method),
        ("Post-sanitisation destination", wipe.destination),
        ("Note", wipe.note),
    ]


def _operator_rows(operator: Operator) -> list[tuple[str, str | None]]:
    return [
        ("Name", operator.person),
        ("Title", operator.title),
        ("Date (UTC)", operator.at.strftime("%Y-%m-%d %H:%M")),
        ("Location", operator.location),
    ]


def _footer(pdf: FPDF, device_id: str, issued_at: datetime) -> None:
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(
        0,
        5,
        f"Issued {issued_at:%Y-%m-%d %H:%M} UTC for device {device_id}. The SHA-256 of this "
        "file is kept by the inventory service: any copy can be verified against it.",
    )


def _text(value: str) -> str:
    """What the core fonts can draw: accents kept, other characters reduced or replaced."""
    return "".join(_drawable(char) for char in value)


def _drawable(char: str) -> str:
    try:
        char.encode(_ENCODING)
    except UnicodeEncodeError:
        base = unicodedata.normalize("NFKD", char)[:1]
        return base if base.isascii() and base.isprintable() else "?"
    return char
