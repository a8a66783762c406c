from services.common.events.topology import SUBSCRIPTIONS, Topology


def test_service_queue_is_a_quorum_queue_dead_lettering_to_its_dead_queue():
    topology = Topology(namespace="ns", retry_delays=(1, 5), delivery_limit=7)
    queue = topology.queue("inventory")
    assert queue.name == "ns.inventory"
    assert queue.durable
    assert queue.queue_arguments["x-queue-type"] == "quorum"
    assert queue.queue_arguments["x-delivery-limit"] == 7
    assert queue.queue_arguments["x-dead-letter-routing-key"] == "ns.inventory.dead"
    bulk = [t for t in SUBSCRIPTIONS["inventory"] if not t.startswith("sales.order.")]
    assert sorted(b.routing_key for b in queue.bindings) == sorted(bulk)
    assert all(
        b.exchange.name == "ns.events" and b.exchange.type == "topic" for b in queue.bindings
    )


def test_retry_queues_wait_then_feed_the_service_queue_again():
    topology = Topology(namespace="ns", retry_delays=(1, 5))
    first, second = topology.retry_queues("sales")
    assert (first.name, second.name) == ("ns.sales.retry.1", "ns.sales.retry.2")
    assert first.queue_arguments["x-message-ttl"] == 1000
    assert second.queue_arguments["x-message-ttl"] == 5000
    assert first.queue_arguments["x-dead-letter-exchange"] == ""
    assert first.queue_arguments["x-dead-letter-routing-key"] == "ns.sales"
    assert topology.max_attempts == 3


def test_every_service_handles_every_type_it_subscribes_to():
    from services.donations.app import SERVICE as DONATIONS
    from services.inventory.app import SERVICE as INVENTORY
    from services.sales.app import SERVICE as SALES

    for service in (DONATIONS, INVENTORY, SALES):
        assert set(service.handlers) == set(SUBSCRIPTIONS[service.name]), service.name


def test_saga_event_types_travel_on_a_lane_of_their_own_by_their_family():
    from services.common.events.topology import BULK, SAGA, lane_of

    assert lane_of("sales.order.placed") == SAGA
    assert lane_of("sales.order.completion_requested") == SAGA  # a type added later
    assert lane_of("inventory.reservation.commit_refused") == SAGA
    assert lane_of("donations.donation.received") == BULK
    assert lane_of("inventory.availability.changed") == BULK
    assert lane_of("sales.orders.digest") == BULK  # the family is "sales.order.", exactly


def test_each_lane_has_its_queue_and_retries_and_the_service_one_dead_letter_queue():
    topology = Topology(namespace="ns", retry_delays=(1, 5), delivery_limit=7)
    saga, bulk = topology.queue("inventory", "saga"), topology.queue("inventory")
    assert (saga.name, bulk.name) == ("ns.inventory.saga", "ns.inventory")
    saga_types = {b.routing_key for b in saga.bindings}
    bulk_types = {b.routing_key for b in bulk.bindings}
    assert saga_types | bulk_types == set(SUBSCRIPTIONS["inventory"])
    assert not saga_types & bulk_types
    assert all(t.startswith(("sales.order.", "inventory.reservation.")) for t in saga_types)
    assert saga.queue_arguments == bulk.queue_arguments  # same delivery limit, same dead end
    first, _ = topology.retry_queues("inventory", "saga")
    assert first.name == "ns.inventory.saga.retry.1"
    assert first.queue_arguments["x-dead-letter-routing-key"] == "ns.inventory.saga"
    names = [queue.name for queue in topology.service_queues("inventory")]
    assert names.count("ns.inventory.dead") == 1 and len(names) == len(set(names)) == 7
