"""``GET /operations/completions``: sales whose completion an operator should look at.

* ``refused``: inventory could not commit the items (the hold had lapsed and they were gone,
  or the reservation was released): the order ended ``completion_refused``, no money recorded;
* ``late``: the sale went through, but inventory committed it after the hold's expiry (it took
  the same items back): the counter was slow, or the saga was delayed.

Admins and auditors read it; orders appear without the person's code or the counter's words.
"""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import and_, or_, select

from services.common.authorization import READERS, allow
from services.common.blueprint import Blueprint
from services.common.pagination import PageArgs, page_of, paginate
from services.common.schemas import UtcDateTime
from services.common.webapp import current_runtime
from services.sales.models import Order

completions = Blueprint(
    "operations_completions",
    __name__,
    url_prefix="/operations/completions",
    description="Sales whose completion was refused or late, for operators",
)
REFUSED = Order.state == "completion_refused"
LATE = and_(
    Order.state == "completed",
    Order.expires_at.is_not(None),
    Order.completed_at > Order.expires_at,
)
KINDS = {"refused": REFUSED, "late": LATE, "all": or_(REFUSED, LATE)}


class CompletionFilter(PageArgs):
    kind = fields.String(load_default="all", validate=validate.OneOf(tuple(KINDS)))


class CompletionOut(Schema):
    order_id = fields.String(attribute="id")
    site_id = fields.String()
    kind = fields.Function(lambda o: "refused" if o.state == "completion_refused" else "late")
    state = fields.String()
    total_cents = fields.Integer()
    placed_at = UtcDateTime()
    expires_at = UtcDateTime(allow_none=True, metadata={"description": "the hold's expiry"})
    completion_requested_at = UtcDateTime(allow_none=True)
    completed_at = UtcDateTime(allow_none=True, metadata={"description": "committed at"})
    ended_at = UtcDateTime(allow_none=True)


@completions.route("")
class Completions(MethodView):
    @allow(*READERS)
    @completions.arguments(CompletionFilter, location="query")
    @completions.response(200, page_of(CompletionOut))
    def get(self, filters):
        """Refused and late completions (``kind``), the most recent first."""
        query = select(Order).where(KINDS[filters["kind"]])
        query = query.order_by(Order.ended_at.desc(), Order.id)
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, query, filters)
