"""The broker topology, declared once as data and used by code and by ``infra/``.

* one durable topic exchange ``<ns>.events``; the routing key is the event type;
* per consuming service and *lane* a quorum queue bound to the types of that lane it consumes:
  ``<ns>.<service>.saga`` for the sale saga's events (:func:`lane_of`), ``<ns>.<service>`` for
  everything else (intake, catalogue, impact projections). Each lane has a consumer of its own,
  so a reservation decision never waits behind a bulk intake or a projection backlog;
* per lane and retry step a quorum queue ``<lane queue>.retry.<n>`` whose messages wait
  ``delay`` seconds and then dead-letter back into the lane's queue (the back-off);
* one dead-letter queue ``<ns>.<service>.dead`` per service for what still fails after the last
  retry, and for what the broker gives up on after ``delivery_limit`` redeliveries (a consumer
  that crashes on a message). A replay sends each message back to its lane's queue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kombu import Connection, Exchange, Queue, binding

from services.common.config import MessagingSettings

# Which service consumes which event types. The contracts live in ``contracts.py``.
SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    "donations": (
        "inventory.site.opened",
        "inventory.site.status_changed",
        "inventory.device.received",
        "inventory.device.made_available",
        "inventory.device.scrapped",
        "inventory.reservation.committed",
        "sales.order.completed",
    ),
    "inventory": (
        "donations.donation.received",
        "donations.card_codes.sealed",
        "sales.order.placed",
        "sales.order.completion_requested",
        "sales.order.cancelled",
        "sales.sale_digest.published",
        "sales.sale_digest.itemised",
    ),
    "sales": (
        "inventory.site.opened",
        "inventory.availability.changed",
        "inventory.reservation.accepted",
        "inventory.reservation.rejected",
        "inventory.reservation.committed",
        "inventory.reservation.commit_refused",
        "inventory.reservation.released",
        "inventory.reservation.expired",
        "inventory.sale_digest.disputed",
        "inventory.device.scrapped",
    ),
}

# The sale saga's lane: every type of these families, present and future, travels apart.
SAGA_TYPE_PREFIXES = ("sales.order.", "inventory.reservation.")
SAGA = "saga"
BULK = "bulk"
LANES = (SAGA, BULK)


def lane_of(event_type: str) -> str:
    """The lane (queue and consumer) an event type travels on."""
    return SAGA if event_type.startswith(SAGA_TYPE_PREFIXES) else BULK


_AT_LEAST_ONCE_DEAD_LETTERING = {
    "x-queue-type": "quorum",
    "x-dead-letter-exchange": "",
    "x-dead-letter-strategy": "at-least-once",
    "x-overflow": "reject-publish",
}


@dataclass(frozen=True)
class Topology:
    namespace: str = "connexions"
    retry_delays: tuple[float, ...] = (1.0, 5.0, 25.0)
    delivery_limit: int = 10

    @classmethod
    def from_settings(cls, settings: MessagingSettings) -> Topology:
        return cls(settings.namespace, settings.retry_delays, settings.delivery_limit)

    # names ---------------------------------------------------------------------------------
    @property
    def exchange_name(self) -> str:
        return f"{self.namespace}.events"

    def queue_name(self, service: str, lane: str = BULK) -> str:
        base = f"{self.namespace}.{service}"
        return base if lane == BULK else f"{base}.{lane}"

    def retry_queue_name(self, service: str, attempt: int, lane: str = BULK) -> str:
        return f"{self.queue_name(service, lane)}.retry.{attempt}"

    def dead_queue_name(self, service: str) -> str:
        return f"{self.namespace}.{service}.dead"

    @staticmethod
    def subscriptions(service: str, lane: str) -> tuple[str, ...]:
        """The types ``service`` consumes on ``lane``."""
        return tuple(t for t in SUBSCRIPTIONS.get(service, ()) if lane_of(t) == lane)

    def lanes(self, service: str) -> tuple[str, ...]:
        """The lanes ``service`` consumes something on: one queue and one consumer each."""
        return tuple(lane for lane in LANES if self.subscriptions(service, lane))

    def consumed_queue_names(self, service: str) -> list[str]:
        return [self.queue_name(service, lane) for lane in self.lanes(service)]

    @property
    def routed_types(self) -> frozenset[str]:
        """Event types some service consumes: publishing one that no queue takes is an error."""
        return frozenset(t for types in SUBSCRIPTIONS.values() for t in types)

    @property
    def max_attempts(self) -> int:
        """Deliveries a message gets through the retry path before it is dead-lettered."""
        return len(self.retry_delays) + 1

    # kombu entities -------------------------------------------------------------------------
    @property
    def exchange(self) -> Exchange:
        return Exchange(self.exchange_name, type="topic", durable=True)

    def queue(self, service: str, lane: str = BULK) -> Queue:
        arguments = {
            **_AT_LEAST_ONCE_DEAD_LETTERING,
            "x-dead-letter-routing-key": self.dead_queue_name(service),
            "x-delivery-limit": self.delivery_limit,
        }
        return Queue(
            self.queue_name(service, lane),
            bindings=[
                binding(self.exchange, routing_key=event_type)
                for event_type in self.subscriptions(service, lane)
            ],
            durable=True,
            queue_arguments=arguments,
        )

    def retry_queues(self, service: str, lane: str = BULK) -> list[Queue]:
        return [
            Queue(
                self.retry_queue_name(service, attempt, lane),
                durable=True,
                queue_arguments={
                    **_AT_LEAST_ONCE_DEAD_LETTERING,
                    "x-dead-letter-routing-key": self.queue_name(service, lane),
                    "x-message-ttl": int(delay * 1000),
                },
            )
            for attempt, delay in enumerate(self.retry_delays, start=1)
        ]

    def dead_queue(self, service: str) -> Queue:
        return Queue(
            self.dead_queue_name(service),
            durable=True,
            queue_arguments={"x-queue-type": "quorum"},
        )

    # declaration -----------------------------------------------------------------------------
    def service_queues(self, service: str) -> list[Queue]:
        """Each lane's queue and its retry queues, then the service's dead-letter queue."""
        queues = []
        for lane in self.lanes(service):
            queues += [self.queue(service, lane), *self.retry_queues(service, lane)]
        return [*queues, self.dead_queue(service)]

    def declare(self, connection: Connection, services: tuple[str, ...] = ()) -> None:
        """Declare the exchange and, for each consuming service given, its queues."""
        channel = connection.default_channel
        self.exchange(channel).declare()
        for service in services:
            for queue in self.service_queues(service):
                queue(channel).declare()


def rabbitmq_definitions(
    topology: Topology, services: tuple[str, ...], *, vhost: str
) -> dict[str, list[dict]]:
    """The topology as RabbitMQ definitions (``rabbitmqctl import_definitions`` format).

    Each service gets a user of its own name, allowed no more than what its relay and its
    consumer do: declare the exchange and its own queues, publish event types named after
    itself, bind its queues to the types it consumes (topic permissions), consume its lanes'
    queues and its dead-letter queue, and republish to the default exchange (retries, dead letters,
    replays). Queues carry exactly the arguments :meth:`Topology.declare` uses, so a worker
    declaring them against a broker loaded with these definitions meets no conflict. Users'
    passwords are not part of the topology: the caller adds ``users``.
    """
    exchange = topology.exchange
    definitions: dict[str, list[dict]] = {
        "vhosts": [{"name": vhost}],
        "permissions": [],
        "topic_permissions": [],
        "exchanges": [
            {
                "name": exchange.name,
                "vhost": vhost,
                "type": exchange.type,
                "durable": exchange.durable,
                "auto_delete": exchange.auto_delete,
                "internal": False,
                "arguments": {},
            }
        ],
        "queues": [],
        "bindings": [],
    }
    for service in services:
        queues = topology.service_queues(service) if service in SUBSCRIPTIONS else []
        for queue in queues:
            definitions["queues"].append(
                {
                    "name": queue.name,
                    "vhost": vhost,
                    "durable": queue.durable,
                    "auto_delete": queue.auto_delete,
                    "arguments": dict(queue.queue_arguments or {}),
                }
            )
            # kombu keeps bindings in a set: sorted, the rendered file is stable.
            for bound in sorted(queue.bindings, key=lambda b: b.routing_key):
                definitions["bindings"].append(
                    {
                        "source": bound.exchange.name,
                        "vhost": vhost,
                        "destination": queue.name,
                        "destination_type": "queue",
                        "routing_key": bound.routing_key,
                        "arguments": {},
                    }
                )
        consumed = topology.consumed_queue_names(service) if queues else []
        dead = [topology.dead_queue_name(service)] if queues else []
        definitions["permissions"].append(
            {
                "user": service,
                "vhost": vhost,
                "configure": _any_of(exchange.name, *(queue.name for queue in queues)),
                "write": _any_of(exchange.name, *consumed, "amq.default"),
                "read": _any_of(exchange.name, *consumed, *dead),
            }
        )
        definitions["topic_permissions"].append(
            {
                "user": service,
                "vhost": vhost,
                "exchange": exchange.name,
                "write": f"^{re.escape(service)}\\.",
                "read": _any_of(*SUBSCRIPTIONS.get(service, ())) if queues else "^$",
            }
        )
    return definitions


def _any_of(*names: str) -> str:
    """A regular expression matching exactly these names."""
    return "^(" + "|".join(re.escape(name) for name in names) + ")$"
