"""``/health/live`` (the gateway itself) and ``/health`` (every service's readiness at once)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from services.gateway.upstreams import JsonReply, Upstreams, UpstreamUnavailable


def init_app(app: Flask, upstreams: Upstreams, *, timeout: float) -> None:
    @app.get("/health/live")
    def gateway_live():
        return {"status": "up", "service": "gateway"}

    @app.get("/health")
    def gateway_health():
        replies = upstreams.get_json_from_all("/health/ready", timeout)
        services = {name: service_health(reply) for name, reply in replies.items()}
        up = all(state["status"] == "up" for state in services.values())
        return {"status": "up" if up else "degraded", "services": services}, 200 if up else 503


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
