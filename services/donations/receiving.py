"""Announce a donation, then record what actually arrived; only the latter emits an event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, tuple_

from services.common.problems import Problem
from services.common.unit_of_work import UnitOfWork
from services.donations.identifiers import duplicates
from services.donations.models import Donation, DonationLine, LineIdentifier, Partner
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
    donation = Donation(partner_id=partner_id, site_id=site_id)
    for position, line in enumerate(lines, start=1):
        donation.lines.append(_new_line(position, line))
    _refuse_known_identifiers(uow.session, donation)
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


def _refuse_known_identifiers(session, donation: Donation) -> None:
    """Every serial and IMEI is donated once: within this donation and against all earlier ones."""
    pairs = [(i.scheme, i.value) for line in donation.lines for i in line.identifiers]
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
