"""``/docs``: Swagger UI on the combined OpenAPI document, every asset served from here.

The Swagger UI files come from the ``swagger-ui-py`` package (no CDN: counters may be
offline from the internet). "Authorize" takes an API key; "Try it out" then calls the API.
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui
from flask import Flask, Response, send_from_directory

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
  persistAuthorization: true,
  displayRequestDuration: true
});
"""


def init_app(app: Flask) -> None:
    @app.get("/docs")
    def docs_page():
        return Response(PAGE, mimetype="text/html")

    @app.get("/docs/start.js")
    def docs_start():
        return Response(START, mimetype="text/javascript")

    @app.get("/docs/assets/<name>")
    def docs_asset(name: str):
        if name not in SERVED_ASSETS:
            raise Problem(404, "not-found", "No such documentation asset.")
        return send_from_directory(ASSETS, name, max_age=3600)
