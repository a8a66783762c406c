"""The gateway's app factory: settings from the environment, wired when the app is created."""

from __future__ import annotations

from typing import Any

from flask import Flask

from services.common.config import env_float, env_int, env_str
from services.common.problems import install_problem_handlers
from services.common.requests_context import install_request_ids
from services.gateway import health, openapi, proxy
from services.gateway.upstreams import UPSTREAM_ERRORS, Upstreams

# service -> (environment variable holding its base URL, default for the embedded/local mode)
UPSTREAM_URLS = {
    "donations": ("DONATIONS_URL", "http://127.0.0.1:8081"),
    "inventory": ("INVENTORY_URL", "http://127.0.0.1:8082"),
    "sales": ("SALES_URL", "http://127.0.0.1:8083"),
}


def default_settings() -> dict[str, Any]:
    return {
        "UPSTREAMS": {name: env_str(var, url) for name, (var, url) in UPSTREAM_URLS.items()},
        "UPSTREAM_TIMEOUT": env_float("GATEWAY_UPSTREAM_TIMEOUT", 10.0),
        "UPSTREAM_POOL_SIZE": env_int("GATEWAY_UPSTREAM_POOL_SIZE", 32),
        "PROBE_TIMEOUT": env_float("GATEWAY_PROBE_TIMEOUT", 2.0),
        "OPENAPI_CACHE_SECONDS": 30.0,
    }


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the gateway; ``config`` overrides the settings read from the environment."""
    app = Flask("gateway", static_folder=None)
    app.config.update(default_settings())
    app.config.update(config or {})
    upstreams = Upstreams(
        app.config["UPSTREAMS"],
        timeout=app.config["UPSTREAM_TIMEOUT"],
        pool_size=app.config["UPSTREAM_POOL_SIZE"],
    )
    app.extensions["upstreams"] = upstreams
    install_request_ids(app)
    install_problem_handlers(app, UPSTREAM_ERRORS)
    probe_timeout = app.config["PROBE_TIMEOUT"]
    health.init_app(app, upstreams, timeout=probe_timeout)
    openapi.init_app(app, upstreams, timeout=probe_timeout, ttl=app.config["OPENAPI_CACHE_SECONDS"])
    proxy.init_app(app, upstreams)
    return app
