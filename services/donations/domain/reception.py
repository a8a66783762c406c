"""Receiving a donation: what arrived of each announced line, checked against the announcement.

Every line is given (even when nothing arrived); more than announced only when the reception
says so (``extra`` units, each identified for hardware: a reception of 60,000 on a line
announced as 1 is a typing error); an identifier said missing must be on its line, and the
identified units that arrived cannot outnumber the count.

A reception counts **units** (devices), not identifiers: a tablet known by its serial and its
IMEI is one unit (``LineIdentifier.unit``: a file's row, an extra unit, or the same place in
an announcement's ``serials`` and ``imeis``). A unit did not arrive when every identifier it
has is said missing; one of them not said missing (scanned, say) means it arrived.

The rules read and change the donation and its lines by attribute (``state``, ``lines``,
``received_quantity``, …): any object with those will do. The identifiers themselves are
never loaded here (a line may hold 100,000): the repository answers what the rules ask of
them (``NamedIdentifier``, a count of units) and applies their decision in SQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
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

Unit = tuple[tuple[str, str], ...]  # an extra unit's (scheme, value) identifiers


@dataclass(frozen=True)
class NamedIdentifier:
    """An identifier a reception says missing, as its line holds it: its unit, and how many
    identifiers that unit has."""

    value: str
    unit: int
    unit_size: int


def refuse_unless_announced(donation: Any, detail: str | None = None) -> None:
    if donation.state != "announced":
        raise AlreadyReceived(detail or f"Donation {donation.id} was already received.")


def refuse_unless_every_line(donation: Any, received: dict[str, ReceivedLine]) -> None:
    """A reception names every line of the donation (even when nothing arrived), and only
    those; once."""
    refuse_unless_announced(donation)
    line_ids = {line.id for line in donation.lines}
    if set(received) != line_ids:
        raise ReceptionIncomplete(
            "Give the received quantity of every line of the donation, and only those.",
            missing=sorted(line_ids - set(received)),
            unknown=sorted(set(received) - line_ids),
        )


def missing_units(
    line: Any, reception: ReceivedLine, named: Iterable[NamedIdentifier]
) -> frozenset[int]:
    """The units of ``line`` that did not arrive: those whose every identifier the reception
    says missing. ``named``: the identifiers said missing that the line holds; a value said
    missing that the line does not hold is refused."""
    named = list(named)
    unknown = set(reception.missing_identifiers) - {identifier.value for identifier in named}
    if unknown:
        raise UnknownIdentifiers(f"Not on line {line.id}.", values=sorted(unknown))
    said = Counter(identifier.unit for identifier in named)
    return frozenset(
        identifier.unit for identifier in named if said[identifier.unit] >= identifier.unit_size
    )


def record_line(line: Any, reception: ReceivedLine, units: int, missing: frozenset[int]) -> None:
    """Record what arrived of ``line``: ``units`` identified units it holds, ``missing`` of
    them did not arrive; the units that did and the extra ones cannot outnumber the count
    (``refuse_unannounced_units`` first)."""
    extra_units = len(reception.extra.units) if reception.extra else 0
    arrived = units - len(missing) + extra_units
    if arrived > reception.received_quantity:
        raise IdentifiersExceedQuantity(
            f"Line {line.id}: {arrived} identified units arrived but only "
            f"{reception.received_quantity} were counted (a unit with a serial and an IMEI"
            " is one)."
        )
    line.received_quantity = reception.received_quantity
    if reception.declared_value_cents is not None:
        line.declared_value_cents = reception.declared_value_cents


def mark_received(donation: Any, now: datetime) -> None:
    donation.state = "received"
    donation.received_at = now
    donation.version += 1


def refuse_unannounced_units(line: Any, reception: ReceivedLine) -> None:
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


def extra_units(reception: ReceivedLine) -> list[Unit]:
    """Each extra unit's (scheme, value) identifiers, unit by unit: they join the line as
    units of their own, received."""
    units = reception.extra.units if reception.extra else ()
    return [
        tuple(
            (scheme, value)
            for scheme, value in (("imei", unit.imei), ("serial", unit.serial))
            if value
        )
        for unit in units
    ]


def refuse_repeated(pairs: list[tuple[str, str]]) -> None:
    """Every serial and IMEI is donated once: not twice in one donation."""
    if repeated := duplicates([value for _, value in pairs]):
        raise DuplicateIdentifiers("Given twice in this donation.", repeated)


def refuse_known(known: list[str]) -> None:
    """… nor once more after an earlier donation."""
    if known:
        raise DuplicateIdentifiers("Already donated earlier.", sorted(known))
