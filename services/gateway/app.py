"""The gateway's app factory: its settings read once, everything wired when the app is created.

The gateway is not a ``ServiceDefinition``: it owns no outbox, consumes no event and runs no
worker. It authenticates (``authentication.py``), limits (``rate_limits.py``) and forwards
(``proxy.py``) to the services (``upstreams.py``); its own views are in ``api/``.
"""

from __future__ import annotations

from flask import Flask

from services.common.metrics import install_gateway_metrics
from services.common.problem_api import ProblemApi
from services.common.problems import install_problem_handlers
from services.common.requests_context import install_request_ids
from services.common.tokens import TokenIssuer, load_signing_key
from services.common.tracing import configure_tracing, install_request_tracing
from services.gateway import authentication, combined_openapi, frontend, proxy, readiness
from services.gateway import settings as gateway_settings
from services.gateway.api import BLUEPRINTS, OPEN_BLUEPRINTS
from services.gateway.api.errors import ERRORS
from services.gateway.api.health import HEALTH_PATHS
from services.gateway.authentication import Authentication
from services.gateway.key_scopes import KeyScopes
from services.gateway.keys import KeyStore
from services.gateway.rate_limits import RateLimits
from services.gateway.settings import Settings
from services.gateway.upstreams import Upstreams


def create_app(settings: Settings | None = None) -> Flask:
    """Build the gateway on ``settings`` (default: :meth:`Settings.from_env`)."""
    settings = settings or Settings.from_env()
    app = Flask("gateway", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions[gateway_settings.EXTENSION] = settings
    upstreams = Upstreams(
        settings.upstreams,
        timeout=settings.upstream_timeout,
        pool_size=settings.upstream_pool_size,
    )
    app.extensions["upstreams"] = upstreams
    own_api = _own_api(app)  # before the problem handlers, which must override smorest's
    install_request_ids(app)
    install_gateway_metrics(app)
    configure_tracing("gateway")
    install_request_tracing(app, "gateway")
    install_problem_handlers(app, ERRORS)
    keys = KeyStore(settings.database_url, cache_seconds=settings.key_cache_seconds)
    keys.listen()
    app.extensions["gateway.keys"] = keys
    issuer = TokenIssuer(load_signing_key(), settings.token_ttl_seconds)
    limits = RateLimits(
        settings.rate_limit, settings.auth_failure_limit, settings.rate_limit_storage
    )
    app.extensions[readiness.EXTENSION] = readiness.Readiness(
        upstreams, timeout=settings.probe_timeout
    )
    app.extensions[combined_openapi.EXTENSION] = combined_openapi.CombinedDocument(
        upstreams,
        timeout=settings.probe_timeout,
        ttl=settings.openapi_cache_seconds,
        own_document=own_api.spec.to_dict,
        open_paths=HEALTH_PATHS,
    )
    for blueprint in OPEN_BLUEPRINTS:
        app.register_blueprint(blueprint)
    frontend.init_app(app)  # the web screens at /app/, static files only
    scopes = KeyScopes(
        upstreams,
        issuer,
        timeout=settings.probe_timeout,
        cache_seconds=settings.scope_cache_seconds,
    )
    app.extensions["gateway.key_scopes"] = scopes
    authentication.init_app(app, Authentication(keys, issuer, limits, scopes))
    proxy.init_app(app, upstreams)
    return app


def _own_api(app: Flask) -> ProblemApi:
    """The gateway's own operations (keys, me), documented but not served as a document."""
    app.config.update(
        API_TITLE="Gateway",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=None,
    )
    api = ProblemApi(app)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    return api
