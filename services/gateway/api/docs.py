"""``/docs``: Swagger UI on the combined OpenAPI document, every asset served from here.

The Swagger UI files come from the ``swagger-ui-py`` package (no CDN: counters may be
offline from the internet). "Authorize" takes an API key; "Try it out" then calls the API.
The key is kept in the page only (never in ``localStorage``, which ``/app`` shares: the screens
promise the key stays in the tab), and the pages get the same security headers as ``/app``.
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui
from flask import Blueprint, Response, send_from_directory

from services.common.problems import Problem

ASSETS = Path(swagger_ui.__file__).resolve().parent / "static"
SERVED_ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"})

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Connexions solidaires API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="docs"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/start.js"></script>
</body>
</html>
"""

START = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#docs",
  deepLinking: true,
  persistAuthorization: false,
  displayRequestDuration: true
});
"""


# As /app's, except that Swagger UI sets inline styles, draws its icons as data: images and
# fetches the document and "Try it out" calls from here.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

docs = Blueprint("docs", __name__, url_prefix="/docs")


@docs.get("")
def docs_page():
    return Response(PAGE, mimetype="text/html")


@docs.get("/start.js")
def docs_start():
    return Response(START, mimetype="text/javascript")


@docs.get("/assets/<name>")
def docs_asset(name: str):
    if name not in SERVED_ASSETS:
        raise Problem(404, "not-found", "No such documentation asset.")
    return send_from_directory(ASSETS, name, max_age=3600)


@docs.after_request
def _secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response
