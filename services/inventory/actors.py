"""Who is acting, for the history of every transition.

There is no authentication yet: the caller says who it is in ``X-Actor`` (and, for a
counter, its site in ``X-Site``). The security issue replaces these functions with the
identity carried by the gateway's signed token.
"""

from __future__ import annotations

import uuid

from flask import request

from services.common.problems import Problem

ACTOR_HEADER = "X-Actor"
MAX_ACTOR_LENGTH = 120


def current_actor() -> str:
    actor = request.headers.get(ACTOR_HEADER, "").strip()
    if not actor:
        return "unknown"
    if len(actor) > MAX_ACTOR_LENGTH or not actor.isprintable():
        raise Problem(
            400, "invalid-actor", f"{ACTOR_HEADER} must be printable, {MAX_ACTOR_LENGTH} max."
        )
    return actor


SITE_HEADER = "X-Site"


def current_site() -> str:
    """The counter acting (``X-Site``, a site id) until the gateway's token carries it."""
    raw = request.headers.get(SITE_HEADER, "").strip()
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise Problem(
            400, "site-required", f"{SITE_HEADER} must name your site (its id)."
        ) from None
