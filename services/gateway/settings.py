"""The gateway's settings: one frozen object, read from the environment once, at start.

Every variable is in the README's configuration table. ``create_app()`` reads them with
:meth:`Settings.from_env`; tests and the embedded system pass their own (overrides).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from services.common.config import default_database_url, env_float, env_int, env_str
from services.common.tokens import token_ttl_seconds

EXTENSION = "gateway.settings"

# service -> (environment variable holding its base URL, default for the embedded/local mode)
UPSTREAM_URLS = {
    "donations": ("DONATIONS_URL", "http://127.0.0.1:8081"),
    "inventory": ("INVENTORY_URL", "http://127.0.0.1:8082"),
    "sales": ("SALES_URL", "http://127.0.0.1:8083"),
}


@dataclass(frozen=True)
class Settings:
    upstreams: Mapping[str, str]  # service name -> its base URL
    database_url: str  # the API keys
    upstream_timeout: float
    upstream_pool_size: int  # keep-alive connections per service
    probe_timeout: float  # asking a service for its health, its document, a key's scope
    openapi_cache_seconds: float
    max_body_bytes: int
    rate_limit: str  # per key, in the ``limits`` library's notation
    auth_failure_limit: str  # failed authentications per client address
    rate_limit_storage: str
    key_cache_seconds: float
    scope_cache_seconds: float
    token_ttl_seconds: int  # the internal tokens minted for each forwarded request

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """The environment's settings; ``overrides`` (by field name) replace some of them."""
        settings: dict[str, Any] = {
            "upstreams": {name: env_str(var, url) for name, (var, url) in UPSTREAM_URLS.items()},
            "database_url": database_url(),
            "upstream_timeout": env_float("GATEWAY_UPSTREAM_TIMEOUT", 10.0),
            "upstream_pool_size": env_int("GATEWAY_UPSTREAM_POOL_SIZE", 32),
            "probe_timeout": env_float("GATEWAY_PROBE_TIMEOUT", 2.0),
            "openapi_cache_seconds": 30.0,
            "max_body_bytes": env_int("GATEWAY_MAX_BODY_BYTES", 10 * 1024 * 1024),
            "rate_limit": env_str("GATEWAY_RATE_LIMIT", "50/second;1000/minute"),
            "auth_failure_limit": env_str("GATEWAY_AUTH_FAILURE_LIMIT", "30/minute"),
            "rate_limit_storage": env_str("GATEWAY_RATE_LIMIT_STORAGE", "memory://"),
            "key_cache_seconds": env_float("GATEWAY_KEY_CACHE_SECONDS", 30.0),
            "scope_cache_seconds": env_float("GATEWAY_SCOPE_CACHE_SECONDS", 30.0),
            "token_ttl_seconds": token_ttl_seconds(),
        }
        return cls(**{**settings, **overrides})


def database_url() -> str:
    """The API keys' database (``GATEWAY_DATABASE_URL``), for the app and ``keys_cli``."""
    return env_str("GATEWAY_DATABASE_URL", default_database_url("gateway"))


def current_settings() -> Settings:
    """The running gateway's settings, for its views."""
    return current_app.extensions[EXTENSION]
