"""orders: the impact month of completed orders on the programme's civil calendar

Orders completed before this revision took their month in UTC: one completed at 23:30 UTC
on the last day of a month (00:30 in Paris on the 1st) counted in the month before. Their
month is recomputed in PROGRAMME_TIMEZONE, as completions now do; completion times and the
receipt numbers already given stay as they are.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 15:00:00

"""

from collections.abc import Callable, Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from services.sales.clock import as_utc, month_of

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

orders = sa.table(
    "orders",
    sa.column("id", sa.String),
    sa.column("completed_at", sa.DateTime(timezone=True)),
    sa.column("completed_month", sa.String),
)


def _recompute(month: Callable[[datetime], str]) -> None:
    """Rewrite the months that differ (a few: those completed near a month's boundary)."""
    connection = op.get_bind()
    completed = connection.execute(
        sa.select(orders.c.id, orders.c.completed_at, orders.c.completed_month)
        .where(orders.c.completed_at.is_not(None))
        .execution_options(yield_per=10_000)  # streamed: every completed order is read
    )
    recomputed = ((order, stored, month(at)) for order, at, stored in completed)
    moved = [{"order": order, "month": new} for order, stored, new in recomputed if new != stored]
    if moved:
        connection.execute(
            orders.update()
            .where(orders.c.id == sa.bindparam("order"))
            .values(completed_month=sa.bindparam("month")),
            moved,
        )


def upgrade() -> None:
    _recompute(month_of)


def downgrade() -> None:
    _recompute(lambda at: as_utc(at).strftime("%Y-%m"))
