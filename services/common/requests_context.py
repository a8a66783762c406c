"""``X-Request-ID``: accepted from the caller or generated, echoed, logged, and carried into
events as their correlation id."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, g, request

from services.common.correlation import (
    bind_correlation_id,
    current_correlation_id,
    unbind_correlation_id,
)

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def incoming_request_id() -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _ACCEPTABLE.match(given) else str(uuid.uuid4())


def install_request_ids(app: Flask) -> None:
    @app.before_request
    def _take_request_id() -> None:
        g.request_id = incoming_request_id()
        g.correlation_token = bind_correlation_id(g.request_id)

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
        return response

    @app.teardown_request
    def _forget_request_id(_exc: BaseException | None) -> None:
        token = g.pop("correlation_token", None)
        if token is not None:
            unbind_correlation_id(token)


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` to every log record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_correlation_id() or "-"
        return True
