"""Manage API keys from a shell, on the gateway's database (``GATEWAY_DATABASE_URL``).

    python -m services.gateway.keys_cli create --name "Ops" --role admin
    python -m services.gateway.keys_cli create --name "Paris desk" --role counter --site-id <uuid>
    python -m services.gateway.keys_cli list [--include-revoked]
    python -m services.gateway.keys_cli rotate <key id>
    python -m services.gateway.keys_cli revoke <key id>

``create`` and ``rotate`` print the secret once; nothing can show it again. This is how the
first admin key of a new installation is made (the API needs an admin key already).

``create`` checks a partner or counter key's scope as ``POST /api/keys`` does
(``key_scopes.py``): it asks donations or inventory, at the URLs and with the token key of
the gateway's settings, whether the partner is active or the site an open counter. A scope
refused exits with 2 and the field and reason on stderr; a service that cannot be asked,
with 1 (try again); no key is created either way. Other roles need no service.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Callable

from services.common.tokens import ROLES, TokenIssuer, load_signing_key
from services.gateway.key_scopes import KeyScopes, Scope, ScopeRefused, ScopeUnverifiable
from services.gateway.keys import IssuedKey, KeyStore, UnknownKey
from services.gateway.models import ApiKey
from services.gateway.settings import Settings, database_url
from services.gateway.upstreams import Upstreams


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="keys_cli", description="Manage the gateway's API keys.")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print its secret once")
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--partner-id", type=uuid.UUID, help="partner keys: their partner")
    create.add_argument("--site-id", type=uuid.UUID, help="counter keys: their site")
    listing = commands.add_parser("list", help="list keys (never their secrets)")
    listing.add_argument("--include-revoked", action="store_true")
    for name, text in (("rotate", "a new secret for a key"), ("revoke", "revoke a key")):
        commands.add_parser(name, help=text).add_argument("key_id", type=uuid.UUID)
    return parser


def _described(record: ApiKey) -> dict:
    return {
        "id": record.id,
        "name": record.name,
        "role": record.role,
        "partner_id": record.partner_id,
        "site_id": record.site_id,
        "hint": record.hint,
        "revoked": record.revoked_at is not None,
    }


def _issued(issued: IssuedKey) -> dict:
    return {**_described(issued.record), "key": issued.secret}


def key_scopes(settings: Settings) -> KeyScopes:
    """The API's scope check on ``settings`` (the services' URLs), with the gateway's token
    key; asked afresh each time (nothing cached)."""
    upstreams = Upstreams(settings.upstreams, timeout=settings.probe_timeout, pool_size=1)
    issuer = TokenIssuer(load_signing_key(), settings.token_ttl_seconds)
    return KeyScopes(upstreams, issuer, timeout=settings.probe_timeout, cache_seconds=0)


def _scopes_from_environment() -> KeyScopes:
    return key_scopes(Settings.from_env())


class _NoScopeCheck(Exception):
    """The scope check cannot be built here (no token key to ask the services with)."""


def _checker(scopes: Callable[[], KeyScopes]) -> KeyScopes:
    try:
        return scopes()
    except RuntimeError as exc:
        raise _NoScopeCheck(str(exc)) from exc


def run(
    argv: list[str],
    store: KeyStore,
    scopes: Callable[[], KeyScopes] = _scopes_from_environment,
) -> int:
    """``scopes``: the scope check, built only when a partner or counter key is created."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "create":
            scope = {
                "partner_id": str(args.partner_id) if args.partner_id else None,
                "site_id": str(args.site_id) if args.site_id else None,
            }
            if Scope.of(args.role, **scope) is not None:
                _checker(scopes).check_new(args.role, **scope)
            result = _issued(store.create(args.name, args.role, **scope))
        elif args.command == "list":
            result = [_described(r) for r in store.list(include_revoked=args.include_revoked)]
        elif args.command == "rotate":
            result = _issued(store.rotate(str(args.key_id)))
        else:
            result = _described(store.revoke(str(args.key_id)))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ScopeRefused as exc:
        option = "--" + exc.scope.field.replace("_", "-")
        print(f"error: {option} refused: {exc.reason}", file=sys.stderr)
        return 2
    except (ScopeUnverifiable, _NoScopeCheck) as exc:
        print(f"error: the key's scope could not be checked: {exc}", file=sys.stderr)
        return 1
    except UnknownKey:
        print(f"error: no such key {args.key_id} (or it is revoked)", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    store = KeyStore(database_url())
    try:
        return run(sys.argv[1:] if argv is None else argv, store)
    finally:
        store.close()


if __name__ == "__main__":
    raise SystemExit(main())
