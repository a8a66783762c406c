"""``/openapi.json``: the combined document of every service and the gateway
(``combined_openapi.py``), open to all."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from services.gateway.combined_openapi import EXTENSION, CombinedDocument

openapi = Blueprint("openapi", __name__)


@openapi.get("/openapi.json")
def combined_openapi():
    document: CombinedDocument = current_app.extensions[EXTENSION]
    return Response(document.json(), mimetype="application/json")
