"""The facts donations' use cases raise, and the one place each becomes a contract payload
(``services/common/events/contracts/donations.py``). Never a card code in clear.

``of(...)`` builds a fact from the stored objects (read by attribute: any object with the
fields will do).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from services.donations.domain.lines import TYPED_FIELDS

CODES_PER_EVENT = 1000  # sealed codes in one donations.card_codes.sealed event


@dataclass(frozen=True)
class PartnerRegistered:
    """A partner was registered or changed (a snapshot: its latest version wins)."""

    type: ClassVar[str] = "donations.partner.registered"
    partner_id: str
    name: str
    kind: str
    version: int

    @classmethod
    def of(cls, partner: Any) -> PartnerRegistered:
        return cls(partner.id, partner.name, partner.kind, partner.version)

    @property
    def subject(self) -> str:
        return self.partner_id

    @property
    def sequence(self) -> int:
        return self.version

    def payload(self) -> dict[str, Any]:
        return {"partner_id": self.partner_id, "name": self.name, "kind": self.kind}


@dataclass(frozen=True)
class LineReceived:
    """One received line with its provenance: the identified items that arrived, each
    scheme's values apart (``serials``, ``imeis``), and which of them make each unit
    (``units``: the index of its serial in ``serials`` and of its IMEI in ``imeis``, ``None``
    for the one it lacks). Pairing ``serials[i]`` with ``imeis[i]`` is wrong as soon as some
    units lack one; repeating the values per unit would double the event (93,000
    identifiers are 4.4 MB of JSON, 8.4 MB so)."""

    line_id: str
    kind: str
    quantity: int
    typed: tuple[tuple[str, Any], ...]  # the typed fields given, in TYPED_FIELDS order
    serials: tuple[str, ...]
    imeis: tuple[str, ...]
    # [serial index, IMEI index] of each unit in order, built once and shared with the
    # payload (a reception may hold 100,000 units), never changed.
    units: tuple[list[int | None], ...] = ()

    @classmethod
    def of(cls, line: Any, identifiers: Iterable[Any] | None = None) -> LineReceived:
        """``identifiers`` (``line.identifiers`` if not given; an iterator will do): each
        with its ``scheme``, ``value``, ``unit`` and whether it was ``received``, in order
        of position."""
        typed = tuple(
            (name, value) for name in TYPED_FIELDS if (value := getattr(line, name)) is not None
        )
        serials, imeis, units = [], [], {}
        for identifier in line.identifiers if identifiers is None else identifiers:
            if identifier.received:
                unit = units.setdefault(identifier.unit, [None, None])
                if identifier.scheme == "serial":
                    unit[0] = len(serials)
                    serials.append(identifier.value)
                else:
                    unit[1] = len(imeis)
                    imeis.append(identifier.value)
        return cls(
            line.id,
            line.kind,
            line.received_quantity,
            typed,
            tuple(serials),
            tuple(imeis),
            tuple(unit for _, unit in sorted(units.items())),
        )

    def payload(self) -> dict[str, Any]:
        typed = {name: _plain(value) for name, value in self.typed}
        return {
            "line_id": self.line_id,
            "kind": self.kind,
            "quantity": self.quantity,
            **typed,
            "serials": list(self.serials),
            "imeis": list(self.imeis),
            "units": list(self.units),
        }


@dataclass(frozen=True)
class DonationReceived:
    """What arrived of a donation: the event inventory takes the goods in from."""

    type: ClassVar[str] = "donations.donation.received"
    donation_id: str
    partner_id: str
    site_id: str
    received_at: datetime
    lines: tuple[LineReceived, ...]
    version: int

    @classmethod
    def of(cls, donation: Any, lines: Iterable[LineReceived] | None = None) -> DonationReceived:
        """``lines``: each of the donation's, received (``LineReceived.of`` if not given)."""
        if lines is None:
            lines = (LineReceived.of(line) for line in donation.lines)
        return cls(
            donation.id,
            donation.partner_id,
            donation.site_id,
            donation.received_at,
            tuple(lines),
            donation.version,
        )

    @property
    def subject(self) -> str:
        return self.donation_id

    @property
    def sequence(self) -> int:
        return self.version

    def payload(self) -> dict[str, Any]:
        return {
            "donation_id": self.donation_id,
            "partner_id": self.partner_id,
            "site_id": self.site_id,
            "received_at": self.received_at.isoformat(),
            "lines": [line.payload() for line in self.lines],
        }


@dataclass(frozen=True)
class SealedCardCode:
    """A card code as inventory receives it: sealed with the batch's data key."""

    code_id: int
    serial: str
    expiry_date: date | None
    pin_hash: str
    nonce: str
    ciphertext: str

    @classmethod
    def of(cls, code: Any) -> SealedCardCode:
        return cls(
            code.id, code.serial, code.expiry_date, code.pin_hash, code.nonce, code.ciphertext
        )

    def payload(self) -> dict[str, Any]:
        return {
            "code_id": self.code_id,
            "serial": self.serial,
            "expiry_date": self.expiry_date.isoformat() if self.expiry_date else None,
            "pin_hash": self.pin_hash,
            "nonce": self.nonce,
            "ciphertext": self.ciphertext,
        }


@dataclass(frozen=True)
class CardCodesSealed:
    """Part ``part`` of ``parts`` of one sealed batch of a received prepaid-cards line;
    only inventory, holding the private key, can unwrap ``wrapped_key`` and open them."""

    type: ClassVar[str] = "donations.card_codes.sealed"
    donation_id: str
    partner_id: str
    site_id: str
    line_id: str
    batch_id: str
    wrapped_key: str
    part: int
    parts: int
    codes: tuple[SealedCardCode, ...]

    @classmethod
    def parts_of(cls, donation: Any, batch: Any, codes: Sequence[Any]) -> Iterator[CardCodesSealed]:
        """The batch's ``codes`` in events of at most ``CODES_PER_EVENT`` (one if none)."""
        parts = max(1, -(-len(codes) // CODES_PER_EVENT))
        for part in range(parts):
            chunk = codes[part * CODES_PER_EVENT : (part + 1) * CODES_PER_EVENT]
            yield cls(
                donation.id,
                donation.partner_id,
                donation.site_id,
                batch.line_id,
                batch.id,
                batch.wrapped_key,
                part + 1,
                parts,
                tuple(SealedCardCode.of(code) for code in chunk),
            )

    @property
    def subject(self) -> str:
        return self.batch_id

    @property
    def sequence(self) -> int:
        return self.part

    def payload(self) -> dict[str, Any]:
        return {
            "donation_id": self.donation_id,
            "partner_id": self.partner_id,
            "site_id": self.site_id,
            "line_id": self.line_id,
            "batch_id": self.batch_id,
            "wrapped_key": self.wrapped_key,
            "part": self.part,
            "parts": self.parts,
            "codes": [code.payload() for code in self.codes],
        }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
