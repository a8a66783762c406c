"""The gateway's door: API keys, the internal token it forwards, limits, the key API and CLI.

A stand-in service (real HTTP, real token verification with the public key) records what
reaches it; the gateway's key database is a migrated SQLite file.
"""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask, request
from sqlalchemy import create_engine, text

from services.common.migrations import upgrade
from services.common.tokens import InvalidToken, TokenVerifier, load_verify_key
from services.gateway import keys_cli
from services.gateway.app import create_app
from services.gateway.keys import KeyStore
from services.gateway.settings import Settings
from tests.support.serving import serving


class Recorder:
    """A stand-in service that verifies the gateway's token and answers with what it saw.

    Every answer also reads as an active partner and an open counter site, which is what the
    gateway asks about a partner or counter key's scope (``key_scopes.py``).
    """

    def __init__(self, service: str) -> None:
        self.verifier = TokenVerifier(load_verify_key(), service)
        self.app = Flask("recorder")
        self.app.add_url_rule(
            "/<path:path>", "seen", self.seen, methods=["GET", "POST", "PUT", "DELETE"]
        )

    def seen(self, path: str):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        try:
            principal, request_id = self.verifier.verify(
                token, method=request.method, path=request.path
            )
        except InvalidToken as exc:
            return {"error": str(exc)}, 401
        return {
            "scheme": scheme,
            "role": principal.role,
            "partner_id": principal.partner_id,
            "site_id": principal.site_id,
            "key_id": principal.key_id,
            "token_request_id": request_id,
            "request_id": request.headers.get("X-Request-ID"),
            "body_bytes": len(request.get_data()),
            "headers": dict(request.headers),
            **IN_USE,
        }


IN_USE = {"active": True, "kind": "counter", "open": True}


@pytest.fixture(scope="module")
def recorder() -> Iterator[str]:
    with serving(Recorder("donations").app) as url:
        yield url


@pytest.fixture(scope="module")
def inventory_recorder() -> Iterator[str]:
    with serving(Recorder("inventory").app) as url:
        yield url


@pytest.fixture
def database(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade("gateway", url)
    return url


@pytest.fixture
def store(database: str) -> Iterator[KeyStore]:
    keys = KeyStore(database, cache_seconds=0)
    yield keys
    keys.close()


@pytest.fixture
def make_gateway(database: str, recorder: str, inventory_recorder: str):
    def make(**settings) -> Flask:
        defaults = {
            "upstreams": {"donations": recorder, "inventory": inventory_recorder},
            "database_url": database,
            "key_cache_seconds": 0,
        }
        return create_app(Settings.from_env(**{**defaults, **settings}))

    return make


@pytest.fixture
def client(make_gateway):
    return make_gateway().test_client()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_request_without_a_key_is_refused_with_a_problem(client):
    response = client.get("/api/donations/partners")

    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.get_json()["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "authorization", ["Bearer cs_not-a-key", "Bearer ", "Basic YWRtaW46YWRtaW4=", "cs_raw"]
)
def test_an_unknown_or_malformed_key_is_refused(client, authorization):
    response = client.get("/api/donations/partners", headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthenticated"


def test_the_service_gets_a_signed_token_for_the_keys_role_and_scope_never_the_key(client, store):
    partner_id = str(uuid.uuid4())
    issued = store.create("Partner desk", "partner", partner_id=partner_id)

    response = client.get(
        "/api/donations/partners", headers={**bearer(issued.secret), "X-Request-ID": "req-42"}
    )

    assert response.status_code == 200
    seen = response.get_json()
    assert seen["scheme"] == "Bearer"
    assert (seen["role"], seen["partner_id"], seen["site_id"]) == ("partner", partner_id, None)
    assert seen["key_id"] == issued.record.id
    assert seen["token_request_id"] == seen["request_id"] == "req-42"
    assert issued.secret not in json.dumps(seen["headers"])


def test_only_the_hash_of_a_key_is_stored(store, database):
    issued = store.create("Auditor", "auditor")

    engine = create_engine(database)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM api_keys")).all()
    engine.dispose()

    assert len(rows) == 1
    assert issued.secret not in json.dumps([list(map(str, row)) for row in rows])


def test_a_revoked_key_stops_working(client, store):
    issued = store.create("Workshop", "workshop")
    assert client.get("/api/donations/x", headers=bearer(issued.secret)).status_code == 200

    store.revoke(issued.record.id)

    assert client.get("/api/donations/x", headers=bearer(issued.secret)).status_code == 401


def test_a_rotated_key_works_with_its_new_secret_only(client, store):
    issued = store.create("Counter", "counter", site_id=str(uuid.uuid4()))

    rotated = store.rotate(issued.record.id)

    assert client.get("/api/donations/x", headers=bearer(issued.secret)).status_code == 401
    seen = client.get("/api/donations/x", headers=bearer(rotated.secret)).get_json()
    assert seen["key_id"] == issued.record.id
    assert seen["role"] == "counter"


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(make_gateway, store):
    client = make_gateway(rate_limit="3/minute").test_client()
    headers = bearer(store.create("Busy", "admin").secret)

    statuses = [client.get("/api/donations/x", headers=headers).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/donations/x", headers=headers)
    assert refused.content_type == "application/problem+json"
    assert refused.get_json()["code"] == "rate-limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    other = bearer(store.create("Quiet", "admin").secret)
    assert client.get("/api/donations/x", headers=other).status_code == 200  # per key


def test_repeated_failed_authentications_from_one_client_get_429(make_gateway, store):
    client = make_gateway(auth_failure_limit="2/minute").test_client()
    wrong = bearer("cs_guessing")

    statuses = [client.get("/api/donations/x", headers=wrong).status_code for _ in range(3)]

    assert statuses == [401, 401, 429]
    good = bearer(store.create("Admin", "admin").secret)
    assert client.get("/api/donations/x", headers=good).status_code == 200  # not locked out
    assert client.get("/api/donations/x", headers=wrong).status_code == 429


def test_a_body_over_the_limit_is_refused_with_413(make_gateway, store):
    client = make_gateway(max_body_bytes=1000).test_client()
    headers = bearer(store.create("Admin", "admin").secret)

    small = client.post("/api/donations/upload", data=b"x" * 1000, headers=headers)
    declared = client.post("/api/donations/upload", data=b"x" * 1001, headers=headers)
    chunked = client.post(
        "/api/donations/upload",
        input_stream=io.BytesIO(b"x" * 5000),
        headers={**headers, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert small.status_code == 200
    assert small.get_json()["body_bytes"] == 1000
    for refused in (declared, chunked):
        assert refused.status_code == 413
        assert refused.content_type == "application/problem+json"


def test_a_chunked_body_is_forwarded_without_the_clients_content_length(client, store):
    headers = bearer(store.create("Admin", "admin").secret)

    response = client.post(
        "/api/donations/upload",
        input_stream=io.BytesIO(b"x" * 5000),
        headers={**headers, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": "10"},
    )

    seen = response.get_json()
    assert seen["body_bytes"] == 5000  # re-chunked whole: a length of 10 would cut it short
    assert "Content-Length" not in seen["headers"]
    assert seen["headers"]["Transfer-Encoding"] == "chunked"


def test_an_admin_manages_keys_through_the_api(client, store):
    admin = bearer(store.create("Root", "admin").secret)
    site_id = str(uuid.uuid4())

    created = client.post(
        "/api/keys",
        json={"name": "Lyon desk", "role": "counter", "site_id": site_id},
        headers=admin,
    )
    assert created.status_code == 201
    key = created.get_json()
    assert key["key"].startswith("cs_")
    assert (key["role"], key["site_id"]) == ("counter", site_id)

    listed = client.get("/api/keys", headers=admin).get_json()["items"]
    assert {k["name"] for k in listed} == {"Root", "Lyon desk"}
    assert all("key" not in k for k in listed)
    me = client.get("/api/me", headers=bearer(key["key"])).get_json()
    assert (me["role"], me["site_id"], me["key_id"]) == ("counter", site_id, key["id"])

    rotated = client.post(f"/api/keys/{key['id']}/rotation", headers=admin).get_json()
    assert rotated["key"] != key["key"]
    assert client.get("/api/me", headers=bearer(key["key"])).status_code == 401
    assert client.get("/api/me", headers=bearer(rotated["key"])).status_code == 200

    revoked = client.delete(f"/api/keys/{key['id']}", headers=admin)
    assert revoked.status_code == 200
    assert revoked.get_json()["revoked_at"]
    assert client.get("/api/me", headers=bearer(rotated["key"])).status_code == 401
    assert len(client.get("/api/keys", headers=admin).get_json()["items"]) == 1
    everything = client.get("/api/keys?include_revoked=true", headers=admin).get_json()["items"]
    assert len(everything) == 2


@pytest.mark.parametrize("role", ["partner", "workshop", "counter", "auditor"])
def test_only_an_admin_may_manage_keys(client, store, role):
    scope = {
        "partner": {"partner_id": str(uuid.uuid4())},
        "counter": {"site_id": str(uuid.uuid4())},
    }
    headers = bearer(store.create(role, role, **scope.get(role, {})).secret)

    listing = client.get("/api/keys", headers=headers)
    creating = client.post("/api/keys", json={"name": "x", "role": "admin"}, headers=headers)

    assert listing.status_code == creating.status_code == 403
    assert len(store.list()) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"name": "No scope", "role": "partner"},
        {"name": "No site", "role": "counter"},
        {"name": "Scoped admin", "role": "admin", "site_id": str(uuid.uuid4())},
        {"name": "Bad role", "role": "root"},
        {"name": "", "role": "admin"},
        {"name": "Mass assignment", "role": "admin", "id": str(uuid.uuid4())},
        {"name": "Mass assignment", "role": "admin", "key": "cs_chosen"},
        {"name": "Mass assignment", "role": "admin", "revoked_at": None},
    ],
)
def test_a_key_with_an_inconsistent_or_unknown_field_is_refused(client, store, body):
    admin = bearer(store.create("Root", "admin").secret)

    response = client.post("/api/keys", json=body, headers=admin)

    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert len(store.list()) == 1


@pytest.mark.parametrize(
    "raw, status",
    [
        ('{"name": "Lyon \\ud800", "role": "admin"}', 422),
        ("[" * 100_000 + "]" * 100_000, 400),
        ('{"name": "Lyon", "role": "admin", "site_id": ' + "9" * 5000 + "}", 400),
    ],
    ids=["a lone surrogate", "nested 100,000 deep", "an integer of 5,000 digits"],
)
def test_a_key_request_the_gateway_cannot_read_safely_is_refused(
    client, store, database, raw, status
):
    admin = bearer(store.create("Root", "admin").secret)
    engine = create_engine(database)
    with engine.connect() as connection:
        before = connection.execute(text("SELECT * FROM api_keys")).all()

    response = client.post("/api/keys", data=raw, content_type="application/json", headers=admin)

    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert "json" in response.get_json()["errors"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT * FROM api_keys")).all() == before
    engine.dispose()


def test_unknown_key_ids_are_404_problems(client, store):
    admin = bearer(store.create("Root", "admin").secret)
    missing = uuid.uuid4()

    for response in (
        client.get(f"/api/keys/{missing}", headers=admin),
        client.delete(f"/api/keys/{missing}", headers=admin),
        client.post(f"/api/keys/{missing}/rotation", headers=admin),
    ):
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"


def test_the_cli_creates_lists_rotates_and_revokes_keys(store, capsys):
    assert keys_cli.run(["create", "--name", "Ops", "--role", "admin"], store) == 0
    created = json.loads(capsys.readouterr().out)
    assert store.authenticate(created["key"]).role == "admin"

    assert keys_cli.run(["rotate", created["id"]], store) == 0
    rotated = json.loads(capsys.readouterr().out)
    assert store.authenticate(rotated["key"]).key_id == created["id"]

    assert keys_cli.run(["list"], store) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [k["id"] for k in listed] == [created["id"]]
    assert "key" not in listed[0]

    assert keys_cli.run(["revoke", created["id"]], store) == 0
    capsys.readouterr()
    assert keys_cli.run(["list"], store) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert keys_cli.run(["create", "--name", "Bad", "--role", "partner"], store) == 2


def test_the_docs_page_is_served_with_local_assets_only(client):
    page = client.get("/docs")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    for asset in ("/docs/assets/swagger-ui.css", "/docs/assets/swagger-ui-bundle.js"):
        assert asset in html
        assert client.get(asset).status_code == 200
    start = client.get("/docs/start.js").get_data(as_text=True)
    assert '"/openapi.json"' in start
    assert client.get("/docs/assets/../app.py").status_code == 404


def test_the_docs_keep_the_key_in_the_page_and_carry_the_security_headers(client):
    start = client.get("/docs/start.js").get_data(as_text=True)
    assert "persistAuthorization: false" in start  # never in localStorage, which /app shares

    for path in ("/docs", "/docs/start.js", "/docs/assets/swagger-ui.css", "/docs/assets/nope"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self';" in policy
        assert "http" not in policy and "unsafe-eval" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_the_combined_document_asks_for_an_api_key_and_names_the_roles(client):
    document = client.get("/openapi.json").get_json()

    assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    create_key = document["paths"]["/api/keys"]["post"]
    assert create_key["x-roles"] == ["admin"]
    assert create_key["security"] == [{"apiKey": []}]


def test_tokens_expire(store):
    """What the gateway mints is short-lived: a service refuses it once expired."""
    from services.common.tokens import Principal, TokenIssuer, load_signing_key

    issuer = TokenIssuer(load_signing_key(), ttl_seconds=60)
    principal = Principal(role="admin", key_id="k", name="n")
    request = {"service": "sales", "method": "GET", "path": "/orders"}
    old = issuer.mint(principal, "r", **request, now=time.time() - 3600)

    with pytest.raises(InvalidToken, match="expired"):
        TokenVerifier(load_verify_key(), "sales").verify(old, method="GET", path="/orders")
