"""Who is acting and at which counter: two headers until the security issue replaces them.

``X-Actor`` names the person (default ``unknown``); ``X-Site-Id`` the counter the request
comes from. Each is read in one function here, shared by every service, so authentication
changes only this module.
"""

from __future__ import annotations

import uuid

from flask import request

from services.common.problems import Problem

ACTOR_HEADER = "X-Actor"
SITE_HEADER = "X-Site-Id"
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


def counter_site_id() -> str:
    """The site of the counter making the request; required where an order is placed."""
    raw = request.headers.get(SITE_HEADER, "").strip()
    try:
        return str(uuid.UUID(raw))
    except ValueError as exc:
        raise Problem(
            400, "counter-site-required", f"{SITE_HEADER} must name the counter's site (UUID)."
        ) from exc
