"""Admin settings kept as data: the limits and the solidarity price grid.

Admins change them; counters (who sell by them) and auditors read them.
"""

from __future__ import annotations

import re

from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from services.common.actors import current_actor
from services.common.authorization import allow
from services.common.blueprint import Blueprint
from services.common.problems import Problem
from services.common.webapp import current_runtime
from services.sales.clock import utc_now
from services.sales.limits import forget_rules
from services.sales.models import LimitRuleRow, PriceGrid
from services.sales.prices import grid_in_force, publish_grid
from services.sales.schemas import LimitRuleIn, LimitRuleOut, PriceGridIn, PriceGridOut

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
            return uow.session.scalars(select(LimitRuleRow).order_by(LimitRuleRow.code)).all()


@limits.route("/<string:code>")
class LimitItem(MethodView):
    @allow("admin")
    @limits.arguments(LimitRuleIn)
    @limits.response(200, LimitRuleOut)
    def put(self, rule, code):
        """Create or replace the rule named ``code``; it applies to the next order."""
        _check_rule_code(code)
        with current_runtime().unit_of_work() as uow:
            row = uow.session.get(LimitRuleRow, code, with_for_update=True) or LimitRuleRow(
                code=code
            )
            rule.setdefault("window_days", None)
            for name, value in rule.items():
                setattr(row, name, value)
            row.updated_at, row.updated_by = utc_now(), current_actor()
            uow.session.add(row)
            uow.commit()
            forget_rules(uow.session)
            return row

    @allow("admin")
    @limits.response(204)
    def delete(self, code):
        with current_runtime().unit_of_work() as uow:
            row = uow.session.get(LimitRuleRow, code)
            if row is None:
                raise Problem(404, "limit-not-found", f"No limit {code!r}.")
            uow.session.delete(row)
            uow.commit()
            forget_rules(uow.session)


def _check_rule_code(code: str) -> None:
    if not _RULE_CODE.match(code):
        raise Problem(400, "invalid-limit-code", "Use 1 to 60 lowercase letters, digits, '-'.")


@price_grids.route("")
class PriceGridCollection(MethodView):
    @allow(*SEE_SETTINGS)
    @price_grids.response(200, PriceGridOut(many=True))
    def get(self):
        with current_runtime().unit_of_work() as uow:
            query = select(PriceGrid).options(selectinload(PriceGrid.entries))
            return uow.session.scalars(query.order_by(PriceGrid.version.desc())).all()

    @allow("admin")
    @price_grids.arguments(PriceGridIn)
    @price_grids.response(201, PriceGridOut)
    def post(self, grid):
        """Publish a new version listing every priced product; past sales keep theirs."""
        with current_runtime().unit_of_work() as uow:
            published = publish_grid(uow.session, grid, current_actor(), utc_now())
            uow.commit()
            return published


@price_grids.route("/current")
class CurrentPriceGrid(MethodView):
    @allow(*SEE_SETTINGS)
    @price_grids.response(200, PriceGridOut)
    def get(self):
        with current_runtime().unit_of_work() as uow:
            grid = grid_in_force(uow.session, utc_now())
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
            grid = uow.session.get(PriceGrid, version, options=[selectinload(PriceGrid.entries)])
            if grid is None:
                raise Problem(404, "price-grid-not-found", f"No price grid version {version}.")
            return grid
