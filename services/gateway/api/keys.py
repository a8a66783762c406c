"""``/api/keys`` (admin only) and ``/api/me`` (any key): the gateway's own API.

Refusals (an unknown key, a scope not in use) are raised by the key store and the key
scopes and mapped in ``errors.py``.
"""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from services.common.blueprint import Blueprint
from services.common.tokens import ROLES
from services.gateway.api.schemas import IssuedKeyOut, KeyIn, KeyList, KeyListArgs, KeyOut, MeOut
from services.gateway.authentication import require
from services.gateway.key_scopes import KeyScopes
from services.gateway.keys import IssuedKey, KeyStore

keys_blp = Blueprint("keys", __name__, url_prefix="/api/keys", description="API keys (admin).")
me_blp = Blueprint("me", __name__, url_prefix="/api/me", description="The caller's own key.")

ADMIN_ONLY = {"x-roles": ["admin"], "security": [{"apiKey": []}]}
ANY_KEY = {"x-roles": list(ROLES), "security": [{"apiKey": []}]}


@keys_blp.before_request
def _admins_only() -> None:
    require("admin")  # before the body is read: strangers get 401/403, not validation errors


@me_blp.before_request
def _any_key() -> None:
    require()


def _store() -> KeyStore:
    return current_app.extensions["gateway.keys"]


def _scopes() -> KeyScopes:
    return current_app.extensions["gateway.key_scopes"]


def _issued(issued: IssuedKey) -> dict:
    """The record's fields and, this once, its secret (dumped by IssuedKeyOut)."""
    fields_of_record = {name: getattr(issued.record, name) for name in KeyOut().fields}
    return {**fields_of_record, "key": issued.secret}


@keys_blp.route("")
class KeyCollection(MethodView):
    @keys_blp.doc(**ADMIN_ONLY)
    @keys_blp.arguments(KeyListArgs, location="query")
    @keys_blp.response(200, KeyList)
    def get(self, args):
        """Every key (without secrets); revoked ones too with ``include_revoked``."""
        return {"items": _store().list(include_revoked=args["include_revoked"])}

    @keys_blp.doc(**ADMIN_ONLY)
    @keys_blp.arguments(KeyIn)
    @keys_blp.response(201, IssuedKeyOut)
    def post(self, body):
        """Create a key; its secret is in this answer only."""
        scope = {
            name: str(body[name]) if body[name] else None for name in ("partner_id", "site_id")
        }
        _scopes().check_new(body["role"], **scope)
        return _issued(_store().create(body["name"], body["role"], **scope))


@keys_blp.route("/<uuid:key_id>")
class KeyItem(MethodView):
    @keys_blp.doc(**ADMIN_ONLY)
    @keys_blp.response(200, KeyOut)
    def get(self, key_id):
        return _store().get(str(key_id))

    @keys_blp.doc(**ADMIN_ONLY)
    @keys_blp.response(200, KeyOut)
    def delete(self, key_id):
        """Revoke the key at once (it stays listed with ``revoked_at``)."""
        return _store().revoke(str(key_id))


@keys_blp.route("/<uuid:key_id>/rotation")
class KeyRotation(MethodView):
    @keys_blp.doc(**ADMIN_ONLY)
    @keys_blp.response(200, IssuedKeyOut)
    def post(self, key_id):
        """A new secret for the key (same id, role and scope); the old secret stops working."""
        return _issued(_store().rotate(str(key_id)))


@me_blp.route("")
class Me(MethodView):
    @me_blp.doc(**ANY_KEY)
    @me_blp.response(200, MeOut)
    def get(self):
        """Which key this is: its role and scope (front ends use it to pick their screens)."""
        principal = require()
        return {
            "key_id": principal.key_id,
            "name": principal.name,
            "role": principal.role,
            "partner_id": principal.partner_id,
            "site_id": principal.site_id,
        }
