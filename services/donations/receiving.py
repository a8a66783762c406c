"""Announce a donation, then record what actually arrived; only the latter emits an event."""

from __future__ import annotations

from datetime import UTC, datetime

from services.common.problems import Problem
from services.common.unit_of_work import UnitOfWork
from services.donations.models import Donation, DonationLine, Partner


def announce(uow: UnitOfWork, partner_id: str, site_id: str, lines: list[dict]) -> Donation:
    partner = uow.session.get(Partner, partner_id)
    if partner is None or not partner.active:
        raise Problem(422, "unknown-partner", f"No active partner {partner_id}.")
    donation = Donation(partner_id=partner_id, site_id=site_id)
    for position, line in enumerate(lines, start=1):
        if line["kind"] == "hardware_lot" and not line.get("category"):
            raise Problem(
                422, "category-required", f"Line {position}: a hardware lot needs a category."
            )
        if len(line.get("serials", [])) > line["quantity"]:
            raise Problem(422, "too-many-serials", f"Line {position}: more serials than items.")
        donation.lines.append(
            DonationLine(
                position=position,
                kind=line["kind"],
                category=line.get("category"),
                brand=line.get("brand"),
                model=line.get("model"),
                declared_condition=line.get("declared_condition"),
                expected_quantity=line["quantity"],
                serials=line.get("serials", []),
            )
        )
    uow.session.add(donation)
    uow.session.flush()
    return donation


def receive(uow: UnitOfWork, donation: Donation, received: dict[str, int]) -> Donation:
    """Record the quantity received per line (every line, even when zero) and emit the event."""
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
        line.received_quantity = received[line.id]
        line.serials = line.serials[: line.received_quantity]
    donation.state = "received"
    donation.received_at = datetime.now(UTC)
    donation.version += 1
    uow.session.flush()
    uow.emit(
        "donations.donation.received",
        subject=donation.id,
        sequence=donation.version,
        data={
            "donation_id": donation.id,
            "partner_id": donation.partner_id,
            "site_id": donation.site_id,
            "received_at": donation.received_at.isoformat(),
            "lines": [
                {
                    "line_id": line.id,
                    "kind": line.kind,
                    "quantity": line.received_quantity,
                    **{
                        key: getattr(line, key)
                        for key in ("category", "brand", "model", "declared_condition")
                        if getattr(line, key) is not None
                    },
                    "serials": line.serials,
                }
                for line in donation.lines
            ],
        },
    )
    return donation
