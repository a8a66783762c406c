"""Workshop records between the domain's dataclasses and their tables."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from functools import singledispatch
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.inventory import certificates
from services.inventory.domain.errors import AmbiguousIdentifier, UnknownDevice
from services.inventory.domain.records import Diagnosis, Grade, Repair, Scrap, Wipe
from services.inventory.domain.workflow import History
from services.inventory.models import (
    Base,
    Device,
    DeviceTransition,
    DiagnosisRecord,
    GradeRecord,
    RepairRecord,
    ScrapRecord,
    WipeRecord,
)
from services.inventory.repository.queries import identified_by


def history_of(session: Session, device: Device) -> History:
    diagnosis = session.get(DiagnosisRecord, device.id)
    wiped = session.scalar(select(WipeRecord.device_id).where(WipeRecord.device_id == device.id))
    return History(
        failed_functions=tuple(as_diagnosis(diagnosis).failed()) if diagnosis else (),
        wiped=wiped is not None,
    )


def as_diagnosis(row: DiagnosisRecord) -> Diagnosis:
    return Diagnosis(dict(row.results), row.battery_health_percent, row.note)


@singledispatch
def to_row(record: object, device: Device, now: datetime) -> Base:
    raise TypeError(f"no table for {type(record).__name__}")


@to_row.register
def _(record: Diagnosis, device: Device, now: datetime) -> Base:
    return DiagnosisRecord(
        device_id=device.id,
        results=dict(record.results),
        battery_health_percent=record.battery_health_percent,
        note=record.note,
        recorded_at=now,
    )


@to_row.register
def _(record: Wipe, device: Device, now: datetime) -> Base:
    certificate = certificates.issue(device, record, now)
    sanitised, verified = record.sanitised_by, record.verified_by
    return WipeRecord(
        device_id=device.id,
        level=record.level,
        method=record.method,
        tool=record.tool,
        tool_version=record.tool_version,
        verification_method=record.verification_method,
        media_type=record.media_type,
        media_source=record.media_source,
        destination=record.destination,
        sanitised_by_person=sanitised.person,
        sanitised_by_title=sanitised.title,
        sanitised_at=sanitised.at,
        sanitised_location=sanitised.location,
        verified_by_person=verified.person,
        verified_by_title=verified.title,
        verified_at=verified.at,
        verified_location=verified.location,
        note=record.note,
        certificate_sha256=certificate.sha256,
        certificate_pdf=certificate.pdf,
        issued_at=now,
    )


@to_row.register
def _(record: Repair, device: Device, now: datetime) -> Base:
    return RepairRecord(
        device_id=device.id,
        parts=[asdict(part) for part in record.parts],
        labour_minutes=record.labour_minutes,
        cost_cents=record.cost_cents,
        note=record.note,
        recorded_at=now,
    )


@to_row.register
def _(record: Grade, device: Device, now: datetime) -> Base:
    return GradeRecord(
        device_id=device.id,
        cosmetic=record.cosmetic,
        functional=record.functional,
        label=record.label,
        buyer_note=record.buyer_note,
        recorded_at=now,
    )


@to_row.register
def _(record: Scrap, device: Device, now: datetime) -> Base:
    return ScrapRecord(
        device_id=device.id,
        reason=record.reason,
        recycler_name=record.recycler_name,
        recycler_certificate_ref=record.recycler_certificate_ref,
        note=record.note,
        recorded_at=now,
    )


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


class Devices:
    """Devices in the workshop: locked for a move, their records and history."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def for_update(self, device_id: str) -> Device:
        device = self.session.get(Device, device_id, with_for_update=True)
        if device is None:
            raise UnknownDevice(device_id)
        return device

    def scanned(self, identifier: str) -> Device:
        """The device whose asset tag, IMEI or serial number was scanned, locked."""
        matches = self.session.scalars(
            select(Device).where(identified_by(identifier)).limit(2).with_for_update()
        ).all()
        if not matches:
            raise UnknownDevice(identifier)
        if len(matches) > 1:
            raise AmbiguousIdentifier(identifier)
        return matches[0]

    def history_of(self, device: Device) -> History:
        return history_of(self.session, device)

    def add_step(self, transition: DeviceTransition, record_row: Base | None) -> None:
        """A move's history row and the record of the step it ends."""
        self.session.add(transition)
        if record_row is not None:
            self.session.add(record_row)
        self.session.flush()
