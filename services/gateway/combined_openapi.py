"""The combined OpenAPI document (served at ``/openapi.json``, ``api/openapi.py``): the
services' documents merged into one, cached briefly.

Each service's paths move under ``/api/<service>``, its operations are tagged with its
name, and its components (schemas, responses, parameters...) are renamed
``<service>.<Name>`` with every ``$ref`` rewritten, so two services may both define
``Error``. The services' own health paths are left out (the gateway does not route them);
the gateway's open paths (``/health``, ``/health/live``: ``open_paths``) are in, with
``security: []``. Services that
could not be read are listed in ``x-unavailable-services``. The gateway's own operations
(``/api/keys``, ``/api/me``) are added as the ``gateway`` service. Every secured operation
asks for the one thing clients send, an API key (the services' internal token is the
gateway's business); each operation's ``x-roles`` says which roles may call it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from services.gateway.upstreams import Upstreams, UpstreamUnavailable

COMPONENTS_REF = "#/components/"
PATHS_REF = "#/paths/"
OPERATIONS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
RETRY_SECONDS = 5.0  # cache time of a document missing a service
GATEWAY = "gateway"
API_KEY_SCHEME = "apiKey"
API_KEY_SECURITY = [{API_KEY_SCHEME: []}]
API_KEY_SCHEME_DOC = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API key from an admin: 'Authorization: Bearer cs_...'.",
}

EXTENSION = "gateway.openapi"

DocumentSource = Callable[[], dict[str, Any]]


class CombinedDocument:
    """The merged document as JSON, rebuilt once older than ``ttl`` seconds."""

    def __init__(
        self,
        upstreams: Upstreams,
        *,
        timeout: float,
        ttl: float,
        own_document: DocumentSource | None = None,
        open_paths: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        self._upstreams = upstreams
        self._own_document = own_document
        self._open_paths = open_paths or {}
        self._timeout = timeout
        self._ttl = ttl
        self._lock = threading.Lock()
        self._json = b""
        self._expires = 0.0

    def json(self) -> bytes:
        with self._lock:  # one rebuild at a time; the others wait for it
            if time.monotonic() >= self._expires:
                self._json, complete = self._build()
                ttl = self._ttl if complete else min(self._ttl, RETRY_SECONDS)
                self._expires = time.monotonic() + ttl
            return self._json

    def _build(self) -> tuple[bytes, bool]:
        documents: dict[str, dict[str, Any]] = {}
        unavailable: dict[str, str] = {}
        replies = self._upstreams.get_json_from_all("/openapi.json", self._timeout)
        for service, reply in replies.items():
            if isinstance(reply, UpstreamUnavailable):
                unavailable[service] = str(reply)
            elif reply.status != 200 or not isinstance(reply.body, dict):
                unavailable[service] = f"No OpenAPI document (HTTP {reply.status})."
            else:
                documents[service] = reply.body
        own = self._own_document() if self._own_document else None
        merged = merge_documents(documents, unavailable, own=own, open_paths=self._open_paths)
        return json.dumps(merged).encode(), not unavailable


def component_name(service: str, name: str) -> str:
    return f"{service}.{name}"


def merge_documents(
    documents: Mapping[str, dict[str, Any]],
    unavailable: Mapping[str, str],
    *,
    own: dict[str, Any] | None = None,
    open_paths: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    description = (
        "The services behind the gateway, in one document: each service's operations are "
        "under /api/<service>/ and tagged with its name; its components are named "
        "<service>.<Name>."
    )
    if unavailable:
        description += f" Missing (unavailable when this was built): {', '.join(unavailable)}."
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Connexions solidaires", "version": "1.0", "description": description},
        "tags": [],
        "paths": {},
        "components": {"securitySchemes": {API_KEY_SCHEME: API_KEY_SCHEME_DOC}},
    }
    if own is not None:
        _add_service(merged, GATEWAY, _rewrite_refs(own, GATEWAY), path_prefix="")
    for path, item in (open_paths or {}).items():
        merged["paths"][path] = {method: {**op, "tags": [GATEWAY]} for method, op in item.items()}
    for service, document in documents.items():
        _add_service(merged, service, _rewrite_refs(document, service))
    if unavailable:
        merged["x-unavailable-services"] = dict(unavailable)
    return merged


def _add_service(
    merged: dict[str, Any], service: str, document: dict[str, Any], path_prefix: str | None = None
) -> None:
    prefix = f"/api/{service}" if path_prefix is None else path_prefix
    title = document.get("info", {}).get("title", service)
    merged["tags"].append({"name": service, "description": title})
    for kind, entries in document.get("components", {}).items():
        if not kind.startswith("x-") and kind != "securitySchemes":
            renamed = {component_name(service, name): value for name, value in entries.items()}
            merged["components"].setdefault(kind, {}).update(renamed)
    default_security = document.get("security")
    for path, item in document.get("paths", {}).items():
        if path != "/health" and not path.startswith("/health/"):
            merged["paths"][f"{prefix}{path}"] = _tagged(item, service, default_security)


def _tagged(item: dict[str, Any], service: str, default_security: list | None) -> dict[str, Any]:
    item = dict(item)
    for method in OPERATIONS & item.keys():
        operation = dict(item[method], tags=[service])
        if operation.get("security", default_security):
            operation["security"] = API_KEY_SECURITY
        if "operationId" in operation:
            operation["operationId"] = component_name(service, operation["operationId"])
        item[method] = operation
    return item


def _rewrite_refs(node: Any, service: str) -> Any:
    """A copy of ``node`` whose local references point at the renamed components and paths."""
    if isinstance(node, list):
        return [_rewrite_refs(value, service) for value in node]
    if not isinstance(node, dict):
        return node
    copy = {key: _rewrite_refs(value, service) for key, value in node.items()}
    if isinstance(copy.get("$ref"), str):
        copy["$ref"] = _rewrite_ref(copy["$ref"], service)
    discriminator = copy.get("discriminator")
    if isinstance(discriminator, dict) and isinstance(discriminator.get("mapping"), dict):
        mapping = discriminator["mapping"]
        discriminator["mapping"] = {
            key: _mapping_target(value, service) for key, value in mapping.items()
        }
    return copy


def _mapping_target(value: Any, service: str) -> Any:
    """A discriminator mapping's value: a reference, or a bare schema name."""
    if isinstance(value, str) and value.startswith("#"):
        return _rewrite_ref(value, service)
    if isinstance(value, str) and "/" not in value:
        return component_name(service, value)
    return value  # an external reference


def _rewrite_ref(ref: str, service: str) -> str:
    if ref.startswith(COMPONENTS_REF):
        kind, _, rest = ref[len(COMPONENTS_REF) :].partition("/")
        if rest:
            return f"{COMPONENTS_REF}{kind}/{component_name(service, rest)}"
    elif ref.startswith(PATHS_REF):
        return f"{PATHS_REF}~1api~1{service}{ref[len(PATHS_REF) :]}"
    return ref
