"""``/health/live`` (the gateway itself) and ``/health`` (every service's readiness at once,
see ``readiness.py``); both open, and documented here for the combined OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from services.gateway.readiness import CACHE_SECONDS, EXTENSION, Readiness

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

health = Blueprint("health", __name__)


@health.get("/health/live")
def gateway_live():
    return {"status": "up", "service": "gateway"}


@health.get("/health")
def gateway_health():
    readiness: Readiness = current_app.extensions[EXTENSION]
    body, up = readiness.check()
    return body, 200 if up else 503
