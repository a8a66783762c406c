"""Partner webhooks' rules without a network: the address policy on a stubbed resolver (no
test sends traffic anywhere), retries, and signatures against Standard Webhooks' vectors."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from services.donations.domain.errors import WebhookUrlRefused
from services.donations.domain.webhooks import (
    RetryPolicy,
    failure_of_status,
    new_secret,
    next_attempt,
    refusal_of,
    should_disable,
    vet,
)
from services.donations.webhook_transport import signature


def resolving_to(*addresses: str):
    asked = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return list(addresses)

    resolve.asked = asked
    return resolve


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.5",  # RFC 1918
        "172.16.3.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata (link-local)
        "169.254.10.10",
        "fe80::1",  # IPv6 link-local
        "fd00:ec2::254",  # a ULA (AWS's IPv6 metadata address)
        "fc00::1",
        "224.0.0.1",  # multicast
        "ff02::1",
        "0.0.0.0",  # unspecified
        "::",
        "100.64.0.1",  # carrier-grade NAT: not global
        "192.0.2.10",  # documentation: not global
        "240.0.0.1",  # reserved
        "::ffff:10.0.0.1",  # IPv4-mapped private
        "::ffff:169.254.169.254",
        "2002:a00:1::",  # 6to4 of 10.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "127.0.0.1",  # loopback, without the test setting
        "::1",
        "::ffff:127.0.0.1",
    ],
)
def test_refuses_every_non_global_address(address):
    resolve = resolving_to(address)
    with pytest.raises(WebhookUrlRefused) as refused:
        vet("https://partner.example/hooks", resolve, allow_loopback=False)
    assert refused.value.reason == "address"
    assert resolve.asked == [("partner.example", 443)]  # resolved once, never connected


def test_refuses_a_host_when_any_of_its_addresses_is_private():
    resolve = resolving_to("93.184.215.14", "10.1.2.3")
    with pytest.raises(WebhookUrlRefused):
        vet("https://partner.example/", resolve, allow_loopback=False)


def test_a_public_https_url_is_vetted_to_its_first_address():
    target = vet(
        "https://partner.example:8443/in?x=1", resolving_to("93.184.215.14"), allow_loopback=False
    )
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "https",
        "partner.example",
        8443,
        "/in?x=1",
        "93.184.215.14",
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://partner.example/hooks",  # plain http to a public host
        "ftp://partner.example/",
        "https://user:pw@partner.example/",
        "https:///nohost",
        "https://partner.example:99999/",
        "https://partner.example/#frag",
        "javascript:alert(1)",
    ],
)
def test_refuses_urls_that_are_not_plain_https(url):
    with pytest.raises(WebhookUrlRefused):
        vet(url, resolving_to("93.184.215.14"), allow_loopback=False)


def test_the_test_setting_admits_loopback_only():
    assert refusal_of("127.0.0.1", allow_loopback=True) is None
    assert refusal_of("::1", allow_loopback=True) is None
    assert refusal_of("10.0.0.1", allow_loopback=True) == "a private address"
    assert refusal_of("169.254.169.254", allow_loopback=True).startswith("a link-local")
    target = vet("http://localhost:8000/in", resolving_to("127.0.0.1"), allow_loopback=True)
    assert target.address == "127.0.0.1"


def test_an_unresolvable_host_is_refused_as_dns():
    def fails(host, port):
        raise OSError("Name or service not known")

    with pytest.raises(WebhookUrlRefused) as refused:
        vet("https://nowhere.invalid/", fails, allow_loopback=False)
    assert refused.value.reason == "dns"


def test_retries_back_off_with_jitter_for_the_whole_window():
    policy = RetryPolicy(base_seconds=5, cap_seconds=3600, window_seconds=24 * 3600)
    made = datetime(2026, 1, 1, tzinfo=UTC)
    delays = []
    now, attempts = made, 0
    while True:
        attempts += 1
        retry = next_attempt(policy, attempts, made, now, jitter=lambda: 1.0)
        if retry is None:
            break
        delays.append((retry - now).total_seconds())
        now = retry
    assert delays[:4] == [5, 10, 20, 40]
    assert max(delays) == 3600
    assert now == made + timedelta(hours=24)  # the last try at the end of the window
    low = next_attempt(policy, 3, made, made, jitter=lambda: 0.0)
    assert low == made + timedelta(seconds=10)  # half of 20 s: equal jitter


def test_failure_classes_and_disabling():
    assert failure_of_status(204) is None
    assert failure_of_status(410) == "gone"
    assert failure_of_status(302) == "http_status"  # redirects are not followed
    assert failure_of_status(503) == "http_status"
    policy = RetryPolicy(disable_after_seconds=3600)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert not should_disable(policy, None, now)
    assert not should_disable(policy, now - timedelta(minutes=59), now)
    assert should_disable(policy, now - timedelta(hours=1), now)


def test_secrets_are_standard_webhooks_secrets():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24


def test_signature_matches_the_specification_test_vector():
    # Standard Webhooks' published vector (the reference libraries' tests).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    at = datetime.fromtimestamp(1614265330, tz=UTC)
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert signature([secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", at, body) == expected


def test_during_a_rotation_both_secrets_sign_and_either_verifies():
    old, new = new_secret(), new_secret()
    at = datetime.now(UTC)
    header = signature([new, old], "msg_1", at, b"{}")
    assert len(header.split(" ")) == 2
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(at.timestamp()))}
    for secret in (old, new):
        Webhook(secret).verify(b"{}", headers | {"webhook-signature": header})
