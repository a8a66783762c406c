"""The services behind the gateway: a pool of keep-alive connections each, built at startup.

Failures become two exceptions, mapped to problems in ``api/errors.py``: the service could
not be reached (502) or did not answer in time (504).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, ProtocolError
from urllib3.exceptions import TimeoutError as TimedOut  # not the builtin

log = logging.getLogger(__name__)

SERVICE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# Safe to send again when a pooled connection turns out to have been closed by the service.
_REPLAYABLE = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


class UpstreamUnavailable(Exception):
    """The service could not be reached, or broke the connection."""


class UpstreamTimeout(UpstreamUnavailable):
    """The service did not answer in time."""


@dataclass(frozen=True)
class JsonReply:
    status: int
    body: Any  # None when the body was not JSON


class Upstreams:
    def __init__(self, base_urls: Mapping[str, str], *, timeout: float, pool_size: int) -> None:
        for name in base_urls:
            if not SERVICE_NAME.match(name):
                raise ValueError(f"invalid service name {name!r}: use [a-z0-9_-]")
        self._base_urls = {name: url.rstrip("/") for name, url in base_urls.items()}
        self._prefixes = {name: urlsplit(url).path for name, url in self._base_urls.items()}
        # One pool per service, kept for the app's life (num_pools > services: never evicted).
        manager = urllib3.PoolManager(
            num_pools=len(base_urls) + 1, maxsize=pool_size, block=False, retries=False
        )
        self._pools = {name: manager.connection_from_url(url) for name, url in base_urls.items()}
        self._timeout = timeout

    def __contains__(self, service: object) -> bool:
        return service in self._pools

    def send(
        self,
        service: str,
        method: str,
        target: str,
        *,
        headers: Mapping[str, str],
        body: Any = None,
        timeout: float | None = None,
        preload: bool = False,
    ) -> urllib3.BaseHTTPResponse:
        """Send to ``target`` (path and query below the service's base URL).

        Unless ``preload``, the body is left unread: stream it, then ``release_conn()``.
        """
        try:
            try:
                return self._open(service, method, target, headers, body, timeout, preload)
            except ProtocolError:
                if body is not None or method not in _REPLAYABLE:
                    raise
                # The pooled connection had been closed by the service: once more, afresh.
                return self._open(service, method, target, headers, body, timeout, preload)
        except NewConnectionError as exc:
            log.warning("%s unreachable: %s", service, exc)
            raise UpstreamUnavailable(f"The {service} service could not be reached.") from exc
        except TimedOut as exc:
            log.warning("%s timed out: %s", service, exc)
            seconds = timeout or self._timeout
            raise UpstreamTimeout(
                f"The {service} service did not answer within {seconds} s."
            ) from exc
        except HTTPError as exc:
            log.warning("%s failed: %s", service, exc)
            raise UpstreamUnavailable(f"The {service} service broke the connection.") from exc

    def _open(
        self, service: str, method: str, target: str, headers, body, timeout, preload: bool
    ) -> urllib3.BaseHTTPResponse:
        return self._pools[service].urlopen(
            method,
            self._prefixes[service] + target,
            body=body,
            headers=headers,
            retries=False,
            redirect=False,
            timeout=timeout or self._timeout,
            preload_content=preload,
            decode_content=False,
        )

    def get_json(self, service: str, path: str, timeout: float) -> JsonReply:
        reply = self.send(
            service,
            "GET",
            path,
            headers={"Accept": "application/json"},
            timeout=timeout,
            preload=True,
        )
        try:
            return JsonReply(reply.status, json.loads(reply.data))
        except ValueError:
            return JsonReply(reply.status, None)

    def get_json_from_all(
        self, path: str, timeout: float
    ) -> dict[str, JsonReply | UpstreamUnavailable]:
        """GET ``path`` from every service at once; each answer or the reason it is missing."""
        with ThreadPoolExecutor(max(1, len(self._pools)), thread_name_prefix="probe") as executor:
            futures = {
                name: executor.submit(self._try_json, name, path, timeout) for name in self._pools
            }
        return {name: future.result() for name, future in futures.items()}

    def _try_json(self, service: str, path: str, timeout: float) -> JsonReply | UpstreamUnavailable:
        try:
            return self.get_json(service, path, timeout)
        except UpstreamUnavailable as exc:
            return exc

    def public_location(self, service: str, location: str) -> str:
        """A ``Location`` the service gave, as seen through the gateway (``/api/<service>/...``)."""
        base, prefix = self._base_urls[service], self._prefixes[service]
        if location == base or location.startswith(base + "/"):
            rest = location[len(base) :]
        elif location.startswith(prefix + "/") and not location.startswith("//"):
            rest = location[len(prefix) :]
        else:
            return location
        return f"/api/{service}{rest or '/'}"
