"""Optimistic concurrency on devices: the ETag is the device's version.

A state change must carry ``If-Match`` with the ETag the client last saw: without it the
answer is 428, with a stale one 412 (someone else changed the device meanwhile). The check
runs on the locked row, so two requests with the same ETag cannot both pass.
"""

from __future__ import annotations

from flask import request

from services.common.problems import Problem


def etag_of(version: int) -> str:
    return f'"{version}"'


def require_if_match() -> None:
    """428 before any work when the request names no version."""
    if not request.if_match or request.if_match.star_tag:
        raise Problem(
            428,
            "if-match-required",
            "A state change needs If-Match with the device's ETag (GET /devices/{id}).",
        )


def check_if_match(version: int) -> None:
    """412 unless ``If-Match`` names ``version`` (strong comparison)."""
    if not request.if_match.contains(str(version)):
        raise Problem(
            412,
            "stale-version",
            "The device changed since you read it; read it again and retry.",
            current_etag=etag_of(version),
        )
