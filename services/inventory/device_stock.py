"""Devices in the stock figures: a device counts once it is on sale (graded, so its product
is known) and leaves the available count when scrapped from sale. Workshop states before
``available`` are work in progress, not stock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.common.unit_of_work import UnitOfWork
from services.inventory import stock
from services.inventory.domain.products import device_product
from services.inventory.domain.workflow import State
from services.inventory.models import Device

if TYPE_CHECKING:
    from services.inventory.refurbishment import MoveDevice


def follow(uow: UnitOfWork, device: Device, previous: State, command: MoveDevice) -> None:
    if command.target is State.AVAILABLE:
        product = device_product(device.category, command.record.cosmetic)
        device.product_key = product.key
        level = stock.level_for_update(uow.session, device.site_id, product)
        stock.move(uow, level, "made_available", 1, reference=device.id, actor=command.actor)
    elif previous is State.AVAILABLE and command.target is State.SCRAPPED:
        level = stock.existing_for_update(uow.session, device.site_id, device.product_key)
        stock.move(uow, level, "scrapped", 1, reference=device.id, actor=command.actor)
