"""Erasure of a beneficiary's personal data: on request, or automatically once the
enrolment has ended and the retention period has passed.

The person's row keeps its pseudonymous code and enrolment dates; the personal fields are
nulled, so is the free text typed at the counter when their orders ended (it may name
them), and stored API answers that could repeat them (idempotency replays) are deleted.
Orders, limit history and impact figures use the code only, so they stay correct.

The sales worker runs it every ``SALES_ERASURE_INTERVAL_SECONDS`` (default hourly); it can
also be run by hand or by a scheduler:

    python -m services.sales.erasure
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta

from sqlalchemy import delete, event, func, select, update

from services.common.config import env_float, service_settings
from services.common.db import truncate_sqlite_wal
from services.common.worker import PeriodicTask
from services.sales.beneficiaries import close
from services.sales.clock import civil, utc_now
from services.sales.models import IDEMPOTENCY, Beneficiary, Order
from services.sales.settings import sales_settings

PERSONAL_FIELDS = ("display_name", "display_name_folded", "contact", "referral_reason")
WAL_TO_EMPTY = "erasure: empty the write-ahead log after commit"


def erase(session, beneficiary: Beneficiary, now: datetime) -> None:
    close(beneficiary, civil(now).date())
    for name in PERSONAL_FIELDS:
        setattr(beneficiary, name, None)
    if beneficiary.erased_at is None:
        beneficiary.erased_at = now
        beneficiary.version += 1
    session.execute(
        update(Order).where(Order.beneficiary_id == beneficiary.id).values(end_reason=None)
    )
    stored = IDEMPOTENCY.c
    session.execute(
        delete(IDEMPOTENCY).where(
            stored.endpoint == "POST /beneficiaries", stored.body.contains(beneficiary.code)
        )
    )
    _empty_the_write_ahead_log_after_commit(session)


def _empty_the_write_ahead_log_after_commit(session) -> None:
    """Embedded SQLite: once the erasure is committed, no copy of the old values is left in
    the write-ahead log (``secure_delete`` zeroes them in the database file itself)."""
    if not session.info.get(WAL_TO_EMPTY):
        session.info[WAL_TO_EMPTY] = True
        event.listen(session, "after_commit", _empty_the_write_ahead_log, once=True)


def _empty_the_write_ahead_log(session) -> None:
    session.info.pop(WAL_TO_EMPTY, None)
    truncate_sqlite_wal(session.get_bind())


def due_for_erasure(today: date, retention_days: int):
    """People whose enrolment ended (closed or lapsed) more than ``retention_days`` ago;
    ``today`` is the programme's civil date, as enrolment dates are."""
    ended_on = func.coalesce(Beneficiary.closed_on, Beneficiary.ends_on)
    return select(Beneficiary).where(
        Beneficiary.erased_at.is_(None), ended_on < today - timedelta(days=retention_days)
    )


def erase_due(session_factory, retention_days: int, now: datetime | None = None) -> int:
    """Erase everyone due, in batches of 500 committed one by one; how many were erased."""
    now = now or utc_now()
    erased = 0
    while True:
        with session_factory() as session:
            query = due_for_erasure(civil(now).date(), retention_days).limit(500)
            query = query.with_for_update(skip_locked=True)  # replicas share the work
            batch = session.scalars(query).all()
            for beneficiary in batch:
                erase(session, beneficiary, now)
            session.commit()
        erased += len(batch)
        if len(batch) < 500:
            return erased


def erase_due_now(runtime) -> int:
    return erase_due(runtime.session_factory, sales_settings().retention_days)


ERASURE_TASK = PeriodicTask(
    "personal-data-erasure",
    erase_due_now,
    lambda: env_float("SALES_ERASURE_INTERVAL_SECONDS", 3600.0),
)


def main() -> int:
    from services.sales.app import SERVICE

    runtime = SERVICE.runtime(service_settings("sales"))
    try:
        count = erase_due_now(runtime)
    finally:
        runtime.dispose()
    print(f"sales: personal data erased for {count} beneficiary(ies)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
