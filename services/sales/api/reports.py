"""The funder workbook of a period and the monthly reports the worker keeps.

Admins and auditors only: a workbook gathers every site's figures and every partner's, so a
counter (one site) or a partner (its own gifts: donations' partner workbook) is refused.
"""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from services.common.authorization import READERS, allow
from services.common.blueprint import Blueprint
from services.common.problems import Problem
from services.common.webapp import current_runtime
from services.sales.api.report_schemas import MonthlyReportOut, WorkbookPeriod
from services.sales.clock import today
from services.sales.settings import current_settings
from services.sales.workbook import programme_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"

workbook = Blueprint(
    "workbook", __name__, url_prefix="/impact", description="The funder workbook (.xlsx)"
)
reports = Blueprint(
    "reports", __name__, url_prefix="/reports", description="Monthly reports (PDF and workbook)"
)


def _attachment(content: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@workbook.route("/workbook.xlsx")
class FunderWorkbook(MethodView):
    @allow(*READERS)
    @workbook.arguments(WorkbookPeriod, location="query")
    @workbook.response(200, content_type=XLSX, description="The workbook of the period")
    @workbook.alt_response(422, description="problem+json: a bad month, or a bad period")
    def get(self, period):
        """Summary, one sheet per month (a row per site) and partners, for whole months
        ``from``..``to`` (at most 36; by default the last 12 up to this month)."""
        first, last = period["first"], period["last"]
        with current_runtime().unit_of_work() as uow:
            figures = uow.reports.figures(first, last, current_settings().impact_target)
        content = programme_workbook(figures, today())
        return _attachment(content, XLSX, f"impact-{first}-{last}.xlsx")


@reports.route("")
class MonthlyReports(MethodView):
    @allow(*READERS)
    @reports.response(200, MonthlyReportOut(many=True))
    def get(self):
        """The reports the worker made on the first of each month, newest first."""
        with current_runtime().unit_of_work() as uow:
            return uow.reports.listed()


def _report_file(report_id, kind: str) -> tuple[str, bytes]:
    with current_runtime().unit_of_work() as uow:
        found = uow.reports.file(str(report_id), kind)
    if found is None:
        raise Problem(404, "report-not-found", f"No report {report_id}.")
    return found


@reports.route("/<uuid:report_id>/report.pdf")
class MonthlyReportPdf(MethodView):
    @allow(*READERS)
    @reports.response(200, content_type=PDF, description="The month's report as a PDF")
    def get(self, report_id):
        month, content = _report_file(report_id, "pdf")
        return _attachment(content, PDF, f"rapport-{month}.pdf")


@reports.route("/<uuid:report_id>/workbook.xlsx")
class MonthlyReportWorkbook(MethodView):
    @allow(*READERS)
    @reports.response(200, content_type=XLSX, description="The month's funder workbook")
    def get(self, report_id):
        month, content = _report_file(report_id, "workbook")
        return _attachment(content, XLSX, f"impact-{month}.xlsx")
