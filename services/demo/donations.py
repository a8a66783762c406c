"""Partners announce their gifts; the workshop receives them, with differences."""

from __future__ import annotations

import random
from datetime import timedelta

from stdnum import luhn

from services.demo.desks import Desk, until
from services.demo.programme import Gift, Hardware
from services.demo.timeline import Timeline


class Identifiers:
    """One identifier a unit (donations counts identifiers as units): a valid IMEI (Luhn) for
    a phone, a serial for anything else; distinct within the demo."""

    def __init__(self) -> None:
        self._next = 0

    def unit(self, hardware: Hardware) -> dict[str, str]:
        self._next += 1
        if hardware.category == "smartphone":
            body = f"35{self._next:012d}"
            return {"imei": body + luhn.calc_check_digit(body)}
        return {"serial": f"{hardware.brand[:3].upper()}-{self._next:06d}"}


def announce(partner: Desk, partner_id: str, site_id: str, gift: Gift, ids: Identifiers) -> dict:
    lines = [_hardware_line(hardware, ids) for hardware in gift.hardware]
    lines += [_cards_line(gift, *cards) for cards in gift.cards]
    if gift.minutes:
        lines.append({"kind": "allowance", "unit": "minutes", "quantity": gift.minutes})
    if gift.data_mb:
        lines.append({"kind": "allowance", "unit": "data_mb", "quantity": gift.data_mb})
    for line in lines:
        if line["kind"] == "allowance":
            line["validity_days"] = 365
    body = {"partner_id": partner_id, "site_id": site_id, "lines": lines}
    return until(lambda: _announced(partner, body), "donations to learn of the workshop")


def _announced(partner: Desk, body: dict) -> dict | None:
    """The donation, or None while donations has not yet learnt of the site (an event away)."""
    response = partner.send("POST", "donations", "/donations", json=body)
    if response.status_code == 422 and response.get_json().get("code") == "unknown-site":
        return None
    return partner.answer(response, "announce")


def _hardware_line(hardware: Hardware, ids: Identifiers) -> dict:
    units = [ids.unit(hardware) for _ in range(hardware.quantity)]
    line = {
        "kind": "hardware_lot",
        "category": hardware.category,
        "brand": hardware.brand,
        "model": hardware.model,
        "quantity": hardware.quantity,
        "declared_condition": "used, working",
    }
    for scheme in ("serial", "imei"):
        if values := [unit[scheme] for unit in units if scheme in unit]:
            line[f"{scheme}s"] = values
    return line


def _cards_line(gift: Gift, operator: str, product: str, face_value: int, count: int) -> dict:
    rng = random.Random(f"{gift.days_ago}{operator}")
    expiry = Timeline().today + timedelta(days=540)
    codes = [
        {
            "serial": f"{operator[:3].upper()}{gift.days_ago:03d}{n:05d}",
            "pin": f"{rng.randrange(10**14):014d}",
        }
        for n in range(count)
    ]
    return {
        "kind": "prepaid_cards",
        "operator": operator,
        "product_name": product,
        "face_value_cents": face_value,
        "quantity": count,
        "expiry_date": expiry.isoformat(),
        "codes": codes,
    }


def receive(workshop: Desk, donation: dict, gift: Gift, ids: Identifiers) -> dict:
    """What arrived: announced identifiers missing, units beyond the announcement, cards
    counted short; the receipt is numbered."""
    hardware = iter(gift.hardware)
    lines = []
    for line in donation["lines"]:
        received = {"line_id": line["id"], "received_quantity": line["expected_quantity"]}
        if line["kind"] == "hardware_lot":
            lot = next(hardware)
            received.update(_hardware_differences(line, lot, ids))
        elif line["kind"] == "prepaid_cards" and gift.cards_short:
            received["received_quantity"] -= gift.cards_short
        lines.append(received)
    path = f"/donations/{donation['id']}/reception"
    return workshop.post("donations", path, {"lines": lines})


def _hardware_differences(line: dict, lot: Hardware, ids: Identifiers) -> dict:
    announced = (line.get("serials") or []) + (line.get("imeis") or [])
    changes: dict = {"received_quantity": lot.quantity - lot.missing + lot.extra}
    if lot.missing:
        changes["missing_identifiers"] = announced[-lot.missing :]
    if lot.extra:
        units = [ids.unit(lot) for _ in range(lot.extra)]
        changes["extra"] = {"quantity": lot.extra, "units": units}
    return changes
