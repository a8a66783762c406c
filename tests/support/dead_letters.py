"""A dead letter made on purpose, whose replay succeeds once its cause is fixed.

Donations learns a site's closing (``inventory.site.status_changed``) only after its opening
(``inventory.site.opened``); before, its handler refuses the event (``SiteNotYetOpened``). A
status published for a site not yet opened, carrying the last attempt of its retry budget, is
dead-lettered at its first failure. Publishing the opening then fixes the cause: replayed,
the status is applied, and donations refuses donations at that site (422 ``site-closed``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from kombu import Connection, Producer

from services.common.events.consumer import ATTEMPT_HEADER
from services.common.events.envelope import CloudEvent, new_event
from services.common.events.topology import Topology


def publish(broker_url: str, topology: Topology, event: CloudEvent, attempt: int = 1) -> None:
    """On the exchange, as a relay would, as the ``attempt``-th delivery."""
    with Connection(broker_url) as connection:
        topology.declare(connection)
        Producer(connection.channel()).publish(
            event.to_json(),
            exchange=topology.exchange_name,
            routing_key=event.type,
            headers={ATTEMPT_HEADER: attempt},
            delivery_mode=2,
            content_type="application/cloudevents+json",
            content_encoding="utf-8",
            message_id=event.id,
            type=event.type,
        )


def closing_of_an_unopened_site(broker_url: str, topology: Topology) -> CloudEvent:
    """Publish a new site's closing before its opening: donations dead-letters it."""
    site_id = str(uuid.uuid4())
    event = new_event(
        "inventory.site.status_changed",
        source="inventory",
        subject=site_id,
        sequence=2,
        data={"site_id": site_id, "open": False, "at": datetime.now(UTC).isoformat()},
    )
    publish(broker_url, topology, event, attempt=topology.max_attempts)
    return event


def open_the_site(broker_url: str, topology: Topology, closing: CloudEvent) -> None:
    """The cause fixed: the site's opening reaches donations."""
    site_id = closing.data["site_id"]
    opened = new_event(
        "inventory.site.opened",
        source="inventory",
        subject=site_id,
        sequence=1,
        data={
            "site_id": site_id,
            "name": f"Site {site_id[:6]}",
            "city": "Lille",
            "kind": "counter",
        },
    )
    publish(broker_url, topology, opened)
