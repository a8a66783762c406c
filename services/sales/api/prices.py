"""Admin settings kept as data: the limits and the solidarity price grid.

Admins change them; counters (who sell by them) and auditors read them.
"""

from __future__ import annotations

import re

from flask.views import MethodView
from sqlalchemy import select

from services.common.actors import current_actor
from services.common.authorization import allow
from services.common.blueprint import Blueprint
from services.common.problems import Problem
from services.common.webapp import current_runtime, execute
from services.sales.api.product_keys import never_held
from services.sales.api.schemas import (
    LimitRuleIn,
    LimitRuleOut,
    PriceGridIn,
    PriceGridOut,
    PublishedPriceGridOut,
)
from services.sales.clock import utc_now
from services.sales.domain.commands import PublishPriceGrid, RemoveLimit, SetLimit
from services.sales.models import CatalogueItem

limits = Blueprint("limits", __name__, url_prefix="/limits", description="Per-person limits")
price_grids = Blueprint(
    "price_grids", __name__, url_prefix="/price-grids", description="Solidarity price grid"
)
_RULE_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
MAX_VERSION = 2**31 - 1  # a version column's range; a larger number in the path is no route
SEE_SETTINGS = ("admin", "auditor", "counter")


@limits.route("")
class LimitCollection(MethodView):
    @allow(*SEE_SETTINGS)
    @limits.response(200, LimitRuleOut(many=True))
    def get(self):
        with current_runtime().unit_of_work() as uow:
            return uow.limits.all()


@limits.route("/<string:code>")
class LimitItem(MethodView):
    @allow("admin")
    @limits.arguments(LimitRuleIn)
    @limits.response(200, LimitRuleOut)
    def put(self, rule, code):
        """Create or replace the rule named ``code``; it applies to the next order."""
        _check_rule_code(code)
        return execute(SetLimit(code, rule, current_actor(), utc_now()))

    @allow("admin")
    @limits.response(204)
    def delete(self, code):
        execute(RemoveLimit(code))


def _check_rule_code(code: str) -> None:
    if not _RULE_CODE.match(code):
        raise Problem(400, "invalid-limit-code", "Use 1 to 60 lowercase letters, digits, '-'.")


@price_grids.route("")
class PriceGridCollection(MethodView):
    @allow(*SEE_SETTINGS)
    @price_grids.response(200, PriceGridOut(many=True))
    def get(self):
        with current_runtime().unit_of_work() as uow:
            return uow.prices.grids()

    @allow("admin")
    @price_grids.arguments(PriceGridIn)
    @price_grids.response(201, PublishedPriceGridOut)
    def post(self, grid):
        """Publish a new version listing every priced product; past sales keep theirs.

        A key that cannot exist is refused (422 naming the entry and the key's shape). A key
        that can exist but no stock has ever held, at any site, is published all the same
        (a product not received yet may be priced ahead) and named in ``warnings`` (code
        ``never-in-stock``): a slip such as ``card:orange:10``, a 10-cent card, for
        ``card:orange:1000`` shows there.
        """
        command = PublishPriceGrid(
            entries=tuple(grid["entries"]),
            actor=current_actor(),
            at=utc_now(),
            valid_from=grid.get("valid_from"),
            valid_until=grid.get("valid_until"),
            note=grid.get("note"),
        )
        published = execute(command)
        with current_runtime().unit_of_work() as uow:
            # Every key inventory has counted at some site (a row stays once sold out).
            held = set(uow.session.scalars(select(CatalogueItem.product_key).distinct()))
        keys = [entry["product_key"] for entry in grid["entries"]]
        answer = {name: getattr(published, name) for name in PriceGridOut().fields}
        return {**answer, "warnings": never_held(keys, held)}


@price_grids.route("/current")
class CurrentPriceGrid(MethodView):
    @allow(*SEE_SETTINGS)
    @price_grids.response(200, PriceGridOut)
    def get(self):
        with current_runtime().unit_of_work() as uow:
            grid = uow.prices.grid_in_force(utc_now())
            if grid is None:
                raise Problem(404, "no-price-grid", "No price grid is in force.")
            grid.entries  # noqa: B018 - loaded before the session closes
            return grid


@price_grids.route(f"/<int(min=1, max={MAX_VERSION}):version>")
class PriceGridItem(MethodView):
    @allow(*SEE_SETTINGS)
    @price_grids.response(200, PriceGridOut)
    def get(self, version):
        with current_runtime().unit_of_work() as uow:
            grid = uow.prices.grid(version)
            if grid is None:
                raise Problem(404, "price-grid-not-found", f"No price grid version {version}.")
            return grid
