import json
import uuid

import pytest

from services.common.events.contracts import EVENT_CONTRACTS
from services.common.events.envelope import InvalidEvent, new_event, parse_event
from services.common.events.topology import SUBSCRIPTIONS


def site_opened(**overrides):
    data = {"site_id": str(uuid.uuid4()), "name": "Lyon", "city": "Lyon", "kind": "counter"}
    data.update(overrides)
    return new_event(
        "inventory.site.opened", source="inventory", subject=data["site_id"], data=data, sequence=1
    )


def test_event_round_trips_through_json():
    event = site_opened()
    parsed = parse_event(event.to_json().encode())
    assert parsed == event


def test_envelope_carries_cloudevents_attributes():
    body = json.loads(site_opened().to_json())
    assert body["specversion"] == "1.0"
    assert body["datacontenttype"] == "application/json"
    assert {"id", "source", "type", "time", "subject", "data", "correlationid", "sequence"} <= set(
        body
    )


def test_correlation_defaults_to_the_event_itself():
    event = site_opened()
    assert event.correlationid == event.id
    assert event.causationid is None


def test_traceparent_is_an_optional_extension_attribute():
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    event = site_opened()
    assert "traceparent" not in json.loads(event.to_json())  # tracing off: as events were
    assert parse_event(event.to_json()).traceparent is None
    traced = json.loads(event.to_json()) | {"traceparent": traceparent}
    assert parse_event(json.dumps(traced)).traceparent == traceparent
    with pytest.raises(InvalidEvent, match="traceparent"):
        parse_event(json.dumps(traced | {"traceparent": "not a traceparent"}))


def test_refuses_to_build_an_event_whose_data_breaks_its_contract():
    with pytest.raises(InvalidEvent, match="data invalid"):
        site_opened(kind="castle")


def test_refuses_to_build_an_event_of_unknown_type():
    with pytest.raises(InvalidEvent, match="unknown event type"):
        new_event("inventory.castle.built", source="x", subject="s", data={}, sequence=1)


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"{nope", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"specversion": "0.3"}', "envelope invalid"),
    ],
)
def test_rejects_bytes_that_are_not_an_event(body, reason):
    with pytest.raises(InvalidEvent, match=reason):
        parse_event(body)


def test_rejects_a_received_event_whose_data_breaks_its_contract():
    body = json.loads(site_opened().to_json())
    body["data"]["surprise"] = True
    with pytest.raises(InvalidEvent, match="data invalid"):
        parse_event(json.dumps(body))


def test_rejects_a_received_event_of_unknown_type():
    body = json.loads(site_opened().to_json())
    body["type"] = "inventory.castle.built"
    with pytest.raises(InvalidEvent, match="unknown event type"):
        parse_event(json.dumps(body))


def test_every_subscribed_type_has_a_contract():
    subscribed = {t for types in SUBSCRIPTIONS.values() for t in types}
    assert subscribed <= set(EVENT_CONTRACTS)
