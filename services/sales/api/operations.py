"""``GET /operations/completions``: sales whose completion an operator should look at.

* ``refused``: inventory could not commit the items (the hold had lapsed and they were gone,
  or the reservation was released): the order ended ``completion_refused``, no money recorded;
* ``late``: the sale went through, but inventory committed it after the hold's expiry (it took
  the same items back): the counter was slow, or the saga was delayed.

Admins and auditors read it; orders appear without the person's code or the counter's words.
"""

from __future__ import annotations

from flask.views import MethodView

from services.common.authorization import READERS, allow
from services.common.blueprint import Blueprint
from services.common.pagination import page_of, paginate
from services.common.webapp import current_runtime
from services.sales.api.schemas import CompletionFilter, CompletionOut
from services.sales.repository.orders import completions_query

completions = Blueprint(
    "operations_completions",
    __name__,
    url_prefix="/operations/completions",
    description="Sales whose completion was refused or late, for operators",
)


@completions.route("")
class Completions(MethodView):
    @allow(*READERS)
    @completions.arguments(CompletionFilter, location="query")
    @completions.response(200, page_of(CompletionOut))
    def get(self, filters):
        """Refused and late completions (``kind``), the most recent first."""
        query = completions_query(filters["kind"])
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, query, filters)
