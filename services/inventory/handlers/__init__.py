"""Inventory's use cases, and the two routing tables: the commands the views send
(``execute(command)``) and the events inventory consumes (see topology.py)."""

from __future__ import annotations

from services.inventory.domain.commands import (
    AdjustStock,
    ChangeSiteStatus,
    CountStock,
    DispatchTransfer,
    MoveOne,
    MoveScanned,
    OpenSite,
    PrintLabels,
    ReceiveTransfer,
    RevealCodes,
    VoidCard,
)
from services.inventory.handlers import (
    cards,
    checks,
    intake,
    labels,
    reservations,
    sites,
    stock,
    workshop,
)

COMMAND_HANDLERS = {
    OpenSite: sites.open_site,
    ChangeSiteStatus: sites.change_status,
    MoveOne: workshop.move_one,
    MoveScanned: workshop.move_scanned,
    AdjustStock: stock.adjust,
    CountStock: stock.count,
    DispatchTransfer: stock.dispatch,
    ReceiveTransfer: stock.receive,
    VoidCard: cards.void,
    RevealCodes: cards.reveal,
    PrintLabels: labels.print_labels,
}

EVENT_HANDLERS = {
    "donations.donation.received": intake.receive_donation,
    "donations.card_codes.sealed": cards.take_in_codes,
    "sales.sale_digest.published": checks.on_digest_published,
    "sales.sale_digest.itemised": checks.on_digest_itemised,
    "sales.order.placed": reservations.on_order_placed,
    "sales.order.completion_requested": reservations.on_completion_requested,
    "sales.order.cancelled": reservations.on_order_cancelled,
}
