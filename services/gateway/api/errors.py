"""ERRORS: why the gateway refuses, mapped once to an HTTP status and a stable problem code.

Installed with ``install_problem_handlers`` by ``create_app``; an exception's ``details()``
adds members to the problem. Refusals at the door (401, 403, 429) carry headers
(``WWW-Authenticate``, ``Retry-After``) and are raised as problems by ``authentication.py``
and ``rate_limits.py``.
"""

from __future__ import annotations

from services.gateway.key_scopes import ScopeRefused, ScopeUnverifiable
from services.gateway.keys import InvalidScope, UnknownKey
from services.gateway.upstreams import UpstreamTimeout, UpstreamUnavailable

ERRORS: dict[type[Exception], tuple[int, str]] = {
    UpstreamTimeout: (504, "upstream-timeout"),
    UpstreamUnavailable: (502, "upstream-unavailable"),
    UnknownKey: (404, "not-found"),
    InvalidScope: (422, "invalid-scope"),
    ScopeRefused: (422, "invalid-scope"),
    ScopeUnverifiable: (503, "scope-unverifiable"),
}
