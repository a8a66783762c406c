"""Render ``infra/rabbitmq/definitions.json`` from the topology declared in code.

    python -m scripts.rabbitmq_definitions > infra/rabbitmq/definitions.json   # make definitions
    python -m scripts.rabbitmq_definitions --from-env > /secret/definitions.json

The committed file is the code's default topology with the development passwords of
``.env.example`` (hashed with a salt derived from the user name, so rendering twice gives the
same file). For any real deployment render it ``--from-env``: the topology from the same
variables the services read (``EVENT_NAMESPACE``, ``EVENT_RETRY_DELAYS``,
``EVENT_DELIVERY_LIMIT``: queue arguments must match what the workers declare), passwords from
``<SERVICE>_BROKER_PASSWORD`` and ``RABBITMQ_ADMIN_PASSWORD`` (random salts); keep the result
as a secret.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys

from services.common.config import SERVICES_WITH_DATABASE, messaging_settings
from services.common.events.topology import Topology, rabbitmq_definitions

VHOST = "connexions"
ADMIN_USER = "admin"  # the management UI and operators (dead-letter replays), not the services
HASHING_ALGORITHM = "rabbit_password_hashing_sha256"


def dev_password(user: str) -> str:
    """The development default of a broker user's password, as in ``.env.example``."""
    return f"{user}-broker-dev-only"


def password_env_var(user: str) -> str:
    return "RABBITMQ_ADMIN_PASSWORD" if user == ADMIN_USER else f"{user.upper()}_BROKER_PASSWORD"


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's ``rabbit_password_hashing_sha256``: base64(salt + sha256(salt + password))."""
    salt = os.urandom(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def password_matches(password: str, hashed: str) -> bool:
    return password_hash(password, base64.b64decode(hashed)[:4]) == hashed


def _dev_salt(user: str) -> bytes:
    return hashlib.sha256(f"connexions-dev:{user}".encode()).digest()[:4]


def render(
    topology: Topology,
    services: tuple[str, ...] = SERVICES_WITH_DATABASE,
    *,
    vhost: str = VHOST,
    passwords_from_env: bool = False,
) -> dict:
    """Definitions for these services' users, plus an administrator; no ``guest``."""
    definitions = rabbitmq_definitions(topology, services, vhost=vhost)
    users = []
    for user in (ADMIN_USER, *services):
        if passwords_from_env:
            password = os.environ.get(password_env_var(user), "")
            if not password:
                raise SystemExit(f"set {password_env_var(user)}")
            hashed = password_hash(password)
        else:
            hashed = password_hash(dev_password(user), _dev_salt(user))
        tags = ["administrator"] if user == ADMIN_USER else []
        users.append(
            {
                "name": user,
                "password_hash": hashed,
                "hashing_algorithm": HASHING_ALGORITHM,
                "tags": tags,
            }
        )
    admin = {"user": ADMIN_USER, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}
    definitions["permissions"].insert(0, admin)
    return {"users": users, **definitions}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--from-env",
        action="store_true",
        help="topology settings and passwords from the environment instead of the defaults",
    )
    args = parser.parse_args(argv)
    topology = Topology.from_settings(messaging_settings()) if args.from_env else Topology()
    definitions = render(topology, passwords_from_env=args.from_env)
    json.dump(definitions, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
