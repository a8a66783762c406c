"""Forwarding sealed card codes to inventory's custody, once the donation is received.

Codes travel in ``donations.card_codes.sealed`` events of at most ``CODES_PER_EVENT`` codes,
each carrying the batch's wrapped data key: only inventory, holding the private key, can
open them. A batch is forwarded once; ``forwarded_at`` records it. Quarantined codes (a PIN
another partner donated before, see ``card_code_files.py``) are never forwarded.
"""

from __future__ import annotations

from sqlalchemy import select

from services.common import clock
from services.common.unit_of_work import UnitOfWork
from services.donations.models import CardCode, CardCodeBatch, Donation

CODES_PER_EVENT = 1000


def forward_sealed_codes(uow: UnitOfWork, donation: Donation) -> int:
    """Emit the events of every batch of ``donation`` not yet forwarded; how many batches."""
    line_ids = [line.id for line in donation.lines if line.kind == "prepaid_cards"]
    if donation.state != "received" or not line_ids:
        return 0
    batches = uow.session.scalars(
        select(CardCodeBatch)
        .where(CardCodeBatch.line_id.in_(line_ids), CardCodeBatch.forwarded_at.is_(None))
        .order_by(CardCodeBatch.created_at)
    ).all()
    for batch in batches:
        _forward(uow, donation, batch)
        batch.forwarded_at = clock.now()
    return len(batches)


def _forward(uow: UnitOfWork, donation: Donation, batch: CardCodeBatch) -> None:
    codes = uow.session.scalars(
        select(CardCode)
        .where(CardCode.batch_id == batch.id, CardCode.quarantined.is_(False))
        .order_by(CardCode.id)
    ).all()
    parts = max(1, -(-len(codes) // CODES_PER_EVENT))
    for part in range(parts):
        chunk = codes[part * CODES_PER_EVENT : (part + 1) * CODES_PER_EVENT]
        uow.emit(
            "donations.card_codes.sealed",
            subject=batch.id,
            sequence=part + 1,
            data={
                "donation_id": donation.id,
                "partner_id": donation.partner_id,
                "site_id": donation.site_id,
                "line_id": batch.line_id,
                "batch_id": batch.id,
                "wrapped_key": batch.wrapped_key,
                "part": part + 1,
                "parts": parts,
                "codes": [_code_data(code) for code in chunk],
            },
        )


def _code_data(code: CardCode) -> dict:
    return {
        "code_id": code.id,
        "serial": code.serial,
        "expiry_date": code.expiry_date.isoformat() if code.expiry_date else None,
        "pin_hash": code.pin_hash,
        "nonce": code.nonce,
        "ciphertext": code.ciphertext,
    }
