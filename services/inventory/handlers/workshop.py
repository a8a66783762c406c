"""The workshop's use cases: move one device, or many scanned ones, through the workflow.

A move locks the device row, lets the domain check the transition, stores the step's record
and a history row, bumps the version and records the fact. A device counts in the stock
figures once it is on sale (graded, so its product is known) and leaves the available count
when scrapped from sale; workshop states before ``available`` are work in progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.common import clock
from services.inventory.domain import workflow
from services.inventory.domain.commands import MoveDevice, MoveOne, MoveScanned
from services.inventory.domain.errors import IllegalTransition, WorkflowError
from services.inventory.domain.events import DeviceMoved
from services.inventory.domain.products import device_product
from services.inventory.domain.workflow import State
from services.inventory.handlers.stock import move_stock
from services.inventory.models import Device, DeviceTransition
from services.inventory.repository import InventoryUnitOfWork
from services.inventory.repository.devices import details, to_row


@dataclass(frozen=True)
class ScanResult:
    identifier: str
    device: Device | None = None
    error: WorkflowError | None = None


def move_one(uow: InventoryUnitOfWork, command: MoveOne) -> str:
    """The view's move: the device locked, its ETag checked, moved; its id."""
    with uow:
        device = uow.devices.for_update(command.device_id)
        command.check_version(device.version)
        move(uow, device, command.move)
        uow.commit()
        return device.id


def move(uow: InventoryUnitOfWork, device: Device, command: MoveDevice) -> None:
    now = clock.now()
    current = _workflow_state(device, command.target)
    history = uow.devices.history_of(device)
    fact = workflow.transition(current, command.target, command.record, history, now)
    row = to_row(command.record, device, now) if command.record is not None else None
    device.state, device.state_changed_at = command.target.value, now
    device.version += 1
    uow.devices.add_step(_history_row(device, current, command, now), row)
    uow.record(_moved(device, current.value, fact, row, now))
    _follow_in_stock(uow, device, current, command)


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


def _moved(device: Device, previous: str, fact: str, row: object, at: datetime) -> DeviceMoved:
    """Each carries the device's provenance (partner, donation, site, category) so that
    donations can count refurbished and recycled devices per partner, and sales can build
    its catalogue."""
    provenance = {
        "asset_tag": device.asset_tag,
        "site_id": device.site_id,
        "partner_id": device.partner_id,
        "donation_id": device.donation_id,
        "category": device.category,
    }
    return DeviceMoved(
        fact,
        device.id,
        provenance,
        previous,
        device.state,
        at,
        details(row, device),
        sequence=device.version,
    )


def _follow_in_stock(
    uow: InventoryUnitOfWork, device: Device, previous: State, command: MoveDevice
) -> None:
    if command.target is State.AVAILABLE:
        product = device_product(device.category, command.record.cosmetic)
        device.product_key = product.key
        level = uow.stock.level_for_update(device.site_id, product)
        move_stock(uow, level, "made_available", 1, reference=device.id, actor=command.actor)
    elif previous is State.AVAILABLE and command.target is State.SCRAPPED:
        level = uow.stock.existing_for_update(device.site_id, device.product_key)
        move_stock(uow, level, "scrapped", 1, reference=device.id, actor=command.actor)


def move_scanned(uow: InventoryUnitOfWork, command: MoveScanned) -> list[ScanResult]:
    """Each device in its own transaction: one refused item leaves the others moved."""
    return [_move_scanned(uow, identifier, command.move) for identifier in command.identifiers]


def _move_scanned(uow: InventoryUnitOfWork, identifier: str, command: MoveDevice) -> ScanResult:
    with uow:
        try:
            device = uow.devices.scanned(identifier)
            move(uow, device, command)
            uow.commit()
        except WorkflowError as error:
            return ScanResult(identifier, error=error)
        return ScanResult(identifier, device=device)
