"""Products: what a site can sell, named by the ``product_key`` of the sale saga's contracts.

``device:<category>:<cosmetic grade>``, ``card:<operator>:<face value in cents>`` and
``allowance:<unit>``; keys are lower case (the contract's pattern), so grade B is ``b``.
Devices and cards are counted item by item; allowances (minutes, MB) are fungible amounts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

FAMILIES = {"device": "device", "card": "prepaid_card", "allowance": "allowance"}
ITEM_TYPES = FAMILIES  # a reserved item's type is its product's family


@dataclass(frozen=True)
class Product:
    key: str
    family: str
    label: str
    category: str | None = None
    cosmetic_grade: str | None = None
    operator: str | None = None
    face_value_cents: int | None = None
    unit: str | None = None

    def as_contract(self) -> dict:
        fields = {k: v for k, v in asdict(self).items() if v is not None and k != "key"}
        return {"product_key": self.key, **fields}


def slug(text: str | None) -> str:
    """ "SFR Réunion" -> "sfr-reunion": lower-case ASCII letters, digits and dashes."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:40] or "unknown"


def family_of(product_key: str) -> str:
    return FAMILIES[product_key.split(":", 1)[0]]


def device_product(category: str, cosmetic_grade: str) -> Product:
    return Product(
        key=f"device:{category}:{cosmetic_grade.lower()}",
        family="device",
        label=f"{category.replace('_', ' ')}, grade {cosmetic_grade}",
        category=category,
        cosmetic_grade=cosmetic_grade,
    )


def card_product(operator: str, face_value_cents: int) -> Product:
    return Product(
        key=f"card:{slug(operator)}:{face_value_cents}",
        family="prepaid_card",
        label=f"{operator} card {face_value_cents / 100:.2f} EUR",
        operator=operator,
        face_value_cents=face_value_cents,
    )


def allowance_product(unit: str) -> Product:
    return Product(
        key=f"allowance:{slug(unit)}", family="allowance", label=f"{unit} allowance", unit=unit
    )
