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


def impact_figures(
    partner_id: str, stage_counts: list[tuple[str, str, int]], sales: dict[str, Any]
) -> dict[str, Any]:
    """``stage_counts``: (donation, stage, devices) rows; ``sales``: the sales figures."""
    by_donation: dict[str, dict[str, int]] = {}
    for donation_id, stage, count in stage_counts:
        by_donation.setdefault(donation_id, dict.fromkeys(STAGES, 0))[stage] = count
    totals = {stage: sum(d[stage] for d in by_donation.values()) for stage in STAGES}
    return {
        "partner_id": partner_id,
        "devices_received": sum(totals.values()),
        "devices": totals,
        **sales,
        "donations": [
            {"donation_id": donation_id, "devices_received": sum(d.values()), **d}
            for donation_id, d in sorted(by_donation.items())
        ],
    }
