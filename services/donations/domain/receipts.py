"""Donation receipts: numbered per calendar year without gaps (the repository's counter).

The year, like the date printed, is the programme's civil one (``PROGRAMME_TIMEZONE``): a
donation received at 00:30 in Paris on 1 January is numbered in the new year.
``received_at`` itself stays UTC.
"""

from __future__ import annotations

from datetime import UTC, date, tzinfo
from typing import Any

from services.donations.domain.errors import NotReceived


def received_on(donation: Any, timezone: tzinfo) -> date:
    """The programme's civil date of the reception (SQLite hands UTC back naive)."""
    moment = donation.received_at
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return moment.astimezone(timezone).date()


def receipt_label(donation: Any) -> str | None:
    if donation.receipt_number is None:
        return None
    return f"{donation.receipt_year}-{donation.receipt_number:06d}"


def require_receipt(donation: Any) -> str:
    """The receipt's label; refused before the donation is received."""
    if (label := receipt_label(donation)) is None:
        raise NotReceived("A receipt exists once the donation is received.")
    return label


def line_value_cents(line: Any) -> int:
    """What a line is worth on the receipt once received: a ``funds`` line the cents that
    arrived (its quantity counts cents), any other line its declared value; nothing before
    the reception, nor for a line of which nothing arrived."""
    if not line.received_quantity:
        return 0
    if line.kind == "funds":
        return line.received_quantity
    return line.declared_value_cents or 0


def total_value_cents(donation: Any) -> int:
    """The receipt's total (``total_declared_value_cents``): the received lines' values."""
    return sum(line_value_cents(line) for line in donation.lines)
