"""The workshop's use cases: move one device, or many scanned ones, through the workflow.

A move locks the device row, lets the domain check the transition, stores the step's record
and a history row, bumps the version and writes the event, all in the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common import clock
from services.common.unit_of_work import UnitOfWork
from services.inventory import device_stock
from services.inventory.device_events import emit_transition
from services.inventory.domain import workflow
from services.inventory.domain.errors import IllegalTransition, WorkflowError
from services.inventory.domain.records import Record
from services.inventory.domain.workflow import State
from services.inventory.models import Device, DeviceTransition
from services.inventory.queries import identified_by
from services.inventory.workshop_records import history_of, to_row


class UnknownDevice(WorkflowError):
    def __init__(self, identifier: str) -> None:
        super().__init__(f"No device {identifier}.")


class AmbiguousIdentifier(WorkflowError):
    def __init__(self, identifier: str) -> None:
        super().__init__(f"Several devices answer to {identifier!r}; scan the asset tag.")


@dataclass(frozen=True)
class MoveDevice:
    """The command: move a device to ``target``, handing in the record of the step it ends."""

    target: State
    record: Record | None = None
    note: str | None = None
    actor: str = "unknown"


@dataclass(frozen=True)
class ScanResult:
    identifier: str
    device: Device | None = None
    error: WorkflowError | None = None


def device_for_update(session: Session, device_id: str) -> Device:
    device = session.get(Device, device_id, with_for_update=True)
    if device is None:
        raise UnknownDevice(device_id)
    return device


def scanned_device(session: Session, identifier: str) -> Device:
    """The device whose asset tag, IMEI or serial number was scanned, locked."""
    matches = session.scalars(
        select(Device).where(identified_by(identifier)).limit(2).with_for_update()
    ).all()
    if not matches:
        raise UnknownDevice(identifier)
    if len(matches) > 1:
        raise AmbiguousIdentifier(identifier)
    return matches[0]


def move(uow: UnitOfWork, device: Device, command: MoveDevice) -> None:
    session, now = uow.session, clock.now()
    current = _workflow_state(device, command.target)
    fact = workflow.transition(
        current, command.target, command.record, history_of(session, device), now
    )
    row = to_row(command.record, device, now) if command.record is not None else None
    device.state, device.state_changed_at = command.target.value, now
    device.version += 1
    session.add(_history_row(device, current, command, now))
    if row is not None:
        session.add(row)
    session.flush()
    emit_transition(uow, device, current.value, fact, row, now)
    device_stock.follow(uow, device, current, command)


def _workflow_state(device: Device, target: State) -> State:
    """Reserved, sold or travelling devices are out of the workshop's hands."""
    if device.state not in State.__members__.values():
        raise IllegalTransition(device.state, target.value, [])
    return State(device.state)


def _history_row(
    device: Device, current: State, command: MoveDevice, now: datetime
) -> DeviceTransition:
    return DeviceTransition(
        device_id=device.id,
        version=device.version,
        from_state=current.value,
        to_state=command.target.value,
        actor=command.actor,
        note=command.note,
        at=now,
    )


def move_scanned(
    new_uow: Callable[[], UnitOfWork], identifiers: Iterable[str], command: MoveDevice
) -> list[ScanResult]:
    """Each device in its own transaction: one refused item leaves the others moved."""
    return [_move_one(new_uow, identifier, command) for identifier in identifiers]


def _move_one(
    new_uow: Callable[[], UnitOfWork], identifier: str, command: MoveDevice
) -> ScanResult:
    with new_uow() as uow:
        try:
            device = scanned_device(uow.session, identifier)
            move(uow, device, command)
            uow.commit()
        except WorkflowError as error:
            return ScanResult(identifier, error=error)
        return ScanResult(identifier, device=device)
