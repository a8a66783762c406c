"""Partner webhooks: the rules, in plain Python.

* **Where we may send** (:func:`vet`): an ``https`` URL whose host resolves only to global
  addresses. Loopback, private (RFC 1918, IPv6 ULA), link-local (with the cloud metadata
  address 169.254.169.254), multicast, unspecified, reserved and every other non-global
  address are refused, at registration and again before each delivery; the delivery then
  connects to the very address vetted (no second resolution an attacker could answer
  differently). ``allow_loopback`` (the test-only setting ``WEBHOOKS_ALLOW_LOOPBACK_HTTP``)
  admits loopback addresses, over plain ``http`` too, and nothing else.
* **When to try again** (:func:`next_attempt`): exponential back-off with jitter, until the
  retry window (24 h by default) has passed since the delivery was made.
* **What a failure was** (:func:`failure_of_status`): ``timeout``, ``connect`` (DNS or
  connection), ``refused`` (the address policy), ``http_status`` (any answer but 2xx),
  ``gone`` (410: the endpoint is disabled at once).
"""

from __future__ import annotations

import base64
import ipaddress
import random
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from services.donations.domain.errors import WebhookUrlRefused

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
MAX_URL_LENGTH = 2000
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]  # (host, port) → addresses, as strings


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: ``whsec_`` + base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


# the address policy ---------------------------------------------------------------------------


def refusal_of(address: str, *, allow_loopback: bool) -> str | None:
    """Why ``address`` may not be sent to (``None``: it may)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return refusal_of(str(embedded), allow_loopback=allow_loopback)
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    if ip.is_link_local:
        return "a link-local address (cloud metadata among them)"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a non-global address"
    return None


def _embedded_ipv4(ip: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class Target:
    """Where one delivery goes: the URL's parts and the one address vetted for it."""

    scheme: str
    host: str
    port: int
    path: str  # with the query
    address: str


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an endpoint URL, or :class:`WebhookUrlRefused`."""
    if len(url) > MAX_URL_LENGTH:
        raise WebhookUrlRefused(f"A webhook URL has at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookUrlRefused(f"Not a URL: {exc}.") from exc
    if parts.scheme not in ("https", "http"):
        raise WebhookUrlRefused("A webhook URL starts with https://.")
    if not parts.hostname:
        raise WebhookUrlRefused("A webhook URL names a host.")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused("A webhook URL carries no user name or password.")
    if parts.fragment:
        raise WebhookUrlRefused("A webhook URL has no #fragment.")
    default = 443 if parts.scheme == "https" else 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or default, path


def vet(url: str, resolve: Resolver, *, allow_loopback: bool) -> Target:
    """The target of ``url`` if every address its host resolves to may be sent to; else
    :class:`WebhookUrlRefused`, saying why."""
    scheme, host, port, path = parse(url)
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = list(dict.fromkeys(resolve(host, port)))
        except OSError as exc:
            raise WebhookUrlRefused(f"The host {host} cannot be resolved.", reason="dns") from exc
    if not addresses:
        raise WebhookUrlRefused(f"The host {host} resolves to no address.", reason="dns")
    for address in addresses:
        refusal = refusal_of(address, allow_loopback=allow_loopback)
        if refusal is not None:
            raise WebhookUrlRefused(f"The host {host} resolves to {refusal}.", reason="address")
    if scheme != "https" and not all(_is_loopback(a) for a in addresses):
        raise WebhookUrlRefused("A webhook URL starts with https://.")
    return Target(scheme, host, port, path, addresses[0])


def _is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    embedded = _embedded_ipv4(ip)
    return (embedded or ip).is_loopback


# retries --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 5.0
    cap_seconds: float = 3600.0
    window_seconds: float = 24 * 3600.0
    disable_after_seconds: float = 24 * 3600.0


def next_attempt(
    policy: RetryPolicy,
    attempts: int,
    created_at: datetime,
    now: datetime,
    jitter: Callable[[], float] = random.random,
) -> datetime | None:
    """When to try a delivery again after ``attempts`` failed tries (``None``: give up).

    The delay doubles from ``base_seconds`` up to ``cap_seconds``, each drawn between half
    and all of it ("equal jitter", so retries of many deliveries spread); the last try falls
    at the end of the window, so a delivery is tried for the whole window."""
    deadline = created_at + timedelta(seconds=policy.window_seconds)
    if now >= deadline:
        return None
    ceiling = min(policy.base_seconds * 2 ** max(attempts - 1, 0), policy.cap_seconds)
    delay = ceiling / 2 + jitter() * ceiling / 2
    return min(now + timedelta(seconds=delay), deadline)


def failure_of_status(status: int) -> str | None:
    """The failure class of an HTTP answer (``None``: delivered)."""
    if 200 <= status < 300:
        return None
    return "gone" if status == 410 else "http_status"


def should_disable(policy: RetryPolicy, failing_since: datetime | None, now: datetime) -> bool:
    """An endpoint failing without a single success for ``disable_after_seconds`` is disabled."""
    if failing_since is None:
        return False
    return now - failing_since >= timedelta(seconds=policy.disable_after_seconds)


# batching -------------------------------------------------------------------------------------


def chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
