"""Programme impact for partners and funders: figures, per site and month, CSV export.

Open to every role: only aggregates by site and month, counted by pseudonymous code.
"""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from services.common.authorization import EVERYONE, allow
from services.common.blueprint import Blueprint
from services.common.webapp import current_runtime
from services.sales.impact import impact_csv, monthly_impact, programme_impact
from services.sales.schemas import ImpactFilter, MonthlyImpactOut, ProgrammeImpactOut
from services.sales.settings import current_settings

impact = Blueprint("impact", __name__, url_prefix="/impact", description="Programme impact")


@impact.route("")
class ProgrammeImpact(MethodView):
    @allow(*EVERYONE)
    @impact.response(200, ProgrammeImpactOut)
    def get(self):
        """Distinct people helped (deduplicated across sites) against the target, and totals."""
        with current_runtime().unit_of_work() as uow:
            return programme_impact(uow.session, current_settings().impact_target)


@impact.route("/monthly")
class MonthlyImpact(MethodView):
    @allow(*EVERYONE)
    @impact.arguments(ImpactFilter, location="query")
    @impact.response(200, MonthlyImpactOut(many=True))
    def get(self, filters):
        """Per site and month: people, orders, items by family, revenue and savings."""
        with current_runtime().unit_of_work() as uow:
            return monthly_impact(uow.session, filters)


@impact.route("/monthly.csv")
class MonthlyImpactCsv(MethodView):
    @allow(*EVERYONE)
    @impact.arguments(ImpactFilter, location="query")
    @impact.response(200, content_type="text/csv", description="The monthly rows as CSV")
    def get(self, filters):
        with current_runtime().unit_of_work() as uow:
            rows = monthly_impact(uow.session, filters)
        return Response(
            impact_csv(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="impact.csv"'},
        )
