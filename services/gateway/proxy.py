"""``/api/<service>/<path>``: forwarded to the service, its answer streamed back.

Request guards are the one hook point in front of forwarding (authentication goes there).
A guard is a callable ``guard(forwarding: Forwarding) -> Response | Mapping | None``,
registered with :func:`add_request_guard` and run in registration order, with
``flask.request`` and ``flask.g`` available:

* return a ``Response`` (e.g. ``problem_response(401, ...)``) to refuse: it is answered as
  is, nothing is forwarded and later guards do not run;
* return a mapping of headers to set on the upstream request (e.g. a signed internal
  token); a header mapped to ``None`` is removed (e.g. the client's API key); later
  guards override earlier ones;
* return ``None`` to let the request through unchanged.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO
from urllib.parse import quote

import urllib3
from flask import Flask, g, request
from werkzeug.wrappers import Response

from services.common.metrics import record_upstream_status, upstream_call
from services.common.problems import Problem
from services.common.requests_context import REQUEST_ID_HEADER
from services.common.tracing import inject_trace_context
from services.gateway.upstreams import Upstreams

GUARDS_EXTENSION = "gateway.request_guards"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
CHUNK_BYTES = 64 * 1024
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
# Set by the gateway itself, or meaningless beyond this hop.
_NOT_FORWARDED = HOP_BY_HOP | {"host", "expect", "x-request-id", "x-forwarded-for"}
# The gateway's own server adds these.
_NOT_RETURNED = HOP_BY_HOP | {"date", "server"}
_PATH_SAFE = "/:@!$&'()*+,;="
_QUERY_SAFE = _PATH_SAFE + "?%"


@dataclass(frozen=True)
class Forwarding:
    """What a request guard is asked about: ``/api/<service>/<path>``."""

    service: str
    path: str


GuardResult = Response | Mapping[str, str | None] | None
RequestGuard = Callable[[Forwarding], GuardResult]


def add_request_guard(app: Flask, guard: RequestGuard) -> None:
    app.extensions.setdefault(GUARDS_EXTENSION, []).append(guard)


def init_app(app: Flask, upstreams: Upstreams) -> None:
    guards: list[RequestGuard] = app.extensions.setdefault(GUARDS_EXTENSION, [])

    def forward(service: str, path: str) -> Response:
        if service not in upstreams:
            raise Problem(404, "unknown-service", f"There is no service named {service!r}.")
        if posixpath.normpath("/" + path) == "/metrics":  # for Prometheus, not the public
            raise Problem(404, "not-found", "Metrics are not served through the gateway.")
        outcome = _run_guards(guards, Forwarding(service, path))
        if isinstance(outcome, Response):
            return outcome
        with upstream_call(service):
            reply = upstreams.send(
                service,
                request.method,
                _target(path),
                headers=_upstream_headers(outcome),
                body=_body(),
            )
        record_upstream_status(service, reply.status)
        return _relay(reply, upstreams, service)

    options = {"methods": METHODS, "provide_automatic_options": False}
    app.add_url_rule(
        "/api/<service>/",
        "proxy_root",
        forward,
        defaults={"path": ""},
        strict_slashes=False,
        **options,
    )
    app.add_url_rule("/api/<service>/<path:path>", "proxy", forward, **options)


def _run_guards(guards: list[RequestGuard], forwarding: Forwarding) -> GuardResult:
    headers: dict[str, str | None] = {}
    for guard in guards:
        outcome = guard(forwarding)
        if isinstance(outcome, Response):
            return outcome
        headers.update(outcome or {})
    return headers


def _target(path: str) -> str:
    target = "/" + quote(path, safe=_PATH_SAFE)
    if request.query_string:
        target += "?" + quote(request.query_string, safe=_QUERY_SAFE)
    return target


def _upstream_headers(extra: Mapping[str, str | None]) -> urllib3.HTTPHeaderDict:
    named_by_connection = {
        token.strip().lower() for token in request.headers.get("Connection", "").split(",")
    }
    headers = urllib3.HTTPHeaderDict()
    not_forwarded = _NOT_FORWARDED | named_by_connection
    if _chunked():  # re-chunked on the way out: a length the client also gave would lie
        not_forwarded |= {"content-length"}
    for name, value in request.headers.items():
        if name.lower() not in not_forwarded:
            headers.add(name, value)
    forwarded_for = request.headers.get("X-Forwarded-For")
    client = request.remote_addr or "unknown"
    headers["X-Forwarded-For"] = f"{forwarded_for}, {client}" if forwarded_for else client
    headers[REQUEST_ID_HEADER] = g.request_id
    inject_trace_context(headers)  # the gateway's span (the caller's traceparent, if off)
    for name, value in extra.items():
        headers.discard(name)
        if value is not None:
            headers[name] = value
    return headers


def _body() -> IO[bytes] | None:
    """The request body as a stream (never read whole here), or None when there is none."""
    return request.stream if request.content_length or _chunked() else None


def _chunked() -> bool:
    return "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def _relay(reply: urllib3.BaseHTTPResponse, upstreams: Upstreams, service: str) -> Response:
    headers = [
        (name, upstreams.public_location(service, value) if name.lower() == "location" else value)
        for name, value in reply.headers.items()
        if name.lower() not in _NOT_RETURNED
    ]
    response = Response(
        _Relay(reply), status=reply.status, headers=headers, direct_passthrough=True
    )
    if "Content-Type" not in reply.headers:
        del response.headers["Content-Type"]
    return response


class _Relay:
    """The service's body, chunk by chunk as it comes; closing gives the connection back."""

    def __init__(self, reply: urllib3.BaseHTTPResponse) -> None:
        self._reply = reply

    def __iter__(self):
        return self._reply.stream(CHUNK_BYTES, decode_content=False)

    def close(self) -> None:
        if not self._reply.closed:  # abandoned half-read: that connection cannot be reused
            self._reply.close()
        self._reply.release_conn()
