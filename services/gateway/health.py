"""``/health/live`` (the gateway itself) and ``/health`` (every service's readiness at once).

``/health`` needs no key (load balancers and operators call it), so its answer is kept for
``CACHE_SECONDS``: however often it is asked, each service's readiness (a database query and
a broker connection) is checked at most that often.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask

from services.gateway.upstreams import JsonReply, Upstreams, UpstreamUnavailable

CACHE_SECONDS = 2.0

_SERVICE_STATE = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["up", "down"]},
        "checks": {"type": "object", "description": "database and broker, each ok or not"},
        "error": {"type": "string"},
    },
}
_HEALTH = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["up", "degraded"]},
        "services": {"type": "object", "additionalProperties": _SERVICE_STATE},
    },
}
# The gateway's own open paths, for the combined OpenAPI document (no key: security []).
HEALTH_PATHS: dict[str, Any] = {
    "/health": {
        "get": {
            "summary": "Every service's readiness (database and broker), checked at most every "
            f"{CACHE_SECONDS:g} s; no key needed",
            "security": [],
            "responses": {
                "200": {
                    "description": "every service is up",
                    "content": {"application/json": {"schema": _HEALTH}},
                },
                "503": {
                    "description": "some service is down or not ready: `degraded`",
                    "content": {"application/json": {"schema": _HEALTH}},
                },
            },
        }
    },
    "/health/live": {
        "get": {
            "summary": "The gateway process answers (it checks nothing behind it); no key needed",
            "security": [],
            "responses": {"200": {"description": '`{"status": "up", "service": "gateway"}`'}},
        }
    },
}


def init_app(app: Flask, upstreams: Upstreams, *, timeout: float) -> None:
    lock = threading.Lock()
    cached: dict[str, Any] = {"until": 0.0, "answer": None}

    @app.get("/health/live")
    def gateway_live():
        return {"status": "up", "service": "gateway"}

    @app.get("/health")
    def gateway_health():
        with lock:  # one check at a time; the others take its answer
            if time.monotonic() >= cached["until"]:
                cached["answer"] = _check_all(upstreams, timeout)
                cached["until"] = time.monotonic() + CACHE_SECONDS
            body, up = cached["answer"]
        return body, 200 if up else 503


def _check_all(upstreams: Upstreams, timeout: float) -> tuple[dict[str, Any], bool]:
    replies = upstreams.get_json_from_all("/health/ready", timeout)
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
