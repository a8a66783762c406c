"""The events of the refurbishment workflow: one per transition, ``sequence`` = version.

Each carries the device's provenance (partner, donation, site, category) so that donations
can count refurbished and recycled devices per partner, and sales can build its catalogue.
"""

from __future__ import annotations

from datetime import datetime
from functools import singledispatch
from typing import Any

from services.common.unit_of_work import UnitOfWork
from services.inventory.models import (
    Device,
    DiagnosisRecord,
    GradeRecord,
    RepairRecord,
    ScrapRecord,
    WipeRecord,
)
from services.inventory.workshop_records import as_diagnosis


def emit_transition(
    uow: UnitOfWork, device: Device, previous: str, fact: str, row: object, at: datetime
) -> None:
    data = {
        "device_id": device.id,
        "asset_tag": device.asset_tag,
        "site_id": device.site_id,
        "partner_id": device.partner_id,
        "donation_id": device.donation_id,
        "category": device.category,
        "from_state": previous,
        "to_state": device.state,
        "occurred_at": at.isoformat(),
        **details(row, device),
    }
    uow.emit(f"inventory.device.{fact}", subject=device.id, sequence=device.version, data=data)


@singledispatch
def details(row: object, device: Device) -> dict[str, Any]:
    """What the record adds to the event (nothing for a transition without a record)."""
    return {}


@details.register
def _(row: DiagnosisRecord, device: Device) -> dict[str, Any]:
    return {
        "failed_functions": as_diagnosis(row).failed(),
        "battery_health_percent": row.battery_health_percent,
    }


@details.register
def _(row: WipeRecord, device: Device) -> dict[str, Any]:
    return {
        "level": row.level,
        "method": row.method,
        "verification_method": row.verification_method,
        "certificate_sha256": row.certificate_sha256,
    }


@details.register
def _(row: RepairRecord, device: Device) -> dict[str, Any]:
    return {
        "parts_count": sum(part["quantity"] for part in row.parts),
        "labour_minutes": row.labour_minutes,
        "cost_cents": row.cost_cents,
    }


@details.register
def _(row: GradeRecord, device: Device) -> dict[str, Any]:
    return {
        "brand": device.brand,
        "model": device.model,
        "cosmetic_grade": row.cosmetic,
        "functional_grade": row.functional,
        "label": row.label,
        "buyer_note": row.buyer_note,
    }


@details.register
def _(row: ScrapRecord, device: Device) -> dict[str, Any]:
    return {
        "reason": row.reason,
        "recycler_name": row.recycler_name,
        "recycler_certificate_ref": row.recycler_certificate_ref,
    }
