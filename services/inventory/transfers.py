"""Transfers between sites: items leave the source's available stock at dispatch, travel
``in_transit`` (counted at the source) and join the destination's stock when it receives them.

Devices are sent by id or as N units of a product, cards as N units (earliest expiry first),
allowances as an amount — the same allocation rule as a reservation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from services.common import clock
from services.common.unit_of_work import UnitOfWork
from services.inventory import custody, stock
from services.inventory.allocation import Allocator, Pick
from services.inventory.domain.errors import InventoryError
from services.inventory.domain.reservations import Request, Shortfall, shortfall
from services.inventory.models import Site, Transfer, TransferItem


class TransferRefused(InventoryError):
    def __init__(self, shortfalls: list[Shortfall]) -> None:
        super().__init__("Some lines cannot be sent: nothing was sent.")
        self.shortfalls = shortfalls

    def details(self) -> dict:
        return {"lines": [short.as_contract() for short in self.shortfalls]}


class InvalidTransfer(InventoryError):
    pass


class UnknownTransfer(InventoryError):
    def __init__(self, transfer_id: str) -> None:
        super().__init__(f"No transfer {transfer_id}.")


class NotTheDestination(InventoryError):
    def __init__(self, transfer_id: str) -> None:
        super().__init__(f"Only the destination site receives transfer {transfer_id}.")


class TransferAlreadyReceived(InventoryError):
    def __init__(self, transfer_id: str) -> None:
        super().__init__(f"Transfer {transfer_id} was already received.")


@dataclass(frozen=True)
class Dispatch:
    from_site_id: str
    to_site_id: str
    requests: list[Request]
    actor: str
    note: str | None = None


def dispatch(uow: UnitOfWork, command: Dispatch) -> Transfer:
    session = uow.session
    _check_sites(session, command)
    keys = [request.product_key for request in command.requests]
    levels = stock.lock_levels(session, command.from_site_id, keys)
    allocator = Allocator(session, command.from_site_id, levels, clock.today())
    picks, shortfalls = [], []
    for request in command.requests:
        served = allocator.serve(request)
        picks += served.picks
        if (short := shortfall(request, served.found)) is not None:
            shortfalls.append(short)
    if shortfalls:
        raise TransferRefused(shortfalls)
    return _send(uow, command, picks)


def _check_sites(session, command: Dispatch) -> None:
    if command.from_site_id == command.to_site_id:
        raise InvalidTransfer("A transfer goes from one site to another.")
    for site_id in (command.from_site_id, command.to_site_id):
        if session.get(Site, site_id) is None:
            raise InvalidTransfer(f"No site {site_id}.")


def _send(uow: UnitOfWork, command: Dispatch, picks: list[Pick]) -> Transfer:
    transfer = Transfer(
        from_site_id=command.from_site_id,
        to_site_id=command.to_site_id,
        note=command.note,
        dispatched_by=command.actor,
        state="in_transit",
    )
    uow.session.add(transfer)
    uow.session.flush()
    items = [_item(transfer.id, pick) for pick in picks]
    uow.session.add_all(items)
    note = f"sent by transfer {transfer.id}"
    custody.move_items(uow.session, _pairs(items), "dispatch", actor=command.actor, note=note)
    _move(uow, transfer, items, command.from_site_id, "dispatched", command.actor)
    return transfer


def receive(uow: UnitOfWork, transfer_id: str, actor: str, at_site: str | None = None) -> Transfer:
    """``at_site``: the receiving counter's site; such a caller sees only the transfers from or
    to its site (another is unknown to it) and receives only those sent to it."""
    session = uow.session
    transfer = session.scalar(
        select(Transfer)
        .where(Transfer.id == transfer_id)
        .with_for_update()
        .options(selectinload(Transfer.items))
    )
    if transfer is None or at_site not in (None, transfer.from_site_id, transfer.to_site_id):
        raise UnknownTransfer(transfer_id)
    if at_site not in (None, transfer.to_site_id):
        raise NotTheDestination(transfer_id)
    if transfer.state != "in_transit":
        raise TransferAlreadyReceived(transfer_id)
    note = f"received from transfer {transfer.id}"
    custody.move_items(
        session,
        _pairs(transfer.items),
        "arrive",
        actor=actor,
        note=note,
        site_id=transfer.to_site_id,
    )
    products = _move(uow, transfer, transfer.items, transfer.from_site_id, "delivered", actor)
    for key, quantity in sorted(_quantities(transfer.items).items()):
        level = stock.level_for_update(session, transfer.to_site_id, products[key])
        stock.move(uow, level, "arrived", quantity, reference=transfer.id, actor=actor)
    transfer.state, transfer.received_by = "received", actor
    transfer.received_at = clock.now()
    return transfer


def _move(uow, transfer, items, site_id, kind, actor) -> dict:
    """Move the source's figures; the products moved, by key."""
    quantities = _quantities(items)
    levels = stock.lock_levels(uow.session, site_id, quantities)
    for key, quantity in sorted(quantities.items()):
        stock.move(uow, levels[key], kind, quantity, reference=transfer.id, actor=actor)
    return {key: stock.product_of(level) for key, level in levels.items()}


def _quantities(items: list[TransferItem]) -> Counter:
    quantities: Counter = Counter()
    for item in items:
        quantities[item.product_key] += item.quantity
    return quantities


def _item(transfer_id: str, pick: Pick) -> TransferItem:
    return TransferItem(
        transfer_id=transfer_id,
        item_type=pick.item_type,
        item_id=pick.item_id,
        product_key=pick.request.product_key,
        quantity=pick.quantity,
    )


def _pairs(items: list[TransferItem]) -> list[tuple[str, str]]:
    return [(item.item_type, item.item_id) for item in items if item.item_type != "allowance"]
