"""Stock use cases: a balanced movement of a site's figures (every other use case moves stock
through :func:`move_stock`), adjustments and physical counts of allowances, and transfers
between sites.

Devices and cards are counted item by item: a missing card is voided, a broken device
scrapped, each with its own record — so their figures are never adjusted by hand. A transfer
takes items out of the source's available stock at dispatch; they travel ``in_transit``
(counted at the source) and join the destination's stock when it receives them. Devices are
sent by id or as N units of a product, cards as N units (earliest expiry first), allowances
as an amount — the same allocation rule as a reservation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from services.common import clock
from services.inventory.domain import stock as rules
from services.inventory.domain.allocation import Allocator, Pick
from services.inventory.domain.commands import (
    AdjustStock,
    CountStock,
    DispatchTransfer,
    ReceiveTransfer,
)
from services.inventory.domain.errors import (
    InvalidTransfer,
    NotAdjustable,
    NotTheDestination,
    TransferAlreadyReceived,
    TransferRefused,
    UnknownStockSite,
    UnknownTransfer,
)
from services.inventory.domain.events import AvailabilityChanged
from services.inventory.domain.products import allowance_product, family_of
from services.inventory.models import StockLevel, Transfer, TransferItem
from services.inventory.repository import InventoryUnitOfWork
from services.inventory.repository.stock import figures_of, product_of


def move_stock(
    uow: InventoryUnitOfWork,
    level: StockLevel,
    kind: str,
    quantity: int,
    *,
    reference: str | None = None,
    reason: str | None = None,
    actor: str = "inventory",
) -> StockLevel:
    """Apply a ``kind`` movement of ``quantity`` to the locked ``level``, append it to the
    ledger and, when the available count changed, tell the sales catalogue."""
    deltas = rules.movement(kind, quantity)
    figures = rules.apply(level.product_key, figures_of(level), deltas)
    uow.stock.save_figures(
        level, {**figures, "version": level.version + 1, "updated_at": clock.now()}
    )
    uow.stock.append_movement(
        {
            "site_id": level.site_id,
            "product_key": level.product_key,
            "kind": kind,
            "reference": reference,
            "reason": reason,
            "actor": actor,
            "at": clock.now(),
            **dict(deltas.items()),
        }
    )
    if deltas.available:
        uow.record(
            AvailabilityChanged(level.site_id, product_of(level), level.available, level.version)
        )
    return level


def quantities_of(items: Iterable) -> Counter:
    """Units per product key of reserved or sent items."""
    quantities: Counter = Counter()
    for item in items:
        quantities[item.product_key] += item.quantity
    return quantities


def custody_pairs(items: Iterable) -> list[tuple[str, str]]:
    """The ``(item_type, item_id)`` of the items kept one by one (not allowances)."""
    return [(item.item_type, item.item_id) for item in items if item.item_type != "allowance"]


# adjustments and counts -----------------------------------------------------------------------
def adjust(uow: InventoryUnitOfWork, command: AdjustStock) -> StockLevel:
    """Add (found) or remove (lost, damaged) units of an allowance."""
    with uow:
        level = _allowance_level(uow, command.site_id, command.product_key)
        move_stock(
            uow, level, "adjusted", command.quantity, reason=command.reason, actor=command.actor
        )
        uow.commit()
        return level


def count(uow: InventoryUnitOfWork, command: CountStock) -> StockLevel:
    """Record a physical count of the available units; the difference is the adjustment."""
    with uow:
        level = _allowance_level(uow, command.site_id, command.product_key)
        difference = command.counted - level.available
        move_stock(uow, level, "counted", difference, reason=command.reason, actor=command.actor)
        uow.commit()
        return level


def _allowance_level(uow: InventoryUnitOfWork, site_id: str, product_key: str) -> StockLevel:
    if family_of(product_key) != "allowance":
        raise NotAdjustable(product_key)
    if not uow.stock.site_exists(site_id):
        raise UnknownStockSite(site_id)
    unit = product_key.split(":", 1)[1]
    level = uow.stock.existing_for_update(site_id, product_key)
    return level or uow.stock.level_for_update(site_id, allowance_product(unit))


# transfers ------------------------------------------------------------------------------------
def dispatch(uow: InventoryUnitOfWork, command: DispatchTransfer) -> str:
    """Send stock: every line served, or nothing sent. The transfer's id."""
    with uow:
        _check_sites(uow, command)
        keys = [request.product_key for request in command.requests]
        levels = uow.stock.lock_levels(command.from_site_id, keys)
        allocator = Allocator(uow.items, command.from_site_id, levels, clock.today())
        picks, shortfalls = allocator.allocate(command.requests)
        if shortfalls:
            raise TransferRefused(shortfalls)
        transfer = _send(uow, command, picks)
        uow.commit()
        return transfer.id


def _check_sites(uow: InventoryUnitOfWork, command: DispatchTransfer) -> None:
    if command.from_site_id == command.to_site_id:
        raise InvalidTransfer("A transfer goes from one site to another.")
    for site_id in (command.from_site_id, command.to_site_id):
        if not uow.stock.site_exists(site_id):
            raise InvalidTransfer(f"No site {site_id}.")


def _send(uow: InventoryUnitOfWork, command: DispatchTransfer, picks: list[Pick]) -> Transfer:
    transfer = Transfer(
        from_site_id=command.from_site_id,
        to_site_id=command.to_site_id,
        note=command.note,
        dispatched_by=command.actor,
        state="in_transit",
    )
    items = uow.transfers.add(transfer, [_item(pick) for pick in picks])
    note = f"sent by transfer {transfer.id}"
    uow.custody.move(custody_pairs(items), "dispatch", actor=command.actor, note=note)
    _move(uow, transfer, items, command.from_site_id, "dispatched", command.actor)
    return transfer


def receive(uow: InventoryUnitOfWork, command: ReceiveTransfer) -> str:
    """The destination received everything: the items join its stock. ``at_site``: the
    receiving counter's site; such a caller sees only the transfers from or to its site
    (another is unknown to it) and receives only those sent to it."""
    with uow:
        transfer, at_site = uow.transfers.for_update(command.transfer_id), command.at_site
        if transfer is None or at_site not in (None, transfer.from_site_id, transfer.to_site_id):
            raise UnknownTransfer(command.transfer_id)
        if at_site not in (None, transfer.to_site_id):
            raise NotTheDestination(command.transfer_id)
        if transfer.state != "in_transit":
            raise TransferAlreadyReceived(command.transfer_id)
        actor, items = command.actor, transfer.items
        note = f"received from transfer {transfer.id}"
        uow.custody.move(
            custody_pairs(items), "arrive", actor=actor, note=note, site_id=transfer.to_site_id
        )
        products = _move(uow, transfer, items, transfer.from_site_id, "delivered", actor)
        for key, quantity in sorted(quantities_of(items).items()):
            level = uow.stock.level_for_update(transfer.to_site_id, products[key])
            move_stock(uow, level, "arrived", quantity, reference=transfer.id, actor=actor)
        transfer.state, transfer.received_by = "received", actor
        transfer.received_at = clock.now()
        uow.commit()
        return transfer.id


def _move(uow: InventoryUnitOfWork, transfer, items, site_id: str, kind: str, actor: str) -> dict:
    """Move the source's figures; the products moved, by key."""
    quantities = quantities_of(items)
    levels = uow.stock.lock_levels(site_id, quantities)
    for key, quantity in sorted(quantities.items()):
        move_stock(uow, levels[key], kind, quantity, reference=transfer.id, actor=actor)
    return {key: product_of(level) for key, level in levels.items()}


def _item(pick: Pick) -> TransferItem:
    return TransferItem(
        item_type=pick.item_type,
        item_id=pick.item_id,
        product_key=pick.request.product_key,
        quantity=pick.quantity,
    )
