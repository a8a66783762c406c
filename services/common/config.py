"""Typed settings read from the environment, with safe embedded defaults.

Every variable is documented in the README's configuration table. Nothing here is read at
import time: call :func:`service_settings` when an app or worker starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_BROKER_URL = "memory://"
DEFAULT_PROGRAMME_TIMEZONE = "Europe/Paris"
SERVICES_WITH_DATABASE = ("donations", "inventory", "sales")  # the event-driven services
DATABASES = (*SERVICES_WITH_DATABASE, "gateway")  # every database with its own migrations


def env_str(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


def env_floats(name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    return tuple(float(part) for part in raw.split(","))


def data_dir() -> Path:
    """Where the embedded mode keeps its SQLite files."""
    return Path(env_str("DATA_DIR", "var")).resolve()


def card_codes_key_dir() -> Path:
    """Where the prepaid-card code keys are (see ``card_codes.py``)."""
    return Path(env_str("CARD_CODES_KEY_DIR", str(data_dir() / "keys"))).resolve()


def programme_timezone() -> ZoneInfo:
    """The programme's civil time zone (``PROGRAMME_TIMEZONE``, an IANA name): its calendar
    days, months and years are the ones limits, impact months and receipt numbers go by.
    Stored and exchanged times stay UTC."""
    name = env_str("PROGRAMME_TIMEZONE", DEFAULT_PROGRAMME_TIMEZONE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"PROGRAMME_TIMEZONE must be an IANA time zone, got {name!r}") from exc


def default_database_url(service: str) -> str:
    return f"sqlite:///{data_dir() / (service + '.db')}"


@dataclass(frozen=True)
class MessagingSettings:
    broker_url: str
    namespace: str
    retry_delays: tuple[float, ...]
    delivery_limit: int
    prefetch: int
    relay_batch_size: int
    relay_poll_seconds: float
    relay_linger_seconds: float = 0.0


@dataclass(frozen=True)
class ServiceSettings:
    """What every service shares (its database, the broker) and ``own``: the service's own
    frozen settings (``services/<name>/settings.py``), read once when it starts."""

    name: str
    database_url: str
    messaging: MessagingSettings
    own: Any = None


def messaging_settings() -> MessagingSettings:
    return MessagingSettings(
        broker_url=env_str("BROKER_URL", DEFAULT_BROKER_URL),
        namespace=env_str("EVENT_NAMESPACE", "connexions"),
        retry_delays=env_floats("EVENT_RETRY_DELAYS", (1.0, 5.0, 25.0)),
        delivery_limit=env_int("EVENT_DELIVERY_LIMIT", 10),
        prefetch=env_int("EVENT_PREFETCH", 200),
        relay_batch_size=env_int("RELAY_BATCH_SIZE", 500),
        relay_poll_seconds=env_float("RELAY_POLL_SECONDS", 1.0),
        relay_linger_seconds=env_float("RELAY_LINGER_SECONDS", 0.01),
    )


def service_settings(name: str) -> ServiceSettings:
    """Settings of one service: ``<NAME>_DATABASE_URL`` plus the shared messaging ones."""
    return ServiceSettings(
        name=name,
        database_url=env_str(f"{name.upper()}_DATABASE_URL", default_database_url(name)),
        messaging=messaging_settings(),
    )
