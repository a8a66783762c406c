"""Which product keys can exist, as inventory names its stock (``services/inventory/domain/
products.py``): a price for any other key would never price anything.

* ``device:<category>:<grade>``: a hardware category (``smartphone``, ``laptop``, …) and a
  cosmetic grade ``a``, ``b`` or ``c``;
* ``card:<operator>:<face value>``: the operator slugified (lower-case ASCII letters, digits
  and dashes: "SFR Réunion" is ``sfr-reunion``) and the face value in cents (a 10 EUR card
  is ``card:orange:1000``);
* ``allowance:<unit>``: ``minutes`` or ``data-mb`` (the unit slugified).

A key of the right shape may still be one no stock has ever held: a product not received yet
(priced ahead, as expected), or a slip such as ``card:orange:10`` (a 10-cent card) for
``card:orange:1000``. Which is which only the admin knows, so such an entry is published and
named in the answer's ``warnings`` (:func:`never_held`), not refused.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

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


def never_held(keys: Iterable[str], held: Collection[str]) -> list[dict]:
    """A warning for each of ``keys`` (each a key that can exist) not in ``held``, the keys
    inventory has ever counted at some site: its price prices nothing until some stock has
    it. Under one euro a card's face value is most likely euros typed as cents: the warning
    names the key it would then be."""
    warnings = []
    for key in keys:
        if key in held:
            continue
        detail = f"No stock has ever held {key}: this price applies once inventory counts one."
        family, *parts = key.split(":")
        if family == "card" and int(parts[1]) < 100:
            euros = int(parts[1])
            detail += (
                f" Card face values are in cents: card:{parts[0]}:{euros * 100}"
                f" is a {euros} EUR card."
            )
        warnings.append({"product_key": key, "code": "never-in-stock", "detail": detail})
    return warnings
