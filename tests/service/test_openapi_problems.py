"""The OpenAPI documents describe errors as they leave: ``application/problem+json`` with the
``Problem`` schema (flask-smorest's own ``Error`` schema, ``application/json`` with an
integer ``code``, would fail every client validating answers against the document)."""

from __future__ import annotations

import jsonschema

from tests.support.auth import as_role


def _problem_responses(document: dict) -> dict[str, dict]:
    return {
        name: response
        for name, response in document["components"]["responses"].items()
        if "content" in response
    }


def test_every_error_response_is_a_problem_under_its_media_type(each_service):
    _, _, client = each_service
    document = client.get("/openapi.json").get_json()
    responses = _problem_responses(document)
    assert {"DEFAULT_ERROR", "UNPROCESSABLE_ENTITY"} <= set(responses)
    for name, response in responses.items():
        assert list(response["content"]) == ["application/problem+json"], name
        schema = response["content"]["application/problem+json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Problem"}, name
    assert "Error" not in document["components"]["schemas"]


def test_a_real_refusal_validates_against_the_documented_problem(each_service):
    name, _, client = each_service
    document = client.get("/openapi.json").get_json()
    schema = document["components"]["schemas"]["Problem"]
    missing = client.get(
        "/openapi-does-not-exist/00000000-0000-0000-0000-000000000000",
        headers=as_role("admin"),
    )
    refused = client.post(
        f"/{_a_collection(document)}", json={"nonsense": 1}, headers=as_role("admin")
    )
    for answer in (missing, refused):
        assert answer.status_code in (404, 422), (name, answer.status_code)
        assert answer.mimetype == "application/problem+json"
        jsonschema.validate(answer.get_json(), schema)


def _a_collection(document: dict) -> str:
    """A path of the document that takes a JSON body by POST and no path parameter."""
    for path, operations in document["paths"].items():
        body = operations.get("post", {}).get("requestBody", {}).get("content", {})
        if "{" not in path and "application/json" in body:
            return path.strip("/")
    raise AssertionError("no collection takes a JSON body")


def test_the_idempotency_key_is_a_documented_header_of_the_creating_posts(each_service):
    name, _, client = each_service
    document = client.get("/openapi.json").get_json()
    declared = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method != "parameters"  # the path's own, beside its operations
        and any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    expected = {
        "donations": {("POST", "/donations"), ("POST", "/partners")},
        "inventory": set(),
        "sales": {("POST", "/orders"), ("POST", "/beneficiaries")},
    }[name]
    assert expected <= declared
    assert all(method == "POST" for method, _ in declared)
