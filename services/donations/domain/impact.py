"""The partner impact: where its donated devices stand, what was sold, whom it reached.

Fed by inventory's and sales' events (never by their tables); the figures are counts over
the rows those events leave, so they match the other services' records exactly once the
events have flowed, whatever order they arrived in.
"""

from __future__ import annotations

from typing import Any

STAGE_OF_EVENT = {
    "inventory.device.received": "in_workshop",
    "inventory.device.made_available": "refurbished",
    "inventory.device.scrapped": "scrapped",
}
STAGES = ("in_workshop", "refurbished", "scrapped")


MB_PER_GB = 1000


def kg(grams: int | None) -> float:
    return round((grams or 0) / 1000, 3)


def impact_figures(
    partner_id: str,
    stage_counts: list[tuple[str, str, int]],
    sales: dict[str, Any],
    avoided: list[tuple[str | None, int, int, int]] = (),
    donated: tuple[int, int] = (0, 0),
) -> dict[str, Any]:
    """``stage_counts``: (donation, stage, devices) rows; ``sales``: the sales figures;
    ``avoided``: (donation, devices sold, g CO2e, g materials) as sales froze them at each
    sale; ``donated``: (MB of data, minutes) the partner's received donations gave."""
    by_donation: dict[str, dict[str, int]] = {}
    for donation_id, stage, count in stage_counts:
        by_donation.setdefault(donation_id, dict.fromkeys(STAGES, 0))[stage] = count
    totals = {stage: sum(d[stage] for d in by_donation.values()) for stage in STAGES}
    avoided_of = {donation_id: figures for donation_id, *figures in avoided}
    co2e_g = sum(co2e or 0 for _devices, co2e, _materials in avoided_of.values())
    materials_g = sum(materials or 0 for _devices, _co2e, materials in avoided_of.values())
    data_mb, minutes = donated
    return {
        "partner_id": partner_id,
        "devices_received": sum(totals.values()),
        "devices": totals,
        **sales,
        "co2e_kg": kg(co2e_g),
        "materials_kg": kg(materials_g),
        "data_gb_donated": round(data_mb / MB_PER_GB, 3),
        "minutes_donated": minutes,
        "donations": [
            {
                "donation_id": donation_id,
                "devices_received": sum(d.values()),
                **d,
                **_avoided(avoided_of.get(donation_id)),
            }
            for donation_id, d in sorted(by_donation.items())
        ],
    }


def _avoided(figures) -> dict[str, Any]:
    devices, co2e, materials = figures or (0, 0, 0)
    return {"devices_sold": devices, "co2e_kg": kg(co2e), "materials_kg": kg(materials)}
