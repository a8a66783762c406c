"""The README's webhook receiver example, run as written against a real delivery."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.auth import as_partner
from tests.support.webhook_receiver import Receiver
from tests.support.webhook_service import new_partner, register, settings, settle

README = Path(__file__).resolve().parents[2] / "README.md"
MARKER = "<!-- webhook-receiver-example -->"


def readme_receiver() -> dict:
    """The example's namespace: the fenced block right after the marker, executed."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(MARKER) + len(MARKER) :]
    [code] = re.findall(r"\A\s*```python\n(.*?)\n```", after, flags=re.S)
    namespace: dict = {}
    exec(compile(code, "README.md (webhook receiver)", "exec"), namespace)  # noqa: S102
    return namespace


def test_the_readme_receiver_verifies_a_real_delivery(service_on_sqlite):
    verify = readme_receiver()["verify"]
    service = service_on_sqlite("donations", own=settings())
    partner = new_partner(service.client)
    with Receiver() as receiver:
        endpoint = register(service.client, partner, receiver.url, kinds=["webhook.test"])
        ping = f"/webhooks/{endpoint['id']}/ping"
        assert service.client.post(ping, headers=as_partner(partner)).status_code == 202
        settle(service.runtime, lambda: receiver.received)
    [delivery] = receiver.received

    payload = verify(delivery.body, delivery.headers, endpoint["secret"])
    assert (payload["type"], payload["partner_id"]) == ("webhook.test", partner)
    with pytest.raises(ValueError, match="no valid signature"):
        verify(delivery.body + b" ", delivery.headers, endpoint["secret"])
    with pytest.raises(ValueError, match="no valid signature"):
        other = "whsec_" + "A" * 43 + "="
        verify(delivery.body, delivery.headers, other)
