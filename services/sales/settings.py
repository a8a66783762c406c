"""Sales' own settings, read from the environment once, when the app, worker or command
starts (``ServiceDefinition(settings=Settings.from_env)``); use cases find them as
``uow.settings``, views as :func:`current_settings`, tests pass their own.

Limits and prices are data (admin API), not settings: they change without a restart. The
bounded wait on an order stays under the gateway's upstream timeout (10 s by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.common.config import env_float, env_int
from services.common.webapp import current_runtime
from services.sales.domain.enrolment import EnrolmentPolicy


@dataclass(frozen=True)
class Settings:
    enrolment: EnrolmentPolicy = EnrolmentPolicy()
    retention_days: int = 365
    impact_target: int = 100_000
    max_wait_seconds: float = 5.0
    wait_poll_seconds: float = 0.1
    # how often the worker erases personal data past retention
    erasure_interval_seconds: float = 3600.0
    # how often the worker publishes the digest of completed sales for inventory to check
    sale_digest_seconds: float = 300.0
    # how old a completed sale must be to enter the digest: sagas in flight settle first
    sale_digest_settle: timedelta = timedelta(seconds=120)
    # how often the worker checks whether last month's report is made (handlers/reports.py)
    monthly_report_check_seconds: float = 600.0
    # how long after midnight on the 1st the report waits, so sales completing then count
    monthly_report_settle: timedelta = timedelta(hours=1)

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            enrolment=EnrolmentPolicy(
                months=env_int("SALES_ENROLMENT_MONTHS", 9),
                renewal_months=env_int("SALES_RENEWAL_MONTHS", 9),
                max_renewals=env_int("SALES_MAX_RENEWALS", 1),
            ),
            retention_days=env_int("SALES_RETENTION_DAYS", 365),
            impact_target=env_int("SALES_IMPACT_TARGET", 100_000),
            max_wait_seconds=env_float("SALES_ORDER_WAIT_MAX_SECONDS", 5.0),
            wait_poll_seconds=env_float("SALES_ORDER_WAIT_POLL_SECONDS", 0.1),
            erasure_interval_seconds=env_float("SALES_ERASURE_INTERVAL_SECONDS", 3600.0),
            sale_digest_seconds=env_float("SALES_SALE_DIGEST_SECONDS", 300.0),
            sale_digest_settle=timedelta(seconds=env_int("SALES_SALE_DIGEST_SETTLE_SECONDS", 120)),
            monthly_report_check_seconds=env_float("SALES_MONTHLY_REPORT_CHECK_SECONDS", 600.0),
            monthly_report_settle=timedelta(
                minutes=env_int("SALES_MONTHLY_REPORT_SETTLE_MINUTES", 60)
            ),
        )


def current_settings() -> Settings:
    """The settings of the app serving the request (``ServiceSettings.own``)."""
    return current_runtime().settings.own
