"""The gateway's app factory: settings from the environment, wired when the app is created."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api

from services.common.config import default_database_url, env_float, env_int, env_str
from services.common.metrics import install_gateway_metrics
from services.common.problems import install_problem_handlers
from services.common.requests_context import install_request_ids
from services.common.tokens import TokenIssuer, load_signing_key, token_ttl_seconds
from services.common.tracing import configure_tracing, install_request_tracing
from services.gateway import authentication, docs, frontend, health, openapi, proxy
from services.gateway.authentication import Authentication
from services.gateway.key_scopes import KeyScopes
from services.gateway.keys import KeyStore
from services.gateway.keys_api import keys_blp, me_blp
from services.gateway.rate_limits import RateLimits
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
        "DATABASE_URL": env_str("GATEWAY_DATABASE_URL", default_database_url("gateway")),
        "MAX_CONTENT_LENGTH": env_int("GATEWAY_MAX_BODY_BYTES", 10 * 1024 * 1024),
        "RATE_LIMIT": env_str("GATEWAY_RATE_LIMIT", "50/second;1000/minute"),
        "AUTH_FAILURE_LIMIT": env_str("GATEWAY_AUTH_FAILURE_LIMIT", "30/minute"),
        "RATE_LIMIT_STORAGE": env_str("GATEWAY_RATE_LIMIT_STORAGE", "memory://"),
        "KEY_CACHE_SECONDS": env_float("GATEWAY_KEY_CACHE_SECONDS", 30.0),
        "SCOPE_CACHE_SECONDS": env_float("GATEWAY_SCOPE_CACHE_SECONDS", 30.0),
        "TOKEN_TTL_SECONDS": token_ttl_seconds(),
    }


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the gateway; ``config`` overrides the settings read from the environment.

    ``config`` may also carry ``SIGNING_KEY`` (default: the key file, see ``tokens.py``).
    """
    app = Flask("gateway", static_folder=None)
    app.config.update(default_settings())
    app.config.update(config or {})
    upstreams = Upstreams(
        app.config["UPSTREAMS"],
        timeout=app.config["UPSTREAM_TIMEOUT"],
        pool_size=app.config["UPSTREAM_POOL_SIZE"],
    )
    app.extensions["upstreams"] = upstreams
    own_api = _own_api(app)  # before the problem handlers, which must override smorest's
    install_request_ids(app)
    install_gateway_metrics(app)
    configure_tracing("gateway")
    install_request_tracing(app, "gateway")
    install_problem_handlers(app, UPSTREAM_ERRORS)
    keys = KeyStore(app.config["DATABASE_URL"], cache_seconds=app.config["KEY_CACHE_SECONDS"])
    keys.listen()
    app.extensions["gateway.keys"] = keys
    issuer = TokenIssuer(
        app.config.get("SIGNING_KEY") or load_signing_key(), app.config["TOKEN_TTL_SECONDS"]
    )
    limits = RateLimits(
        app.config["RATE_LIMIT"],
        app.config["AUTH_FAILURE_LIMIT"],
        app.config["RATE_LIMIT_STORAGE"],
    )
    probe_timeout = app.config["PROBE_TIMEOUT"]
    health.init_app(app, upstreams, timeout=probe_timeout)
    openapi.init_app(
        app,
        upstreams,
        timeout=probe_timeout,
        ttl=app.config["OPENAPI_CACHE_SECONDS"],
        own_document=own_api.spec.to_dict,
    )
    docs.init_app(app)
    frontend.init_app(app)  # the web screens at /app/, static files only
    scopes = KeyScopes(
        upstreams,
        issuer,
        timeout=probe_timeout,
        cache_seconds=app.config["SCOPE_CACHE_SECONDS"],
    )
    app.extensions["gateway.key_scopes"] = scopes
    authentication.init_app(app, Authentication(keys, issuer, limits, scopes))
    proxy.init_app(app, upstreams)
    return app


def _own_api(app: Flask) -> Api:
    """The gateway's own operations (keys, me), documented but not served as a document."""
    app.config.update(
        API_TITLE="Gateway",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=None,
    )
    api = Api(app)
    api.register_blueprint(keys_blp)
    api.register_blueprint(me_blp)
    return api
