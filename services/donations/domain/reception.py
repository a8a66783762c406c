"""Receiving a donation: what arrived of each announced line, checked against the announcement.

Every line is given (even when nothing arrived); more than announced only when the reception
says so (``extra`` units, each identified for hardware: a reception of 60,000 on a line
announced as 1 is a typing error); an identifier said missing must be on its line, and the
identified items that arrived cannot outnumber the count.

The rules read and change the donation and its lines by attribute (``state``, ``lines``,
``received_quantity``, each identifier's ``received``, …): any object with those will do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.donations.domain.commands import ReceivedLine
from services.donations.domain.errors import (
    AlreadyReceived,
    DuplicateIdentifiers,
    ExtraUnitsUnidentified,
    IdentifiersExceedQuantity,
    ReceptionExceedsAnnouncement,
    ReceptionIncomplete,
    UnknownIdentifiers,
)
from services.donations.domain.identifiers import IMEI_CATEGORIES, duplicates


def refuse_unless_announced(donation: Any, detail: str | None = None) -> None:
    if donation.state != "announced":
        raise AlreadyReceived(detail or f"Donation {donation.id} was already received.")


def record_reception(donation: Any, received: dict[str, ReceivedLine]) -> dict[str, list]:
    """Record each line's received quantity, its declared value and the identifiers that did
    not arrive; the (scheme, value) of the extra units' identifiers, by line id."""
    refuse_unless_announced(donation)
    line_ids = {line.id for line in donation.lines}
    if set(received) != line_ids:
        raise ReceptionIncomplete(
            "Give the received quantity of every line of the donation, and only those.",
            missing=sorted(line_ids - set(received)),
            unknown=sorted(set(received) - line_ids),
        )
    for line in donation.lines:
        _record_line(line, received[line.id])
    return {line.id: extra_identifiers(received[line.id]) for line in donation.lines}


def mark_received(donation: Any, now: datetime) -> None:
    donation.state = "received"
    donation.received_at = now
    donation.version += 1


def _record_line(line: Any, reception: ReceivedLine) -> None:
    _refuse_unannounced_units(line, reception)
    missing = set(reception.missing_identifiers)
    unknown = missing - {i.value for i in line.identifiers}
    if unknown:
        raise UnknownIdentifiers(f"Not on line {line.id}.", values=sorted(unknown))
    arrived = len(line.identifiers) - len(missing)
    if arrived > reception.received_quantity:
        raise IdentifiersExceedQuantity(
            f"Line {line.id}: {arrived} identified items arrived but only "
            f"{reception.received_quantity} were counted."
        )
    line.received_quantity = reception.received_quantity
    if reception.declared_value_cents is not None:
        line.declared_value_cents = reception.declared_value_cents
    for identifier in line.identifiers:
        identifier.received = identifier.value not in missing


def _refuse_unannounced_units(line: Any, reception: ReceivedLine) -> None:
    """More than announced only when the reception says so: ``extra`` units, each
    identified for hardware."""
    extra = reception.extra
    extra_quantity = extra.quantity if extra else 0
    allowed = line.expected_quantity + extra_quantity
    if reception.received_quantity > allowed:
        raise ReceptionExceedsAnnouncement(
            f"Line {line.position} ({line.id}): {reception.received_quantity} received, "
            f"{line.expected_quantity} announced and {extra_quantity} declared extra. "
            "Declare units beyond the announcement in `extra`.",
            line_id=line.id,
        )
    units = extra.units if extra else ()
    identified = line.kind == "hardware_lot"
    if extra and (len(units) != extra.quantity if identified else units):
        wanted = f"{extra.quantity} units, each with its identifiers" if identified else "none"
        raise ExtraUnitsUnidentified(
            f"Line {line.position} ({line.id}): extra units given: {len(units)}; wanted {wanted}.",
            line_id=line.id,
        )
    if any(unit.imei for unit in units) and line.category not in IMEI_CATEGORIES:
        raise ExtraUnitsUnidentified(f"A {line.category} has no IMEI.", line_id=line.id)


def extra_identifiers(reception: ReceivedLine) -> list[tuple[str, str]]:
    """The (scheme, value) of each extra unit's identifiers: they join the line, received."""
    units = reception.extra.units if reception.extra else ()
    return [
        (scheme, value)
        for unit in units
        for scheme, value in (("imei", unit.imei), ("serial", unit.serial))
        if value
    ]


def refuse_repeated(pairs: list[tuple[str, str]]) -> None:
    """Every serial and IMEI is donated once: not twice in one donation."""
    if repeated := duplicates([value for _, value in pairs]):
        raise DuplicateIdentifiers("Given twice in this donation.", repeated)


def refuse_known(known: list[str]) -> None:
    """… nor once more after an earlier donation."""
    if known:
        raise DuplicateIdentifiers("Already donated earlier.", sorted(known))
