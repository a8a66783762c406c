"""Which product keys can exist, as inventory names its stock (``services/inventory/domain/
products.py``): a price for any other key would never price anything.

* ``device:<category>:<grade>``: a hardware category (``smartphone``, ``laptop``, …) and a
  cosmetic grade ``a``, ``b`` or ``c``;
* ``card:<operator>:<face value>``: the operator slugified (lower-case ASCII letters, digits
  and dashes: "SFR Réunion" is ``sfr-reunion``) and the face value in cents (a 10 EUR card
  is ``card:orange:1000``);
* ``allowance:<unit>``: ``minutes`` or ``data-mb`` (the unit slugified).
"""

from __future__ import annotations

import re

from services.common.events.contracts.donations import HARDWARE_CATEGORIES

GRADES = ("a", "b", "c")
ALLOWANCE_UNITS = ("minutes", "data-mb")
OPERATOR = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CENTS = re.compile(r"^[1-9][0-9]{0,5}$")


def why_impossible(product_key: str) -> str | None:
    """Why no stock can ever have ``product_key`` (None: it can)."""
    family, *parts = product_key.split(":")
    if family == "device":
        if len(parts) != 2 or parts[0] not in HARDWARE_CATEGORIES or parts[1] not in GRADES:
            return f"A device key is device:<{'|'.join(HARDWARE_CATEGORIES)}>:<a|b|c>."
    elif family == "card":
        if len(parts) != 2 or not OPERATOR.match(parts[0]) or not CENTS.match(parts[1]):
            return (
                "A card key is card:<operator, slugified: lower case, digits, dashes>:"
                "<face value in cents>, e.g. card:orange:1000 for a 10 EUR card."
            )
    elif family != "allowance" or len(parts) != 1 or parts[0] not in ALLOWANCE_UNITS:
        return f"An allowance key is allowance:<{'|'.join(ALLOWANCE_UNITS)}>."
    return None
