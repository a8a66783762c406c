"""Announce a donation, then record what actually arrived; only the latter emits an event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, tuple_

from services.common.problems import Problem
from services.common.unit_of_work import UnitOfWork
from services.donations.identifiers import IMEI_CATEGORIES, duplicates
from services.donations.models import Donation, DonationLine, LineIdentifier, Partner, SiteCity
from services.donations.receipts import assign_receipt_number
from services.donations.sealed_codes import forward_sealed_codes

TYPED_FIELDS = (
    "category", "brand", "model", "declared_condition", "operator", "product_name",
    "face_value_cents", "voice_minutes", "data_mb", "expiry_date", "unit", "validity_days",
    "declared_value_cents",
)  # fmt: skip


def announce(uow: UnitOfWork, partner_id: str, site_id: str, lines: list[dict]) -> Donation:
    partner = uow.session.get(Partner, partner_id)
    if partner is None or not partner.active:
        raise Problem(422, "unknown-partner", f"No active partner {partner_id}.")
    site = uow.session.get(SiteCity, site_id)  # sites known from inventory's events
    if site is None:
        raise Problem(422, "unknown-site", f"No site {site_id} was opened by inventory.")
    if site.closed_at is not None:
        raise Problem(422, "site-closed", f"Site {site_id} is closed: it takes no donations.")
    donation = Donation(partner_id=partner_id, site_id=site_id)
    for position, line in enumerate(lines, start=1):
        donation.lines.append(_new_line(position, line))
    pairs = [(i.scheme, i.value) for line in donation.lines for i in line.identifiers]
    _refuse_known_identifiers(uow.session, pairs)
    uow.session.add(donation)
    uow.session.flush()
    return donation


def _new_line(position: int, line: dict) -> DonationLine:
    identifiers = [("imei", v) for v in line.get("imeis") or []]
    identifiers += [("serial", v) for v in line.get("serials") or []]
    return DonationLine(
        position=position,
        kind=line["kind"],
        expected_quantity=line["quantity"],
        identifiers=[
            LineIdentifier(position=index, scheme=scheme, value=value)
            for index, (scheme, value) in enumerate(identifiers, start=1)
        ],
        **{name: line[name] for name in TYPED_FIELDS if line.get(name) is not None},
    )


def _refuse_known_identifiers(session, pairs: list[tuple[str, str]]) -> None:
    """Every serial and IMEI is donated once: among ``pairs`` and against all stored ones."""
    if repeated := duplicates([value for _, value in pairs]):
        raise Problem(
            409, "duplicate-identifiers", "Given twice in this donation.", values=repeated
        )
    known: list[str] = []
    for start in range(0, len(pairs), 500):
        chunk = pairs[start : start + 500]
        known += session.scalars(
            select(LineIdentifier.value).where(
                tuple_(LineIdentifier.scheme, LineIdentifier.value).in_(chunk)
            )
        ).all()
    if known:
        raise Problem(
            409, "duplicate-identifiers", "Already donated earlier.", values=sorted(known)
        )


def receive(
    uow: UnitOfWork, donation: Donation, received: dict[str, dict], now: datetime
) -> Donation:
    """Record each line's received quantity (every line, even when zero), its declared value and
    any identifier that did not arrive; number the receipt; emit the event inventory consumes."""
    if donation.state != "announced":
        raise Problem(409, "already-received", f"Donation {donation.id} was already received.")
    line_ids = {line.id for line in donation.lines}
    if set(received) != line_ids:
        raise Problem(
            422,
            "reception-incomplete",
            "Give the received quantity of every line of the donation, and only those.",
            missing=sorted(line_ids - set(received)),
            unknown=sorted(set(received) - line_ids),
        )
    for line in donation.lines:
        _record_line(line, received[line.id])
    extras = {line.id: _extra_identifiers(received[line.id]) for line in donation.lines}
    _refuse_known_identifiers(uow.session, [pair for pairs in extras.values() for pair in pairs])
    for line in donation.lines:
        line.identifiers.extend(
            LineIdentifier(position=len(line.identifiers) + n, scheme=s, value=v, received=True)
            for n, (s, v) in enumerate(extras[line.id], start=1)
        )
    donation.state = "received"
    donation.received_at = now
    donation.version += 1
    assign_receipt_number(uow.session, donation)
    uow.session.flush()
    uow.emit(
        "donations.donation.received",
        subject=donation.id,
        sequence=donation.version,
        data=received_event_data(donation),
    )
    forward_sealed_codes(uow, donation)
    return donation


def _record_line(line: DonationLine, reception: dict) -> None:
    _refuse_unannounced_units(line, reception)
    missing = set(reception.get("missing_identifiers") or [])
    unknown = missing - {i.value for i in line.identifiers}
    if unknown:
        raise Problem(422, "unknown-identifiers", f"Not on line {line.id}.", values=sorted(unknown))
    arrived = len(line.identifiers) - len(missing)
    if arrived > reception["received_quantity"]:
        raise Problem(
            422,
            "identifiers-exceed-quantity",
            f"Line {line.id}: {arrived} identified items arrived but only "
            f"{reception['received_quantity']} were counted.",
        )
    line.received_quantity = reception["received_quantity"]
    if reception.get("declared_value_cents") is not None:
        line.declared_value_cents = reception["declared_value_cents"]
    for identifier in line.identifiers:
        identifier.received = identifier.value not in missing


def _refuse_unannounced_units(line: DonationLine, reception: dict) -> None:
    """More than announced only when the request says so: ``extra`` units, each identified
    for hardware (a reception of 60,000 on a line announced as 1 is a typing error)."""
    extra = reception.get("extra") or {}
    allowed = line.expected_quantity + extra.get("quantity", 0)
    if reception["received_quantity"] > allowed:
        raise Problem(
            422,
            "reception-exceeds-announcement",
            f"Line {line.position} ({line.id}): {reception['received_quantity']} received, "
            f"{line.expected_quantity} announced and {extra.get('quantity', 0)} declared extra. "
            "Declare units beyond the announcement in `extra`.",
            line_id=line.id,
        )
    units = extra.get("units") or []
    identified = line.kind == "hardware_lot"
    if extra and (len(units) != extra["quantity"] if identified else units):
        wanted = f"{extra['quantity']} units, each with its identifiers" if identified else "none"
        raise Problem(
            422,
            "extra-units-unidentified",
            f"Line {line.position} ({line.id}): extra units given: {len(units)}; wanted {wanted}.",
            line_id=line.id,
        )
    if any(unit.get("imei") for unit in units) and line.category not in IMEI_CATEGORIES:
        raise Problem(
            422, "extra-units-unidentified", f"A {line.category} has no IMEI.", line_id=line.id
        )


def _extra_identifiers(reception: dict) -> list[tuple[str, str]]:
    """The (scheme, value) of each extra unit's identifiers: they join the line, received."""
    units = (reception.get("extra") or {}).get("units") or []
    return [
        (scheme, unit[scheme])
        for unit in units
        for scheme in ("imei", "serial")
        if unit.get(scheme)
    ]


def received_event_data(donation: Donation) -> dict:
    """The event payload: each received line with its provenance, never a card code."""
    return {
        "donation_id": donation.id,
        "partner_id": donation.partner_id,
        "site_id": donation.site_id,
        "received_at": donation.received_at.isoformat(),
        "lines": [_line_event_data(line) for line in donation.lines],
    }


def _line_event_data(line: DonationLine) -> dict:
    typed = {name: getattr(line, name) for name in TYPED_FIELDS if getattr(line, name) is not None}
    if line.expiry_date is not None:
        typed["expiry_date"] = line.expiry_date.isoformat()
    arrived = [i for i in line.identifiers if i.received]
    return {
        "line_id": line.id,
        "kind": line.kind,
        "quantity": line.received_quantity,
        **typed,
        "serials": [i.value for i in arrived if i.scheme == "serial"],
        "imeis": [i.value for i in arrived if i.scheme == "imei"],
    }
