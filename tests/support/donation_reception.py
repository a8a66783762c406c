"""A donation's lines, its prepaid cards given their codes, and the donation received whole,
through the gateway (the system, fault and browser tests).

``client`` is any of their gateway clients: ``url``, ``http`` (a ``requests`` session holding
its key) and ``post(path, body)`` under ``/api/``.
"""

from __future__ import annotations

from collections.abc import Iterable


def fairphones(quantity: int, **more) -> dict:
    """An announced line of ``quantity`` Fairphone 4 smartphones (``more``: imeis, …)."""
    return {
        "kind": "hardware_lot",
        "category": "smartphone",
        "quantity": quantity,
        "brand": "Fairphone",
        "model": "4",
        **more,
    }


def orange_cards(quantity: int) -> dict:
    """An announced line of ``quantity`` Orange 10 EUR prepaid cards."""
    return {
        "kind": "prepaid_cards",
        "quantity": quantity,
        "operator": "Orange",
        "product_name": "Recharge 10 EUR",
        "face_value_cents": 1000,
        "expiry_date": "2099-12-31",
    }


def upload_card_codes(client, donation: dict, rows: Iterable[str], *, timeout: float = 10) -> None:
    """The codes of ``donation``'s prepaid cards: one ``serial,pin`` row a card."""
    line = next(line for line in donation["lines"] if line["kind"] == "prepaid_cards")
    response = client.http.put(
        f"{client.url}/api/donations/donations/{donation['id']}/lines/{line['id']}/codes",
        data=("serial,pin\n" + "\n".join(rows)).encode(),
        headers={"Content-Type": "text/csv"},
        timeout=timeout,
    )
    assert response.status_code == 200, f"{response.status_code} {response.text}"


def receive_whole(client, donation: dict) -> None:
    """Every line of ``donation`` received as announced."""
    client.post(
        f"donations/donations/{donation['id']}/reception",
        {
            "lines": [
                {"line_id": line["id"], "received_quantity": line["expected_quantity"]}
                for line in donation["lines"]
            ]
        },
    )
