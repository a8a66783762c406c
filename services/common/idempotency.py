"""``Idempotency-Key`` on creating POSTs: partners' systems retry, the effect happens once.

The first request with a key runs; its key row is written in the same transaction as its
effect (through :func:`~services.common.unit_of_work.extra_commit_step`), and its response is
stored right after. A retry with the same key and the same body gets the stored response
again; the same key with another body is a 409. Two concurrent requests with one key cannot
both take effect: the second commit hits the key's primary key and is rolled back whole.

Keys belong to the caller: the row is keyed by a hash of the caller's API key id and the
key it sent, so another caller using the same key and body runs its own request and never
sees the first caller's answer.
"""

from __future__ import annotations

import hashlib
import json
import re
from copy import deepcopy
from datetime import UTC, datetime
from functools import wraps

from flask import Response, make_response, request
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from services.common.authorization import current_principal
from services.common.problems import Problem
from services.common.unit_of_work import extra_commit_step
from services.common.webapp import current_runtime

HEADER = "Idempotency-Key"
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
_REPLAYED_HEADERS = ("Location", "Content-Type", "ETag")


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("key", String(200), primary_key=True),
        Column("endpoint", String(200), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status", Integer),
        Column("headers", Text),
        Column("body", Text),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )


_DOCUMENTED = {  # the header as the operation's OpenAPI document shows it
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "pattern": _VALID_KEY.pattern},
    "description": (
        "Any 1 to 200 visible ASCII characters (a UUID, say). A retry with the same key and "
        "the same body gets the first answer again, with nothing done twice; the same key "
        "with another body is 409 idempotency-key-reused. Keys are per API key."
    ),
}


def idempotent(table: Table):
    """Decorate a creating view (outermost, above the flask-smorest decorators); the header
    joins the operation's parameters in the OpenAPI document."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            key = request.headers.get(HEADER)
            if key is None:
                return view(*args, **kwargs)
            if not _VALID_KEY.match(key):
                raise Problem(
                    400, "invalid-idempotency-key", "Use 1 to 200 visible ASCII characters."
                )
            return _run_once(table, _callers_key(key), view, args, kwargs)

        wrapper._apidoc = deepcopy(getattr(view, "_apidoc", {}))  # flask-smorest's doc
        arguments = wrapper._apidoc.setdefault("arguments", {})
        arguments.setdefault("parameters", []).append(dict(_DOCUMENTED))
        return wrapper

    return decorate


def _callers_key(key: str) -> str:
    caller = current_principal().key_id
    return hashlib.sha256(f"{caller}\n{key}".encode()).hexdigest()


def _run_once(table: Table, key: str, view, args, kwargs) -> Response:
    runtime = current_runtime()
    endpoint = f"{request.method} {request.url_rule.rule}"[:200]
    fingerprint = hashlib.sha256(request.get_data() + request.path.encode()).hexdigest()
    with runtime.engine.connect() as connection:
        known = connection.execute(
            select(table).where(table.c.key == key, table.c.endpoint == endpoint)
        ).first()
    if known is not None:
        return _replay(known, fingerprint)

    def claim(session) -> None:
        session.execute(
            insert(table).values(
                key=key, endpoint=endpoint, fingerprint=fingerprint, created_at=datetime.now(UTC)
            )
        )

    try:
        with extra_commit_step(claim):
            response = make_response(view(*args, **kwargs))
    except IntegrityError as exc:
        if "idempotency_keys" not in str(exc.orig):
            raise
        raise Problem(
            409, "idempotency-key-in-use", "A request with this key is being processed."
        ) from exc
    if response.status_code < 400:
        _store(runtime.engine, table, key, endpoint, response)
    return response


def _store(engine, table: Table, key, endpoint, response: Response) -> None:
    """Keep the answer of a request that took effect. A refusal changed nothing and wrote no
    key row: it is not kept, so the client may correct its request and retry with the key."""
    values = {
        "status": response.status_code,
        "headers": json.dumps(
            {name: response.headers[name] for name in _REPLAYED_HEADERS if name in response.headers}
        ),
        "body": response.get_data(as_text=True),
    }
    with engine.begin() as connection:
        connection.execute(
            update(table).where(table.c.key == key, table.c.endpoint == endpoint).values(**values)
        )


def _replay(known, fingerprint: str) -> Response:
    if known.fingerprint != fingerprint:
        raise Problem(409, "idempotency-key-reused", "This key was used with another request body.")
    if known.status is None:
        raise Problem(409, "idempotency-key-in-use", "A request with this key is being processed.")
    response = Response(known.body, status=known.status, headers=json.loads(known.headers))
    response.headers["Idempotent-Replayed"] = "true"
    return response
