"""Programme impact for partners and funders: figures, per site and month, CSV export.

Open to every role: only aggregates by site and month, counted by pseudonymous code.
"""

from __future__ import annotations

import csv
import io

from flask import Response
from flask.views import MethodView

from services.common.authorization import EVERYONE, allow
from services.common.blueprint import Blueprint
from services.common.spreadsheet import formula_safe
from services.common.webapp import current_runtime
from services.sales.api.schemas import ImpactFilter, MonthlyImpactOut, ProgrammeImpactOut
from services.sales.repository.impact import FAMILY_NAMES
from services.sales.settings import current_settings

# The environmental figures of a row (``environment``), as they are named in the API.
ENVIRONMENT_COLUMNS = (
    "devices_sold",
    "co2e_kg",
    "materials_kg",
    "devices_recycled",
    "recycled_kg",
    "data_gb_sold",
    "minutes_sold",
)
CSV_COLUMNS = (
    "site_id",
    "site_name",
    "city",
    "month",
    "people",
    "orders",
    *(f"items_{family}" for family in FAMILY_NAMES),
    "revenue_cents",
    "savings_cents",
    *ENVIRONMENT_COLUMNS,
)

impact = Blueprint("impact", __name__, url_prefix="/impact", description="Programme impact")


@impact.route("")
class ProgrammeImpact(MethodView):
    @allow(*EVERYONE)
    @impact.response(200, ProgrammeImpactOut)
    def get(self):
        """Distinct people helped (deduplicated across sites) against the target, and totals."""
        with current_runtime().unit_of_work() as uow:
            return uow.impact.programme(current_settings().impact_target)


@impact.route("/monthly")
class MonthlyImpact(MethodView):
    @allow(*EVERYONE)
    @impact.arguments(ImpactFilter, location="query")
    @impact.response(200, MonthlyImpactOut(many=True))
    def get(self, filters):
        """Per site and month: people, orders, items by family, revenue and savings."""
        with current_runtime().unit_of_work() as uow:
            return uow.impact.monthly(filters)


@impact.route("/monthly.csv")
class MonthlyImpactCsv(MethodView):
    @allow(*EVERYONE)
    @impact.arguments(ImpactFilter, location="query")
    @impact.response(200, content_type="text/csv", description="The monthly rows as CSV")
    def get(self, filters):
        with current_runtime().unit_of_work() as uow:
            rows = uow.impact.monthly(filters)
        return Response(
            impact_csv(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="impact.csv"'},
        )


def impact_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        items = {f"items_{family}": count for family, count in row["items_by_family"].items()}
        environment = {k: row["environment"][k] for k in ENVIRONMENT_COLUMNS}
        cells = {**{k: row[k] for k in CSV_COLUMNS if k in row}, **items, **environment}
        writer.writerow({name: _inert(value) for name, value in cells.items()})
    return buffer.getvalue()


def _inert(value):
    """Text a spreadsheet would run as a formula (a site named "=HYPERLINK(...)") is quoted
    with a leading apostrophe, as spreadsheets expect; numbers stay numbers."""
    return formula_safe(value) if isinstance(value, str) else value
