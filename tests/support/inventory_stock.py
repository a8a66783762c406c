"""Stock for the inventory's custody, stock and saga tests (SQLite and PostgreSQL alike):
devices on sale, cards with sealed codes, allowances, and the sale saga's events."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select

from services.common.card_codes import CardCodeKeys
from services.common.events.envelope import CloudEvent, new_event
from services.inventory.domain import records as r
from services.inventory.domain.commands import MoveDevice
from services.inventory.domain.workflow import State
from services.inventory.handlers import EVENT_HANDLERS
from services.inventory.handlers.workshop import move
from tests.support.inventory_workshop import donation_received, receive_devices

_NOW = datetime.now(UTC)
_OPERATOR = r.Operator("Zoé Martin", "Technicienne", _NOW, "Atelier")
_STEPS = [
    MoveDevice(State.DIAGNOSING),
    MoveDevice(State.WIPING, r.Diagnosis(dict.fromkeys(r.FUNCTIONS, "pass"), 90)),
    MoveDevice(
        State.GRADING,
        r.Wipe(
            "purge",
            "crypto_erase",
            "Blancco",
            "7",
            "full",
            "flash",
            "donated",
            "reuse",
            _OPERATOR,
            _OPERATOR,
        ),
    ),
]


def handle(runtime, event: CloudEvent) -> None:
    """Apply one consumed event as the consumer would, in its own transaction."""
    with runtime.unit_of_work() as uow:
        EVENT_HANDLERS[event.type](uow, event)
        uow.commit()


def devices_on_sale(runtime, site_id: str, count: int, grade: str = "B") -> list[str]:
    devices = receive_devices(runtime, site_id, count)
    for device in devices:
        for command in [*_STEPS, MoveDevice(State.AVAILABLE, r.Grade(grade, 1))]:
            with runtime.unit_of_work() as uow:
                move(uow, uow.devices.for_update(device.id), command)
                uow.commit()
    return [device.id for device in devices]


def event(event_type: str, subject: str, data: dict, sequence: int = 1) -> CloudEvent:
    return new_event(event_type, source="test", subject=subject, data=data, sequence=sequence)


def donation(site_id: str, lines: list[dict]) -> CloudEvent:
    return donation_received(site_id, *lines)


def card_line(quantity: int, face_value_cents: int = 500, operator: str = "Orange") -> dict:
    return {
        "kind": "prepaid_cards",
        "quantity": quantity,
        "operator": operator,
        "product_name": "Mobicarte",
        "face_value_cents": face_value_cents,
        "voice_minutes": 60,
        "data_mb": 1024,
        "expiry_date": "2099-12-31",
    }


_code_ids = iter(range(1, 10**9))


def sealed_codes(
    keys: CardCodeKeys, received: CloudEvent, line_index: int, cards: list[tuple[str, date | None]]
) -> CloudEvent:
    """``cards`` are (PIN, expiry) pairs, sealed as donations seals them."""
    data_key, wrapped = keys.new_data_key()
    codes = []
    for pin, expiry in cards:
        serial = f"SN{uuid.uuid4().hex[:12]}"
        sealed = keys.seal(data_key, serial, pin)
        codes.append(
            {
                "code_id": next(_code_ids),
                "serial": serial,
                "expiry_date": expiry.isoformat() if expiry else None,
                "pin_hash": keys.keyed_hash(pin),
                "nonce": sealed.nonce,
                "ciphertext": sealed.ciphertext,
            }
        )
    data = received.data
    batch_id = str(uuid.uuid4())
    body = {
        "donation_id": data["donation_id"],
        "partner_id": data["partner_id"],
        "site_id": data["site_id"],
        "line_id": data["lines"][line_index]["line_id"],
        "batch_id": batch_id,
        "wrapped_key": wrapped,
        "part": 1,
        "parts": 1,
        "codes": codes,
    }
    return event("donations.card_codes.sealed", batch_id, body)


def cards_in_stock(runtime, keys, site_id: str, pins_and_expiries, **line) -> CloudEvent:
    received = donation(site_id, [card_line(len(pins_and_expiries), **line)])
    handle(runtime, received)
    handle(runtime, sealed_codes(keys, received, 0, pins_and_expiries))
    return received


def order_placed(site_id: str, lines: list[dict], order_id: str | None = None) -> CloudEvent:
    data = {
        "order_id": order_id or str(uuid.uuid4()),
        "site_id": site_id,
        "beneficiary_code": "B-7F3A",
        "placed_at": datetime.now(UTC).isoformat(),
        "lines": [{"line_id": str(uuid.uuid4()), **line} for line in lines],
    }
    return event("sales.order.placed", data["order_id"], data)


def completion_requested(accepted: dict) -> CloudEvent:
    data = {
        "order_id": accepted["order_id"],
        "site_id": accepted["site_id"],
        "reservation_id": accepted["reservation_id"],
        "requested_at": datetime.now(UTC).isoformat(),
    }
    return event("sales.order.completion_requested", accepted["order_id"], data, 3)


def order_cancelled(order_id: str, site_id: str, reservation_id: str | None = None):
    data = {
        "order_id": order_id,
        "site_id": site_id,
        "reservation_id": reservation_id,
        "reason": "beneficiary left",
    }
    return event("sales.order.cancelled", order_id, data, 2)


def outbox(runtime, event_type: str | None = None) -> list[dict]:
    """The outbox, oldest first, as CloudEvents; only ``event_type`` when given."""
    table = runtime.tables.outbox
    with runtime.engine.connect() as connection:
        bodies = connection.scalars(select(table.c.body).order_by(table.c.id)).all()
    found = [json.loads(body) for body in bodies]
    return [e for e in found if event_type is None or e["type"] == event_type]


def outbox_text(runtime) -> str:
    table = runtime.tables.outbox
    with runtime.engine.connect() as connection:
        return "\n".join(connection.scalars(select(table.c.body)).all())
