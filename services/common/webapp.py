"""The app-factory pieces every service shares: OpenAPI, problems, request ids, health."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify

from services.common.authorization import check_declared, document_security, install_authorization
from services.common.metrics import install_http_metrics
from services.common.problem_api import ProblemApi
from services.common.problems import install_problem_handlers
from services.common.requests_context import install_request_ids
from services.common.runtime import ServiceRuntime
from services.common.tokens import TokenVerifier, load_verify_key
from services.common.tracing import configure_tracing, install_request_tracing
from services.common.unit_of_work import UnitOfWork

MAX_BODY_BYTES = 10 * 1024 * 1024


def current_runtime() -> ServiceRuntime:
    return current_app.extensions["runtime"]


def execute(command: Any) -> Any:
    """Run ``command`` through its use case (the service's ``COMMAND_HANDLERS``) in a new
    unit of work; the use case commits. Views call this and serialise what it returns."""
    handler = current_app.extensions["commands"][type(command)]
    return handler(current_runtime().unit_of_work(), command)


def create_service_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    blueprints: Iterable[Any],
    errors: dict[type[Exception], tuple[int, str]] | None = None,
    commands: dict[type, Callable[[UnitOfWork, Any], Any]] | None = None,
    config: dict[str, Any] | None = None,
) -> Flask:
    """A service's app; ``config`` may carry ``TOKEN_VERIFIER`` (default: the key file's)."""
    app = Flask(runtime.name, static_folder=None)
    app.config.update(
        API_TITLE=title,
        API_VERSION="1.0",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        API_SPEC_OPTIONS={"info": {"description": f"{title} of Connexions solidaires."}},
    )
    config = dict(config or {})
    verifier = config.pop("TOKEN_VERIFIER", None) or TokenVerifier(load_verify_key(), runtime.name)
    app.config.update(config)
    app.extensions["runtime"] = runtime
    app.extensions["commands"] = dict(commands or {})
    api = ProblemApi(app)
    document_security(api.spec)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.register_blueprint(health_blueprint())
    install_request_ids(app)
    install_http_metrics(app, runtime.name)
    configure_tracing(runtime.name)
    install_request_tracing(app, runtime.name)
    install_authorization(app, verifier)
    check_declared(app)
    install_problem_handlers(app, errors)
    return app


def health_blueprint() -> Blueprint:
    health = Blueprint("health", __name__)

    @health.get("/health/live")
    def live():
        return jsonify(status="up", service=current_runtime().name)

    @health.get("/health/ready")
    def ready():
        runtime = current_runtime()
        checks = {
            "database": _check(runtime.check_database),
            "broker": _check(runtime.check_broker),
        }
        ok = all(state == "up" for state in checks.values())
        body = {"status": "ready" if ok else "not-ready", "service": runtime.name, "checks": checks}
        return jsonify(body), 200 if ok else 503

    return health


def _check(probe) -> str:
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", said in the body
        return f"down: {type(exc).__name__}"
    return "up"
