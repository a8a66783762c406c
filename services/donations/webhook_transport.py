"""Sending one webhook delivery: resolve once, vet, connect to the vetted address, sign.

* The host is resolved once (:func:`system_resolver`) and every address vetted by the
  policy (``domain/webhooks.py``); the connection then goes to the vetted IP itself, with
  the URL's host name as TLS server name, certificate host and ``Host`` header, so nothing
  can answer a second resolution differently (DNS rebinding).
* Redirects are not followed (a 3xx is a failed attempt), the connect and total times are
  bounded and at most ``max_response_bytes`` of the answer are read.
* Signatures follow Standard Webhooks (``standardwebhooks``): ``webhook-signature`` is
  ``v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">``, one per valid
  secret (two during a rotation's overlap), separated by a space.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import urllib3
from standardwebhooks.webhooks import Webhook
from urllib3.exceptions import HTTPError, ReadTimeoutError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from services.donations.domain.errors import WebhookUrlRefused
from services.donations.domain.webhooks import Resolver, failure_of_status, vet

USER_AGENT = "Connexions-solidaires-webhooks/1"
_CHUNK = 8192


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, once (``getaddrinfo``)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def signature(secrets: Sequence[str], webhook_id: str, at: datetime, body: bytes) -> str:
    """The ``webhook-signature`` header: one ``v1,…`` signature per valid secret."""
    return " ".join(Webhook(secret).sign(webhook_id, at, body) for secret in secrets)


@dataclass(frozen=True)
class Outcome:
    status: int | None
    failure: str | None  # None: delivered; timeout, connect, refused, http_status, gone
    error: str | None
    latency_ms: int


@dataclass(frozen=True)
class Limits:
    connect_seconds: float
    total_seconds: float
    max_response_bytes: int
    allow_loopback: bool


def deliver(
    url: str,
    webhook_id: str,
    secrets: Sequence[str],
    body: bytes,
    limits: Limits,
    resolve: Resolver = system_resolver,
    now: datetime | None = None,
) -> Outcome:
    """POST ``body`` to ``url``, signed; the outcome, never an exception."""
    started = time.monotonic()

    def outcome(status: int | None, failure: str | None, error: str | None) -> Outcome:
        latency = int((time.monotonic() - started) * 1000)
        return Outcome(status, failure, error and error[:300], latency)

    try:
        target = vet(url, resolve, allow_loopback=limits.allow_loopback)
    except WebhookUrlRefused as exc:
        return outcome(None, "connect" if exc.reason == "dns" else "refused", str(exc))
    at = now or datetime.now().astimezone()
    headers = {
        "Host": target.host if target.port in (80, 443) else f"{target.host}:{target.port}",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature(secrets, webhook_id, at, body),
    }
    timeout = urllib3.Timeout(connect=limits.connect_seconds, read=limits.total_seconds)
    pool = _pool(target, timeout)
    deadline = started + limits.total_seconds
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            retries=False,
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            _read_capped(response, limits.max_response_bytes, deadline)
        finally:
            response.release_conn()
    except (ReadTimeoutError, Urllib3Timeout, TimeoutError) as exc:
        return outcome(None, "timeout", f"timed out: {type(exc).__name__}")
    except (HTTPError, OSError) as exc:
        return outcome(None, "connect", f"could not connect: {type(exc).__name__}")
    except _TooSlow:
        return outcome(response.status, "timeout", "the answer took longer than allowed")
    finally:
        pool.close()
    status = response.status
    failure = failure_of_status(status)
    return outcome(status, failure, None if failure is None else f"answered {status}")


class _TooSlow(Exception):
    pass


def _pool(target, timeout) -> urllib3.HTTPConnectionPool:
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            maxsize=1,
            retries=False,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    return urllib3.HTTPConnectionPool(
        target.address, target.port, timeout=timeout, maxsize=1, retries=False
    )


def _read_capped(response, limit: int, deadline: float) -> int:
    """Read at most ``limit`` bytes of the answer, and not beyond the deadline."""
    read = 0
    while read < limit:
        if time.monotonic() > deadline:
            raise _TooSlow
        chunk = response.read(min(_CHUNK, limit - read))
        if not chunk:
            break
        read += len(chunk)
    return read
