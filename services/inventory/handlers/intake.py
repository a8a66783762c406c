"""Intake: a received donation becomes stock.

* a hardware unit becomes one device record (state ``received``, with its provenance), by
  chunks of at most ``INTAKE_CHUNK`` devices per transaction: the consumer records each line's
  progress (``IntakeLine``) and takes in what its transaction's budget allows; the worker's
  ``intake`` task takes in the rest, chunk after chunk, and resumes after a crash where the
  last commit left it (a 60,000-unit reception once held one transaction for 30 s);
* the worker's task takes in a chunk only once the relay has caught up with the previous
  one's events (``periodic.relay_caught_up``): the outbox is one queue in commit order, so the
  sale saga's replies (``inventory.reservation.*``) would otherwise wait behind every device
  event of a large reception (a 100,000-device reception once made orders wait 9 s at
  p50); the wait also leaves the process's other threads, the relay and the saga lane's
  consumer, their turn;
* a prepaid-cards line is remembered with its product; its cards enter the stock one by one
  when their sealed codes arrive (``cards.take_in_codes``): a card without a code cannot be
  sold, so until then it is counted as awaiting its code, never as available;
* an allowance line (minutes, MB) adds its amount to the site's stock of that allowance;
* funds are not stock.

Idempotency comes from the consumer's inbox; unique keys are the last line of defence.
"""

from __future__ import annotations

from datetime import date

from services.common import clock
from services.common.events.envelope import CloudEvent
from services.inventory.domain.events import DeviceReceived
from services.inventory.domain.products import allowance_product, card_product
from services.inventory.handlers.stock import move_stock
from services.inventory.models import CardLine, Device, IntakeLine
from services.inventory.repository import InventoryUnitOfWork

INTAKE_CHUNK = 1000  # devices per transaction, at most


class UnknownSite(LookupError):
    pass


def receive_donation(uow: InventoryUnitOfWork, event: CloudEvent) -> None:
    data = event.data
    if uow.sites.get(data["site_id"]) is None:
        raise UnknownSite(f"site {data['site_id']} does not exist")
    lines = {kind: [ln for ln in data["lines"] if ln["kind"] == kind] for kind in _KINDS}
    _receive_devices(uow, data, lines["hardware_lot"])
    uow.intake.add_lines(_card_line(data, line) for line in lines["prepaid_cards"])
    for line in lines["allowance"]:
        _receive_allowance(uow, data, line)


_KINDS = ("hardware_lot", "prepaid_cards", "allowance")


def _receive_devices(uow: InventoryUnitOfWork, data: dict, lines: list[dict]) -> None:
    received = [_intake_line(data, line) for line in lines if line["quantity"] > 0]
    uow.intake.add_lines(received)
    budget = uow.intake.budget(INTAKE_CHUNK)  # one per consumer batch
    for line in received:
        budget -= _take_in(uow, line, budget)
    uow.intake.spend(budget)


def _intake_line(data: dict, line: dict) -> IntakeLine:
    return IntakeLine(
        line_id=line["line_id"],
        donation_id=data["donation_id"],
        partner_id=data["partner_id"],
        site_id=data["site_id"],
        line=line,
        quantity=line["quantity"],
        taken_in=0,
    )


def take_in_next_chunk(uow: InventoryUnitOfWork) -> int:
    """Up to ``INTAKE_CHUNK`` devices of the oldest unfinished line (several workers share)."""
    line = uow.intake.next_unfinished_line()
    return 0 if line is None else _take_in(uow, line, INTAKE_CHUNK)


def _take_in(uow: InventoryUnitOfWork, line: IntakeLine, budget: int) -> int:
    """The next ``budget`` devices of ``line`` at most, with its progress, in this transaction."""
    start = line.taken_in
    count = max(0, min(budget, line.quantity - start))
    data = {"site_id": line.site_id, "donation_id": line.donation_id, "partner_id": line.partner_id}
    devices = [_device(data, line.line, index) for index in range(start, start + count)]
    line.taken_in = start + count
    if line.taken_in == line.quantity:
        line.done_at = clock.now()
    uow.intake.add_devices(devices)
    for device in devices:
        uow.record(
            DeviceReceived(
                device.id,
                device.site_id,
                device.category,
                device.donation_id,
                device.partner_id,
                device.line_id,
                sequence=device.version,
            )
        )
    return count


def _device(data: dict, line: dict, index: int) -> Device:
    serial, imei = _identifiers(line, index)
    return Device(
        site_id=data["site_id"],
        category=line["category"],
        brand=line.get("brand"),
        model=line.get("model"),
        serial=serial,
        imei=imei,
        donation_id=data["donation_id"],
        partner_id=data["partner_id"],
        line_id=line["line_id"],
    )


def _identifiers(line: dict, index: int) -> tuple[str | None, str | None]:
    """The (serial, IMEI) of the line's ``index``-th unit: its entry in ``units``, the
    identified units that arrived, names its own (``[serial index, IMEI index]``); an event
    from before units were told has only ``serials`` and ``imeis``, paired by place (wrong
    when some units lack one). Units beyond those identified have neither."""
    units = line.get("units")
    if units is None:
        return _nth(line.get("serials"), index), _nth(line.get("imeis"), index)
    if index >= len(units):
        return None, None
    serial, imei = units[index]
    return _nth(line.get("serials"), serial), _nth(line.get("imeis"), imei)


def _nth(values: list[str] | None, index: int | None) -> str | None:
    """The ``index``-th of ``values``, when there is one."""
    return values[index] if values and index is not None and index < len(values) else None


def _card_line(data: dict, line: dict) -> CardLine:
    operator = line.get("operator") or "unknown operator"
    return CardLine(
        line_id=line["line_id"],
        donation_id=data["donation_id"],
        partner_id=data["partner_id"],
        site_id=data["site_id"],
        product_key=card_product(operator, line.get("face_value_cents", 0)).key,
        operator=operator,
        product_name=line.get("product_name"),
        face_value_cents=line.get("face_value_cents", 0),
        voice_minutes=line.get("voice_minutes"),
        data_mb=line.get("data_mb"),
        expiry_date=_date(line.get("expiry_date")),
        quantity=line["quantity"],
        codes_received=0,
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _receive_allowance(uow: InventoryUnitOfWork, data: dict, line: dict) -> None:
    if line["quantity"] == 0:
        return
    product = allowance_product(line.get("unit") or "units")
    level = uow.stock.level_for_update(data["site_id"], product)
    move_stock(uow, level, "intake", line["quantity"], reference=data["donation_id"])
