"""The web front end: static files served at ``/app/``, no build step, no CDN, no logic.

Everything under ``static/`` is plain HTML, CSS and ES modules; the browser calls the same
public API (``/api/...``) with the user's own key, so the gateway holds no business rule for
the screens. Counters may be offline from the internet: every asset is served from here.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, redirect, send_from_directory

STATIC = Path(__file__).resolve().parent / "static"

# Only our own files run; the key never leaves in a Referer; no framing (clickjacking).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; frame-src blob:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

frontend = Blueprint("frontend", __name__)


@frontend.get("/")
def root():
    return redirect("/app/", code=302)


@frontend.get("/app/")
def index():
    return send_from_directory(STATIC, "index.html", max_age=0)


@frontend.get("/app/<path:name>")
def asset(name: str):
    return send_from_directory(STATIC, name, max_age=0)  # revalidated: ETag, no stale code


@frontend.after_request
def _secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(frontend)
