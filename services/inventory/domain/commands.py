"""What a caller asks of inventory: a view (``api/``), a consumed event or a periodic task
builds one of these and hands it to its use case (``handlers/``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from services.inventory.domain.labels import Selection
from services.inventory.domain.records import Record
from services.inventory.domain.reservations import Request
from services.inventory.domain.workflow import State


# the sale saga --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reserve:
    """Hold every line of a placed order at its site, or none (``sales.order.placed``)."""

    order_id: str
    site_id: str
    requests: tuple[Request, ...]


@dataclass(frozen=True)
class CommitReservation:
    """Sell what the reservation holds (``sales.order.completion_requested``)."""

    order_id: str
    reservation_id: str
    site_id: str


@dataclass(frozen=True)
class ReleaseReservation:
    """Give the held items back (``sales.order.cancelled``)."""

    order_id: str
    site_id: str
    reason: str


@dataclass(frozen=True)
class ExpireReservations:
    """Expire held reservations past their time, ``limit`` at most (the worker's sweep)."""

    now: datetime
    limit: int = 100


# stock ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AdjustStock:
    """Units of an allowance found (+) or lost (-)."""

    site_id: str
    product_key: str
    quantity: int
    reason: str
    actor: str


@dataclass(frozen=True)
class CountStock:
    """A physical count of an allowance's available units."""

    site_id: str
    product_key: str
    counted: int
    reason: str
    actor: str


@dataclass(frozen=True)
class DispatchTransfer:
    from_site_id: str
    to_site_id: str
    requests: list[Request]
    actor: str
    note: str | None = None


@dataclass(frozen=True)
class ReceiveTransfer:
    """``at_site``: the receiving counter's site (None for admin and workshop keys)."""

    transfer_id: str
    actor: str
    at_site: str | None = None


# sites ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenSite:
    name: str
    city: str
    kind: str


@dataclass(frozen=True)
class ChangeSiteStatus:
    """Close (``open=False``) or reopen a site."""

    site_id: str
    open: bool


# devices and cards ----------------------------------------------------------------------------
@dataclass(frozen=True)
class MoveDevice:
    """Move a device to ``target``, handing in the record of the step it ends."""

    target: State
    record: Record | None = None
    note: str | None = None
    actor: str = "unknown"


@dataclass(frozen=True)
class MoveScanned:
    """Move each scanned device (asset tag, IMEI or serial number), each on its own."""

    identifiers: tuple[str, ...]
    move: MoveDevice


@dataclass(frozen=True)
class MoveOne:
    """Move the device ``device_id`` if its version is still ``check_version``'s to accept."""

    device_id: str
    move: MoveDevice
    check_version: Callable[[int], None]


@dataclass(frozen=True)
class VoidCard:
    card_id: str
    reason: str
    actor: str


@dataclass(frozen=True)
class WithdrawExpiredCards:
    today: date
    limit: int = 500


@dataclass(frozen=True)
class RevealCodes:
    """The codes of the cards sold to ``order_id``, to the counter of ``site_id``."""

    order_id: str
    site_id: str
    actor: str


# labels ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PrintLabels:
    """Lay out the asset-tag labels of the selected devices on sheets of ``format_name``,
    with any of its sizes (mm) changed, from ``start_position`` on the first sheet."""

    selection: Selection
    format_name: str
    start_position: int = 1
    qr: bool = False
    label_width: float | None = None
    label_height: float | None = None
    margin_top: float | None = None
    margin_left: float | None = None
