"""Sales' own settings, read from the environment when the app, worker or command starts.

Limits and prices are data (admin API), not settings: they change without a restart. The
bounded wait on an order stays under the gateway's upstream timeout (10 s by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from services.common.config import env_float, env_int
from services.sales.domain.enrolment import EnrolmentPolicy


@dataclass(frozen=True)
class SalesSettings:
    enrolment: EnrolmentPolicy = EnrolmentPolicy()
    retention_days: int = 365
    impact_target: int = 100_000
    max_wait_seconds: float = 5.0
    wait_poll_seconds: float = 0.1


def sales_settings() -> SalesSettings:
    return SalesSettings(
        enrolment=EnrolmentPolicy(
            months=env_int("SALES_ENROLMENT_MONTHS", 9),
            renewal_months=env_int("SALES_RENEWAL_MONTHS", 9),
            max_renewals=env_int("SALES_MAX_RENEWALS", 1),
        ),
        retention_days=env_int("SALES_RETENTION_DAYS", 365),
        impact_target=env_int("SALES_IMPACT_TARGET", 100_000),
        max_wait_seconds=env_float("SALES_ORDER_WAIT_MAX_SECONDS", 5.0),
        wait_poll_seconds=env_float("SALES_ORDER_WAIT_POLL_SECONDS", 0.1),
    )


def current_settings() -> SalesSettings:
    """The app's settings: ``SALES_SETTINGS`` in its config (tests), else the environment's."""
    settings = current_app.config.get("SALES_SETTINGS")
    if settings is None:
        settings = current_app.config["SALES_SETTINGS"] = sales_settings()
    return settings


def sale_digest_seconds() -> float:
    """How often the worker publishes the digest of completed sales for inventory to check."""
    return env_float("SALES_SALE_DIGEST_SECONDS", 300.0)


def sale_digest_settle() -> timedelta:
    """How old a completed sale must be to enter the digest: sagas in flight settle first."""
    return timedelta(seconds=env_int("SALES_SALE_DIGEST_SETTLE_SECONDS", 120))
