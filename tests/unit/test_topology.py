from services.common.events.topology import SUBSCRIPTIONS, Topology


def test_service_queue_is_a_quorum_queue_dead_lettering_to_its_dead_queue():
    topology = Topology(namespace="ns", retry_delays=(1, 5), delivery_limit=7)
    queue = topology.queue("inventory")
    assert queue.name == "ns.inventory"
    assert queue.durable
    assert queue.queue_arguments["x-queue-type"] == "quorum"
    assert queue.queue_arguments["x-delivery-limit"] == 7
    assert queue.queue_arguments["x-dead-letter-routing-key"] == "ns.inventory.dead"
    assert sorted(b.routing_key for b in queue.bindings) == sorted(SUBSCRIPTIONS["inventory"])
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
