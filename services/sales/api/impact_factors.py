"""The environmental factors, kept as data in versions (``domain/environment.py``).

Admins publish a new version; it applies to the sales recorded from then on, and past sales
keep the figures frozen on their lines. Every role may read the factors: they are the method
behind the figures every role sees.
"""

from __future__ import annotations

from flask.views import MethodView

from services.common.actors import current_actor
from services.common.authorization import EVERYONE, allow
from services.common.blueprint import Blueprint
from services.common.problems import Problem
from services.common.webapp import current_runtime, execute
from services.sales.api.schemas import ImpactFactorSetIn, ImpactFactorSetOut
from services.sales.clock import utc_now
from services.sales.domain.commands import PublishImpactFactors

impact_factors = Blueprint(
    "impact_factors",
    __name__,
    url_prefix="/impact-factors",
    description="Environmental factors (CO2e and materials avoided, recycled mass)",
)


@impact_factors.route("")
class ImpactFactorCollection(MethodView):
    @allow(*EVERYONE)
    @impact_factors.response(200, ImpactFactorSetOut(many=True))
    def get(self):
        """Every version, the newest first."""
        with current_runtime().unit_of_work() as uow:
            return uow.impact_factors.history()

    @allow("admin")
    @impact_factors.arguments(ImpactFactorSetIn)
    @impact_factors.response(201, ImpactFactorSetOut)
    def post(self, factor_set):
        """Publish a new version, in force from now; a category left out counts 0 avoided
        and 0 kg recycled. Past sales keep the figures frozen when they were recorded."""
        command = PublishImpactFactors(
            factors=tuple(factor_set["factors"]),
            actor=current_actor(),
            at=utc_now(),
            note=factor_set.get("note"),
        )
        return execute(command)


@impact_factors.route("/current")
class CurrentImpactFactors(MethodView):
    @allow(*EVERYONE)
    @impact_factors.response(200, ImpactFactorSetOut)
    def get(self):
        """The version in force now: the one the next sale is frozen by."""
        with current_runtime().unit_of_work() as uow:
            found = uow.impact_factors.set_in_force(utc_now())
            if found is None:
                raise Problem(404, "no-impact-factors", "No environmental factors are in force.")
            return found
