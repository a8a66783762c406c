"""The gateway against real HTTP services standing in for donations, inventory and sales.

The stand-ins are small Flask apps served by werkzeug on 127.0.0.1 in background threads:
what lies outside the gateway is faked, the HTTP between them is real.
"""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator

import marshmallow as ma
import pytest
from flask import Flask, Response, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint

from services.common.migrations import upgrade
from services.common.problems import problem_response
from services.gateway.app import create_app
from services.gateway.keys import KeyStore
from services.gateway.proxy import Forwarding, add_request_guard
from services.gateway.settings import Settings
from tests.support.serving import WAIT, serving

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class Echo:
    """A stand-in service that answers with what it received, and a few special paths."""

    def __init__(self) -> None:
        self.release = threading.Event()  # lets /slow and /stream finish
        self.stream_finished = threading.Event()
        self.app = Flask("echo")
        self.app.add_url_rule("/", "root", self.echo, defaults={"path": ""}, methods=ALL_METHODS)
        self.app.add_url_rule("/status/<int:code>", "status", self.status)
        self.app.add_url_rule("/created", "created", self.created, methods=["POST"])
        self.app.add_url_rule("/slow", "slow", self.slow)
        self.app.add_url_rule("/stream", "stream", self.stream)
        self.app.add_url_rule("/<path:path>", "echo", self.echo, methods=ALL_METHODS)

    def echo(self, path: str):
        return {
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode(),
            "body": request.get_data(as_text=True),
            "headers": dict(request.headers),
        }

    def status(self, code: int):
        return Response(f"status {code}", code, {"X-Upstream": "yes"}, mimetype="text/plain")

    def created(self):
        return {"id": 7}, 201, {"Location": "/things/7"}

    def slow(self):
        self.release.wait(WAIT)
        return "late"

    def stream(self):
        def chunks():
            yield b"first;"
            self.release.wait(WAIT)
            self.stream_finished.set()
            yield b"last"

        return Response(chunks(), mimetype="application/octet-stream")


def smorest_service(title: str, schema_name: str, *, ready: bool = True) -> Flask:
    """A stand-in with an OpenAPI document made by flask-smorest, like the real services."""
    app = Flask(title.lower())
    app.config.update(
        API_TITLE=title,
        API_VERSION="1.0",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = Api(app)
    schema = type(schema_name, (ma.Schema,), {"id": ma.fields.Int(), "name": ma.fields.Str()})
    things = Blueprint("things", title, url_prefix="/things")

    @things.route("/")
    class Things(MethodView):
        @things.arguments(schema)
        @things.response(201, schema)
        def post(self, data):
            return data

    @things.route("/<int:thing_id>")
    class Thing(MethodView):
        @things.response(200, schema)
        def get(self, thing_id):
            return {"id": thing_id, "name": title}

    health = Blueprint("health", title, url_prefix="/health")

    @health.route("/ready")
    class Ready(MethodView):
        def get(self):
            checks = {"database": "up", "broker": "up" if ready else "down: ConnectionError"}
            body = {"status": "ready" if ready else "not-ready", "service": title, "checks": checks}
            return body, 200 if ready else 503

    api.register_blueprint(things)
    api.register_blueprint(health)

    app.openapi_reads = 0

    @app.before_request
    def _count_openapi_reads():
        if request.path == "/openapi.json":
            app.openapi_reads += 1

    return app


@pytest.fixture(scope="module")
def echo() -> Iterator[Echo]:
    stand_in = Echo()
    with serving(stand_in.app) as url:
        stand_in.url = url
        yield stand_in


@pytest.fixture(scope="module")
def closed_url() -> Iterator[str]:
    """A port bound but not listening: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(scope="module")
def services() -> Iterator[dict[str, Flask]]:
    apps = {
        "donations": smorest_service("Donations", "Site"),
        "inventory": smorest_service("Inventory", "Device"),
        "sales": smorest_service("Sales", "Order", ready=False),
    }
    with (
        serving(apps["donations"]) as d,
        serving(apps["inventory"]) as i,
        serving(apps["sales"]) as s,
    ):
        for app, url in zip(apps.values(), (d, i, s), strict=True):
            app.url = url
        yield apps


@pytest.fixture
def release_echo(echo: Echo) -> Iterator[Echo]:
    echo.release.clear()
    echo.stream_finished.clear()
    yield echo
    echo.release.set()


@pytest.fixture(scope="module")
def keys_database(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('gateway') / 'gateway.db'}"
    upgrade("gateway", url)
    return url


@pytest.fixture(scope="module")
def key(keys_database: str) -> dict[str, str]:
    """An admin key's header: proxied requests must carry one."""
    store = KeyStore(keys_database)
    secret = store.create("gateway tests", "admin").secret
    store.close()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def gateway(keys_database: str):
    def make(timeout: float = 5.0, **upstreams: str) -> Flask:
        return create_app(
            Settings.from_env(
                upstreams=upstreams, upstream_timeout=timeout, database_url=keys_database
            )
        )

    return make


def test_forwards_method_path_query_body_and_headers(echo: Echo, gateway, key):
    client = gateway(donations=echo.url).test_client()

    response = client.put(
        "/api/donations/sites/12/items?sort=name&tag=a%20b",
        json={"name": "Atelier"},
        headers={
            **key,
            "X-Custom": "kept",
            "Keep-Alive": "timeout=5",
            "X-Forwarded-For": "10.0.0.1",
        },
    )

    assert response.status_code == 200
    seen = response.get_json()
    assert seen["method"] == "PUT"
    assert seen["path"] == "/sites/12/items"
    assert seen["query"] == "sort=name&tag=a%20b"
    assert seen["body"] == '{"name": "Atelier"}'
    assert seen["headers"]["Content-Type"] == "application/json"
    assert seen["headers"]["X-Custom"] == "kept"
    assert "Keep-Alive" not in seen["headers"]
    assert seen["headers"]["Host"] == echo.url.removeprefix("http://")
    assert seen["headers"]["X-Forwarded-For"] == "10.0.0.1, 127.0.0.1"


def test_forwards_the_service_root_with_or_without_slash(echo: Echo, gateway, key):
    client = gateway(donations=echo.url).test_client()

    assert client.delete("/api/donations", headers=key).get_json()["path"] == "/"
    assert client.delete("/api/donations/", headers=key).get_json()["path"] == "/"
    assert client.get("/api/donations/a/b/", headers=key).get_json()["path"] == "/a/b/"


def test_relays_a_chunked_upload_as_a_stream(echo: Echo, gateway, key):
    client = gateway(donations=echo.url).test_client()

    response = client.post(
        "/api/donations/upload",
        input_stream=io.BytesIO(b"x" * 100_000),
        headers={**key, "Transfer-Encoding": "chunked", "Content-Type": "application/octet-stream"},
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert response.get_json()["body"] == "x" * 100_000


def test_generates_a_request_id_and_gives_it_to_the_service(echo: Echo, gateway, key):
    client = gateway(donations=echo.url).test_client()

    response = client.get("/api/donations/anything", headers=key)

    request_id = response.headers["X-Request-ID"]
    assert request_id
    assert response.get_json()["headers"]["X-Request-Id"] == request_id


def test_propagates_the_callers_request_id(echo: Echo, gateway, key):
    client = gateway(donations=echo.url).test_client()

    response = client.get("/api/donations/anything", headers={**key, "X-Request-ID": "abc-123"})

    assert response.headers["X-Request-ID"] == "abc-123"
    assert response.get_json()["headers"]["X-Request-Id"] == "abc-123"


def test_returns_the_services_status_body_and_headers(echo: Echo, gateway, key):
    client = gateway(donations=echo.url).test_client()

    response = client.get("/api/donations/status/418", headers=key)

    assert response.status_code == 418
    assert response.data == b"status 418"
    assert response.headers["X-Upstream"] == "yes"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Content-Length"] == "10"


def test_rewrites_a_location_into_the_gateways_paths(echo: Echo, gateway, key):
    client = gateway(donations=echo.url).test_client()

    response = client.post("/api/donations/created", headers=key)

    assert response.status_code == 201
    assert response.headers["Location"] == "/api/donations/things/7"


def test_streams_the_services_answer_as_it_comes(release_echo: Echo, gateway, key):
    client = gateway(donations=release_echo.url).test_client()

    response = client.get("/api/donations/stream", buffered=False, headers=key)
    chunks = iter(response.response)
    first = next(chunks)

    assert first == b"first;"
    assert not release_echo.stream_finished.is_set()
    release_echo.release.set()
    assert b"".join(chunks) == b"last"
    response.close()


def test_unknown_service_is_a_404_problem(echo: Echo, gateway, key):
    client = gateway(donations=echo.url).test_client()

    response = client.get("/api/nowhere/things", headers=key)

    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert response.get_json()["code"] == "unknown-service"


def test_unreachable_service_is_a_502_problem(closed_url: str, gateway, key):
    client = gateway(donations=closed_url).test_client()

    response = client.post("/api/donations/things", json={"a": 1}, headers=key)

    assert response.status_code == 502
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "upstream-unavailable"
    assert "donations" in body["detail"]
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_slow_service_is_a_504_problem(release_echo: Echo, gateway, key):
    client = gateway(timeout=0.2, donations=release_echo.url).test_client()

    response = client.get("/api/donations/slow", headers=key)

    assert response.status_code == 504
    assert response.content_type == "application/problem+json"
    assert response.get_json()["code"] == "upstream-timeout"


def test_a_request_guard_can_refuse_before_forwarding(echo: Echo, gateway, key):
    app = gateway(donations=echo.url)
    asked: list[Forwarding] = []

    def refuse(forwarding: Forwarding):
        asked.append(forwarding)
        return problem_response(403, "closed", "Closed for maintenance.")

    add_request_guard(app, refuse)

    response = app.test_client().get("/api/donations/sites/3", headers=key)

    assert response.status_code == 403
    assert response.get_json()["code"] == "closed"
    assert asked == [Forwarding("donations", "sites/3")]


def test_a_request_guard_can_set_and_remove_upstream_headers(echo: Echo, gateway, key):
    app = gateway(donations=echo.url)
    add_request_guard(app, lambda _: None)
    add_request_guard(app, lambda _: {"X-Internal-Token": "signed", "authorization": None})

    response = app.test_client().get("/api/donations/x", headers=key)

    headers = response.get_json()["headers"]
    assert headers["X-Internal-Token"] == "signed"
    assert "Authorization" not in headers


def test_gateway_is_live(gateway):
    response = gateway().test_client().get("/health/live")

    assert response.status_code == 200
    assert response.get_json() == {"status": "up", "service": "gateway"}


def test_health_is_up_when_every_service_is_ready(services: dict[str, Flask], gateway):
    client = gateway(donations=services["donations"].url, inventory=services["inventory"].url)

    response = client.test_client().get("/health")

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "up"
    assert body["services"]["donations"] == {
        "status": "up",
        "checks": {"database": "up", "broker": "up"},
    }
    assert body["services"]["inventory"]["status"] == "up"


def test_health_is_degraded_naming_the_services_down(
    services: dict[str, Flask], closed_url: str, gateway
):
    client = gateway(
        donations=services["donations"].url, inventory=closed_url, sales=services["sales"].url
    ).test_client()

    response = client.get("/health")

    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["services"]["donations"]["status"] == "up"
    assert body["services"]["inventory"]["status"] == "down"
    assert "inventory" in body["services"]["inventory"]["error"]
    assert body["services"]["sales"]["status"] == "down"
    assert body["services"]["sales"]["checks"]["broker"].startswith("down")


def _refs(node) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve(document: dict, ref: str):
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_openapi_merges_the_services_documents(
    services: dict[str, Flask], closed_url: str, gateway
):
    client = gateway(
        donations=services["donations"].url, inventory=services["inventory"].url, sales=closed_url
    ).test_client()

    document = client.get("/openapi.json").get_json()

    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {
        "/api/donations/things/",
        "/api/donations/things/{thing_id}",
        "/api/inventory/things/",
        "/api/inventory/things/{thing_id}",
        "/api/keys",
        "/api/keys/{key_id}",
        "/api/keys/{key_id}/rotation",
        "/api/me",
        "/health",
        "/health/live",
    }
    assert document["paths"]["/health"]["get"]["security"] == []  # no key needed
    assert set(document["paths"]["/health"]["get"]["responses"]) == {"200", "503"}
    get_site = document["paths"]["/api/donations/things/{thing_id}"]["get"]
    assert get_site["tags"] == ["donations"]
    site_ref = get_site["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert site_ref == "#/components/schemas/donations.Site"
    schemas = document["components"]["schemas"]
    assert {"donations.Error", "inventory.Error", "donations.Site", "inventory.Device"} <= set(
        schemas
    )
    refs = list(_refs(document))
    assert "#/components/responses/inventory.DEFAULT_ERROR" in refs
    for ref in refs:
        _resolve(document, ref)
    assert [tag["name"] for tag in document["tags"]] == ["gateway", "donations", "inventory"]
    assert set(document["x-unavailable-services"]) == {"sales"}
    assert "sales" in document["info"]["description"]


def test_openapi_document_is_cached(services: dict[str, Flask], gateway):
    inventory = services["inventory"]
    client = gateway(inventory=inventory.url).test_client()
    reads_before = inventory.openapi_reads

    first = client.get("/openapi.json")
    second = client.get("/openapi.json")

    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert inventory.openapi_reads == reads_before + 1
