"""The public catalogue of webhook event kinds: what a partner's endpoint may subscribe to.

A contract of its own, versioned apart from our internal event types (those may change
shape between services; these may not change under a partner). Each kind names its version
(``v1``); a change that is not backward compatible becomes a new version of the kind, and
both are delivered to the endpoints that asked for each until the old one is withdrawn.

Every delivery's body is one JSON object::

    {"type": "devices.refurbished", "version": "v1", "timestamp": "…Z",
     "partner_id": "…", "data": {"items": [ … one object per fact … ]}}

``data.items`` lists the facts of one kind for one partner gathered within a short window
(a 10,000-device reception makes a few deliveries, not 10,000); ``webhook.test`` has one
item. The README's "Webhooks" section shows each kind's items.
"""

from __future__ import annotations

from dataclasses import dataclass

CATALOGUE_VERSION = "2026-12"


@dataclass(frozen=True)
class EventKind:
    name: str
    version: str
    description: str
    item_fields: tuple[str, ...]


KINDS: dict[str, EventKind] = {
    kind.name: kind
    for kind in (
        EventKind(
            "donation.received",
            "v1",
            "A donation of yours was received at a site, line by line, with the difference"
            " between what was announced and what arrived.",
            ("donation_id", "site_id", "received_at", "lines"),
        ),
        EventKind(
            "devices.refurbished",
            "v1",
            "Devices from your gifts were refurbished and made available.",
            ("device_id", "donation_id", "category", "at"),
        ),
        EventKind(
            "devices.scrapped",
            "v1",
            "Devices from your gifts could not be refurbished and went to a WEEE recycler.",
            ("device_id", "donation_id", "category", "at"),
        ),
        EventKind(
            "devices.sold",
            "v1",
            "Devices from your gifts were sold to a beneficiary at a solidarity price.",
            ("item_id", "donation_id", "order_id", "at"),
        ),
        EventKind(
            "cards.sold",
            "v1",
            "Prepaid cards from your gifts were sold to a beneficiary.",
            ("item_id", "donation_id", "order_id", "quantity", "at"),
        ),
        EventKind(
            "impact.monthly_ready",
            "v1",
            "Your impact figures of a closed month are ready to read (GET /partners/{id}/impact).",
            ("month", "impact"),
        ),
        EventKind(
            "webhook.test",
            "v1",
            "A test ping you asked for (POST /webhooks/{id}/ping); always delivered.",
            ("message",),
        ),
    )
}

SUBSCRIBABLE = tuple(KINDS)


def version_of(kind: str) -> str:
    return KINDS[kind].version
