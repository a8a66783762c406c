"""Prepaid cards in custody: codes taken in, expired cards withdrawn, cards voided, and the
one reveal of a sold card's code to the counter that sold it.

A code exists in clear only inside :func:`take_in_codes` (opened from donations' seal, checked
against its keyed hash, sealed again under inventory's key) and in the reveal's answer. It is
never logged, listed, or put in an event; error messages name cards, never codes.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from services.common import clock
from services.common.card_codes import CardCodeKeys, SealedCode, keys_in
from services.common.config import card_codes_key_dir
from services.common.events.envelope import CloudEvent
from services.inventory.code_vault import Vault, current_vault
from services.inventory.domain.commands import RevealCodes, VoidCard
from services.inventory.domain.custody import (
    CardState,
    CodesAlreadyRevealed,
    NothingToReveal,
    check_move,
    check_reveal,
)
from services.inventory.domain.products import card_product
from services.inventory.handlers.stock import move_stock
from services.inventory.models import Card, CardLine, CardReveal
from services.inventory.repository import InventoryUnitOfWork

log = logging.getLogger(__name__)


class UnknownCardLine(LookupError):
    """Codes arrived before their donation: retried until the donation is taken in."""


class CodeMismatch(ValueError):
    """An opened code does not match its keyed hash: the batch is not what donations sealed."""


# intake ---------------------------------------------------------------------------------------
def take_in_codes(uow: InventoryUnitOfWork, event: CloudEvent) -> None:
    data = event.data
    line = uow.cards.line_for_update(data["line_id"])
    if line is None:
        raise UnknownCardLine(f"card line {data['line_id']} not taken in yet")
    known = uow.cards.known_hashes([code["pin_hash"] for code in data["codes"]])
    fresh = [code for code in data["codes"] if code["pin_hash"] not in known]
    room = max(0, line.quantity - line.codes_received)  # never more cards than arrived
    if len(fresh) > room:
        log.warning(
            "card line %s received %d cards: %d code(s) beyond them left out of the stock",
            line.line_id,
            line.quantity,
            len(fresh) - room,
        )
        fresh = fresh[:room]
    if not fresh:
        return
    keys = keys_in(card_codes_key_dir())
    opener = _Opener(keys, keys.unwrap(data["wrapped_key"]), current_vault())
    uow.cards.add_all(_card(line, data, code, opener) for code in fresh)
    line.codes_received += len(fresh)
    product = card_product(line.operator, line.face_value_cents)
    level = uow.stock.level_for_update(line.site_id, product)
    move_stock(uow, level, "intake", len(fresh), reference=data["batch_id"])


@dataclass(frozen=True)
class _Opener:
    keys: CardCodeKeys
    data_key: bytes
    vault: Vault

    def reseal(self, card_id: str, code: dict) -> bytes:
        sealed = SealedCode(code["serial"], code["nonce"], code["ciphertext"])
        pin = self.keys.open(self.data_key, sealed)
        if self.keys.keyed_hash(pin) != code["pin_hash"]:
            raise CodeMismatch(f"code {code['code_id']} does not match its keyed hash")
        return self.vault.seal(card_id, pin)


def _card(line: CardLine, data: dict, code: dict, opener: _Opener) -> Card:
    card_id = str(uuid.uuid4())
    return Card(
        id=card_id,
        site_id=line.site_id,
        product_key=line.product_key,
        line_id=line.line_id,
        donation_id=line.donation_id,
        partner_id=line.partner_id,
        batch_id=data["batch_id"],
        source_code_id=code["code_id"],
        serial=code["serial"],
        expiry_date=_expiry(code) or line.expiry_date,
        pin_hash=code["pin_hash"],
        code_key_id=opener.vault.key_id,
        code_ciphertext=opener.reseal(card_id, code),
        state=CardState.IN_STOCK,
    )


def _expiry(code: dict) -> date | None:
    return date.fromisoformat(code["expiry_date"]) if code.get("expiry_date") else None


# expiry and voiding ---------------------------------------------------------------------------
def withdraw_expired(uow: InventoryUnitOfWork, today: date, limit: int = 500) -> int:
    """Cards in stock past their expiry date leave the stock (several sweepers share)."""
    cards = uow.cards.expired_in_stock(today, limit)
    groups: dict[tuple[str, str], list[Card]] = defaultdict(list)
    for card in cards:
        groups[(card.site_id, card.product_key)].append(card)
    for (site_id, key), group in sorted(groups.items()):
        uow.cards.set_state([c.id for c in group], CardState.EXPIRED)
        level = uow.stock.existing_for_update(site_id, key)
        move_stock(uow, level, "card_expired", len(group), reason="past its expiry date")
    return len(cards)


def void(uow: InventoryUnitOfWork, command: VoidCard) -> Card:
    """Take a card in stock out for good (lost, damaged, refused by the operator)."""
    with uow:
        card = uow.cards.for_update(command.card_id)
        check_move(card.id, card.state, CardState.VOID)
        uow.cards.set_state([card.id], CardState.VOID)
        level = uow.stock.existing_for_update(card.site_id, card.product_key)
        move_stock(
            uow, level, "voided", 1, reference=card.id, reason=command.reason, actor=command.actor
        )
        uow.commit()
        return card


# the reveal -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RevealedCode:
    card: Card
    code: str


# A lost answer (client time-out, dropped connection) must not lose the codes: the counter
# that revealed them may fetch them again this long after the first reveal, each time counted.
REVEAL_AGAIN_SECONDS = 600


def reveal(uow: InventoryUnitOfWork, command: RevealCodes) -> list[RevealedCode]:
    """:func:`reveal_codes` in its own transaction (the view's command)."""
    with uow:
        revealed = reveal_codes(uow, command.order_id, command.site_id, command.actor)
        uow.commit()
        return revealed


def reveal_codes(
    uow: InventoryUnitOfWork, order_id: str, site_id: str, actor: str
) -> list[RevealedCode]:
    """The codes of the cards sold to ``order_id``, to the counter that sold them: once, then
    again by that site only within ``REVEAL_AGAIN_SECONDS`` of the first reveal (counted)."""
    reservation = uow.cards.reservation_of(order_id)
    if reservation is None or reservation.site_id != site_id:  # another site's: not found
        raise NothingToReveal(order_id)
    cards = uow.cards.sold_with(reservation.id)
    now = clock.now()
    if cards and all(card.state == CardState.REVEALED for card in cards):
        _count_again(uow, order_id, site_id, actor, now)
    else:
        check_reveal(order_id, [card.state for card in cards])
        uow.cards.set_state([card.id for card in cards], CardState.REVEALED)
        uow.cards.add_reveals(
            CardReveal(
                card_id=card.id,
                order_id=order_id,
                actor=actor,
                site_id=site_id,
                at=now,
                last_at=now,
            )
            for card in cards
        )
    vault = current_vault()
    return [RevealedCode(card, vault.open(card.id, card.code_ciphertext)) for card in cards]


def _count_again(
    uow: InventoryUnitOfWork, order_id: str, site_id: str, actor: str, now: datetime
) -> None:
    reveals = uow.cards.reveals_of(order_id)
    window = timedelta(seconds=REVEAL_AGAIN_SECONDS)
    if not reveals or any(
        reveal.site_id != site_id or now - _aware(reveal.at) > window for reveal in reveals
    ):
        raise CodesAlreadyRevealed(order_id)
    for reveal in reveals:
        reveal.times, reveal.last_at = reveal.times + 1, now
    log.warning("order %s: card codes revealed again by %s", order_id, actor)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
