"""``infra/rabbitmq/definitions.json`` is the code's topology, and its users' permissions
cover what each service does and nothing of the other services'."""

from __future__ import annotations

import importlib
import json
import re

import pytest

from scripts.rabbitmq_definitions import ADMIN_USER, password_env_var, password_matches, render
from services.common.config import SERVICES_WITH_DATABASE
from services.common.events.topology import SUBSCRIPTIONS, Topology
from tests.infra.repository import DEFINITIONS, ENV_EXAMPLE, read_env_file

VHOST = "connexions"


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads(DEFINITIONS.read_text())


def by_name(entries: list[dict], key: str = "name") -> dict[str, dict]:
    return {entry[key]: entry for entry in entries}


def test_the_committed_definitions_are_what_the_code_renders(committed):
    assert committed == render(Topology()), "stale: run `make definitions` and commit the file"


def test_every_queue_has_exactly_the_arguments_the_workers_declare(committed):
    topology = Topology()
    queues = by_name(committed["queues"])
    declared = [queue for service in SUBSCRIPTIONS for queue in topology.service_queues(service)]
    assert set(queues) == {queue.name for queue in declared}
    for queue in declared:
        assert queues[queue.name]["arguments"] == queue.queue_arguments, queue.name
        assert queues[queue.name]["durable"] and queues[queue.name]["vhost"] == VHOST
        assert queues[queue.name]["arguments"]["x-queue-type"] == "quorum"
    exchange = committed["exchanges"][0]
    assert (exchange["name"], exchange["type"], exchange["durable"]) == (
        "connexions.events",
        "topic",
        True,
    )


def test_each_service_queue_is_bound_to_the_types_it_consumes(committed):
    bound = {}
    for binding in committed["bindings"]:
        assert binding["source"] == "connexions.events"
        bound.setdefault(binding["destination"], set()).add(binding["routing_key"])
    topology = Topology()
    expected = {
        topology.queue_name(service, lane): set(topology.subscriptions(service, lane))
        for service in SUBSCRIPTIONS
        for lane in topology.lanes(service)
    }
    assert bound == expected
    assert bound["connexions.inventory.saga"] >= {"sales.order.placed", "sales.order.cancelled"}


def test_there_is_no_guest_and_each_service_has_its_own_user(committed):
    users = by_name(committed["users"])
    assert set(users) == {ADMIN_USER, *SERVICES_WITH_DATABASE}
    assert users[ADMIN_USER]["tags"] == ["administrator"]
    assert all(users[service]["tags"] == [] for service in SERVICES_WITH_DATABASE)
    assert {p["user"] for p in committed["permissions"]} == set(users)


def test_the_hashes_are_of_the_development_passwords_of_the_env_example(committed):
    example = read_env_file(ENV_EXAMPLE)
    for user in committed["users"]:
        password = example[password_env_var(user["name"])]
        assert "dev-only" in password
        assert password_matches(password, user["password_hash"]), user["name"]
        assert not password_matches(password + "x", user["password_hash"])


def _matches(pattern: str, name: str) -> bool:
    return re.search(pattern, name) is not None


def test_a_service_may_touch_its_own_queues_and_none_of_the_others(committed):
    topology = Topology()
    permissions = by_name(committed["permissions"], "user")
    for service in SERVICES_WITH_DATABASE:
        allowed = permissions[service]
        own = [q.name for q in topology.service_queues(service)]
        assert _matches(allowed["configure"], topology.exchange_name)
        assert all(_matches(allowed["configure"], name) for name in own)
        assert _matches(allowed["write"], topology.exchange_name)  # the relay publishes
        assert _matches(allowed["write"], "amq.default")  # retries and dead letters
        for queue in topology.consumed_queue_names(service):  # the consumers, one per lane
            assert _matches(allowed["read"], queue)
        assert _matches(allowed["read"], topology.dead_queue_name(service))  # replays
        for other in SERVICES_WITH_DATABASE:
            if other == service:
                continue
            for queue in topology.service_queues(other):
                for access in ("configure", "write", "read"):
                    assert not _matches(allowed[access], queue.name), (service, access, queue.name)


def test_a_service_publishes_its_own_event_types_and_binds_only_what_it_consumes(committed):
    topics = by_name(committed["topic_permissions"], "user")
    for service in SERVICES_WITH_DATABASE:
        own_types = importlib.import_module(f"services.common.events.contracts.{service}").CONTRACTS
        for event_type in own_types:
            assert _matches(topics[service]["write"], event_type), (service, event_type)
            for other in SERVICES_WITH_DATABASE:
                if other != service:
                    assert not _matches(topics[other]["write"], event_type), (other, event_type)
        consumed = SUBSCRIPTIONS.get(service, ())
        for event_type in {t for types in SUBSCRIPTIONS.values() for t in types}:
            assert _matches(topics[service]["read"], event_type) == (event_type in consumed)
