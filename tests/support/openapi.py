"""OpenAPI documents for tests generated from them: the write operations a service declares,
and references followed."""

from __future__ import annotations

from typing import Any


def json_writes(client):
    """(method, path, roles, sorted body fields) of each operation taking a JSON body."""
    document = client.get("/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            schema = resolved(document, body["schema"])
            yield method.upper(), path, operation["x-roles"], sorted(schema.get("properties", {}))


def resolved(document: dict, node: dict) -> dict:
    """``node`` with its ``$ref`` followed (through as many as it takes) in ``document``."""
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node
