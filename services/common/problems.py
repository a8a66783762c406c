"""RFC 9457 problem details: the one error format of every service and the gateway.

Domain exceptions are mapped to a status and a stable code in one table per service, given
to :func:`install_problem_handlers`. What a client sends never makes a 500: input too deep,
not valid Unicode or out of range that got past the precise checks is still a 4xx (and
logged). Anything unexpected becomes a 500 problem with no stack trace in the body (the trace
goes to the log, with the request id).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, json
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from services.common.log_privacy import database_error

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://connexions-solidaires.example/problems/"


class Problem(Exception):
    """Raise to answer with a problem: ``raise Problem(409, "conflict", "Already received")``.

    ``headers`` are added to the answer (e.g. ``Retry-After``); other keywords go in the body.
    """

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(status: int, code: str, detail: str | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": _title(status),
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    request_id = g.get("request_id") if g else None
    if request_id:
        body["request_id"] = request_id
    body.update(extra)
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_CONTENT_TYPE)


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _code_for(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "-").replace("'", "")


def _details(exc: Exception) -> dict[str, Any]:
    """What a domain refusal adds to its problem (``details()``, where it has one)."""
    details = getattr(exc, "details", None)
    return details() if callable(details) else {}


def install_problem_handlers(
    app: Flask, mapping: dict[type[Exception], tuple[int, str]] | None = None
) -> None:
    """Every error leaves as problem+json; ``mapping`` turns domain errors into statuses."""

    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        response = problem_response(exc.status, exc.code, exc.detail, **exc.extra)
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        data = getattr(exc, "data", None) or {}
        extra = {}
        if "messages" in data:
            extra["errors"] = data["messages"]
        detail = data.get("message") or exc.description
        response = problem_response(exc.code or 500, _code_for(exc), detail, **extra)
        for name, value in exc.get_headers():
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
        return response

    for exception_type, (status, code) in (mapping or {}).items():
        app.register_error_handler(
            exception_type,
            lambda exc, s=status, c=code: problem_response(s, c, str(exc), **_details(exc)),
        )

    @app.errorhandler(IntegrityError)
    def _conflict(exc: IntegrityError) -> Response:
        # A uniqueness or reference check lost a race with a concurrent request.
        log.info("integrity conflict: %s", database_error(exc))
        return problem_response(
            409, "conflict", "The request conflicts with the current state; read it and retry."
        )

    @app.errorhandler(DataError)
    def _unstorable(exc: DataError) -> Response:
        # A value the database refuses as given (a NUL character in text on PostgreSQL, a
        # number out of its column's range): the client's input, not our failure.
        log.info("data refused by the database: %s", database_error(exc))
        return problem_response(
            422, "unstorable-value", "A value cannot be stored as given (e.g. a NUL character)."
        )

    @app.errorhandler(OperationalError)
    def _database_unavailable(exc: OperationalError) -> Response:
        # The database dropped the connection (restart, failover: the pool is then renewed),
        # is unreachable, or gave up on a lock (deadlock): nothing was written, try again.
        log.warning("database unavailable: %s", database_error(exc))
        response = problem_response(
            503, "database-unavailable", "The database could not serve the request; retry."
        )
        response.headers["Retry-After"] = "1"
        return response

    # Safety nets: input the precise checks (the JSON parser, the schemas' bounds) should
    # have refused, found out deeper. Still the client's input, said as such, and logged with
    # the trace so the missing check gets written.
    @app.errorhandler(RecursionError)
    def _too_deep(exc: RecursionError) -> Response:
        log.warning("input nested too deep for a request", exc_info=exc)
        return problem_response(400, "input-too-deep", "The input is nested too deeply.")

    @app.errorhandler(UnicodeEncodeError)
    def _not_unicode(exc: UnicodeEncodeError) -> Response:
        log.warning("text that is not valid Unicode reached the code", exc_info=exc)
        return problem_response(
            422, "unstorable-value", "A text is not valid Unicode (e.g. a lone surrogate)."
        )

    @app.errorhandler(OverflowError)
    def _out_of_range(exc: OverflowError) -> Response:
        log.warning("a value out of range reached the code", exc_info=exc)
        return problem_response(422, "value-out-of-range", "A number or date is out of range.")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error")
        return problem_response(500, "internal-error", "An unexpected error occurred.")
