"""Environmental impact of the devices sold: CO2e and raw materials avoided, mass recycled.

A refurbished device sold instead of a new one avoids, per year of extra use, the share of
a new device's making that its use replaces (ADEME 2022, "Évaluation de l'impact
environnemental d'un ensemble de produits reconditionnés"). For one device line::

    avoided = units × factor per year of extra use × assumed extra years

frozen on the order line when the sale is recorded, with the factor set's version, as its
prices are: a later factor set never rewrites a past sale. Cards and allowances avoid
nothing here. A scrapped device avoids nothing either: it counts as recycled mass (its
category's mass in the factor set). Figures are kept in integer grams, shown in kg.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Factor:
    """One category's factors in a published factor set."""

    category: str
    co2e_g_per_year: int
    materials_g_per_year: int
    extra_years: float
    mass_g: int


@dataclass(frozen=True)
class Avoided:
    """What a line avoids, frozen on it; ``factor_version`` None: not a device."""

    co2e_g: int
    materials_g: int
    factor_version: int | None


NOT_A_DEVICE = Avoided(0, 0, None)


def device_category(product_key: str) -> str | None:
    """``device:laptop:b`` → ``laptop``; None for a card or an allowance."""
    family, _, rest = product_key.partition(":")
    return rest.split(":", 1)[0] if family == "device" and rest else None


def avoided(
    product_key: str, quantity: int, factors: dict[str, Factor], version: int | None
) -> Avoided:
    """A line of ``quantity`` units of ``product_key``, by the factor set ``version``
    (``factors`` by category). A category the set has no factor for counts 0."""
    category = device_category(product_key)
    if category is None:
        return NOT_A_DEVICE
    factor = factors.get(category)
    if factor is None:
        return Avoided(0, 0, version)
    return Avoided(
        quantity * round(factor.co2e_g_per_year * factor.extra_years),
        quantity * round(factor.materials_g_per_year * factor.extra_years),
        version,
    )


def recycled_g(category: str, factors: dict[str, Factor]) -> int:
    """The mass a scrapped device of ``category`` sends to the recycler (0 if unknown)."""
    factor = factors.get(category)
    return factor.mass_g if factor is not None else 0


def grams(kilograms: float) -> int:
    return round(kilograms * 1000)


def kg(grams_: int | None) -> float:
    """Grams as kilograms (three decimals: the gram stays exact)."""
    return round((grams_ or 0) / 1000, 3)


def per_unit(total_g: int | None, quantity: int) -> int:
    """A line's frozen total for one of its units (exact: a total is units × per unit)."""
    return (total_g or 0) // quantity if quantity else 0
