"""Every service's readiness at once, for ``/health``: asked at most every ``CACHE_SECONDS``.

``/health`` needs no key (load balancers and operators call it), so however often it is
asked, each service's readiness (a database query and a broker connection) is checked at
most that often.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from services.gateway.upstreams import JsonReply, Upstreams, UpstreamUnavailable

CACHE_SECONDS = 2.0
EXTENSION = "gateway.readiness"


class Readiness:
    """The services' health as ``/health`` answers it, and whether every one is up."""

    def __init__(self, upstreams: Upstreams, *, timeout: float) -> None:
        self._upstreams = upstreams
        self._timeout = timeout
        self._lock = threading.Lock()
        self._until = 0.0
        self._answer: tuple[dict[str, Any], bool] = ({}, False)

    def check(self) -> tuple[dict[str, Any], bool]:
        with self._lock:  # one check at a time; the others take its answer
            if time.monotonic() >= self._until:
                self._answer = self._check_all()
                self._until = time.monotonic() + CACHE_SECONDS
            return self._answer

    def _check_all(self) -> tuple[dict[str, Any], bool]:
        replies = self._upstreams.get_json_from_all("/health/ready", self._timeout)
        services = {name: service_health(reply) for name, reply in replies.items()}
        up = all(state["status"] == "up" for state in services.values())
        return {"status": "up" if up else "degraded", "services": services}, up


def service_health(reply: JsonReply | UpstreamUnavailable) -> dict[str, Any]:
    if isinstance(reply, UpstreamUnavailable):
        return {"status": "down", "error": str(reply)}
    body = reply.body if isinstance(reply.body, dict) else {}
    ready = reply.status == 200 and body.get("status") == "ready"
    state: dict[str, Any] = {"status": "up" if ready else "down"}
    if isinstance(body.get("checks"), dict):
        state["checks"] = body["checks"]
    if not ready:
        state["error"] = f"Not ready (HTTP {reply.status})."
    return state
