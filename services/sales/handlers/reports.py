"""The monthly report: on the first day of each month (programme time), the worker makes last
month's report, as a PDF and as the funder workbook of that month, and keeps both.

Made once: the month is unique in ``monthly_reports`` and the report is inserted-or-ignored,
so two workers (replicas) checking at the same moment keep one. A worker that was down on the
1st makes the report when it comes back, and every month missed since the last one made.
Each round waits ``monthly_report_settle`` after midnight, so that sales still completing at
the month's end count in it.
"""

from __future__ import annotations

from services.common import clock
from services.common.runtime import ServiceRuntime
from services.common.worker import PeriodicTask
from services.sales.clock import civil, month_of
from services.sales.domain.reporting import due_reports
from services.sales.report_pdf import report_pdf
from services.sales.workbook import programme_workbook


def make_due_reports(runtime: ServiceRuntime) -> list[str]:
    """One round: the months whose report this round made, oldest first."""
    settings = runtime.settings.own
    now = clock.now()
    with runtime.unit_of_work() as uow:
        latest = uow.reports.latest_month()
    made = []
    for month in due_reports(month_of(now - settings.monthly_report_settle), latest):
        with runtime.unit_of_work() as uow:
            figures = uow.reports.figures(month, month, settings.impact_target)
            made_on = civil(now).date()
            pdf, workbook = report_pdf(figures, made_on), programme_workbook(figures, made_on)
            if uow.reports.add_once(month, now, pdf, workbook):
                made.append(month)
            uow.commit()
    return made


REPORT_TASK = PeriodicTask(
    "monthly-report", make_due_reports, lambda settings: settings.monthly_report_check_seconds
)
