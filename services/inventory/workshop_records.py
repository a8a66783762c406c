"""Workshop records between the domain's dataclasses and their tables."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from functools import singledispatch

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.inventory import certificates
from services.inventory.domain.records import Diagnosis, Grade, Repair, Scrap, Wipe
from services.inventory.domain.workflow import History
from services.inventory.models import (
    Base,
    Device,
    DiagnosisRecord,
    GradeRecord,
    RepairRecord,
    ScrapRecord,
    WipeRecord,
)


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
