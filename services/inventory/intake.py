"""Intake: a received donation becomes stock.

* a hardware unit becomes one device record (state ``received``, with its provenance);
* a prepaid-cards line is remembered with its product; its cards enter the stock one by one
  when their sealed codes arrive (``cards.take_in_codes``): a card without a code cannot be
  sold, so until then it is counted as awaiting its code, never as available;
* an allowance line (minutes, MB) adds its amount to the site's stock of that allowance;
* funds are not stock.

Idempotency comes from the consumer's inbox; unique keys are the last line of defence.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from services.common.events.envelope import CloudEvent
from services.common.unit_of_work import UnitOfWork
from services.inventory import asset_tags, stock
from services.inventory.cards import take_in_codes
from services.inventory.domain.products import allowance_product, card_product
from services.inventory.models import CardLine, Device, Site


class UnknownSite(LookupError):
    pass


def receive_donation(uow: UnitOfWork, event: CloudEvent) -> None:
    data = event.data
    if uow.session.scalar(select(Site.id).where(Site.id == data["site_id"])) is None:
        raise UnknownSite(f"site {data['site_id']} does not exist")
    lines = {kind: [ln for ln in data["lines"] if ln["kind"] == kind] for kind in _KINDS}
    _receive_devices(uow, data, lines["hardware_lot"])
    uow.session.add_all(_card_line(data, line) for line in lines["prepaid_cards"])
    for line in lines["allowance"]:
        _receive_allowance(uow, data, line)


_KINDS = ("hardware_lot", "prepaid_cards", "allowance")


def _receive_devices(uow: UnitOfWork, data: dict, lines: list[dict]) -> None:
    session = uow.session
    devices = [_device(data, line, index) for line in lines for index in range(line["quantity"])]
    for device, tag in zip(devices, asset_tags.allocate(session, len(devices)), strict=True):
        device.asset_tag = tag
    session.add_all(devices)
    session.flush()
    for device in devices:
        uow.emit(
            "inventory.device.received",
            subject=device.id,
            sequence=device.version,
            data={
                "device_id": device.id,
                "site_id": device.site_id,
                "category": device.category,
                "donation_id": device.donation_id,
                "partner_id": device.partner_id,
                "line_id": device.line_id,
            },
        )


def _device(data: dict, line: dict, index: int) -> Device:
    return Device(
        site_id=data["site_id"],
        category=line["category"],
        brand=line.get("brand"),
        model=line.get("model"),
        serial=_nth(line.get("serials"), index),
        imei=_nth(line.get("imeis"), index),
        donation_id=data["donation_id"],
        partner_id=data["partner_id"],
        line_id=line["line_id"],
    )


def _nth(values: list[str] | None, index: int) -> str | None:
    """The identifier of the ``index``-th unit, when the line lists that many."""
    return values[index] if values and index < len(values) else None


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


def _receive_allowance(uow: UnitOfWork, data: dict, line: dict) -> None:
    if line["quantity"] == 0:
        return
    product = allowance_product(line.get("unit") or "units")
    level = stock.level_for_update(uow.session, data["site_id"], product)
    stock.move(uow, level, "intake", line["quantity"], reference=data["donation_id"])


EVENT_HANDLERS = {
    "donations.donation.received": receive_donation,
    "donations.card_codes.sealed": take_in_codes,
}
