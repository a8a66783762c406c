"""The write operations a service's OpenAPI document declares, for tests generated from it."""

from __future__ import annotations


def json_writes(client):
    """(method, path, roles, sorted body fields) of each operation taking a JSON body."""
    document = client.get("/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            schema = body["schema"]
            while "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
            yield method.upper(), path, operation["x-roles"], sorted(schema.get("properties", {}))
