"""orders: completion waits for inventory's commit; sales count in their placement month

* ``completion_requested_at`` / ``completion_requested_by``: the counter asked to complete
  (state ``completing``); the payment is recorded only once inventory committed the items.
* ``reservation_lapsed_at`` goes: a completed order can no longer lose its reservation.
* ``completed_month`` becomes ``sale_month``: the month a sale counts in, for the monthly
  limits and for impact alike, is the month it was placed (in programme time).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.sales.clock import as_utc, month_of

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

orders = sa.table(
    "orders",
    sa.column("id", sa.String),
    sa.column("placed_at", sa.DateTime(timezone=True)),
    sa.column("sale_month", sa.String),
)


# Plain ALTER TABLE (PostgreSQL, SQLite ≥ 3.35): a batch copy of ``orders`` on SQLite would
# check every row's foreign keys again; renaming a column renames it in its index too.
def upgrade() -> None:
    op.add_column("orders", sa.Column("completion_requested_at", sa.DateTime(timezone=True)))
    op.add_column("orders", sa.Column("completion_requested_by", sa.String(120)))
    op.execute("ALTER TABLE orders DROP COLUMN reservation_lapsed_at")
    op.execute("ALTER TABLE orders RENAME COLUMN completed_month TO sale_month")
    connection = op.get_bind()
    sold = connection.execute(
        sa.select(orders.c.id, orders.c.placed_at).where(orders.c.sale_month.is_not(None))
    ).all()
    for order_id, placed_at in sold:
        connection.execute(
            orders.update()
            .where(orders.c.id == order_id)
            .values(sale_month=month_of(as_utc(placed_at)))
        )


def downgrade() -> None:
    op.execute("ALTER TABLE orders RENAME COLUMN sale_month TO completed_month")
    op.add_column("orders", sa.Column("reservation_lapsed_at", sa.DateTime(timezone=True)))
    op.execute("ALTER TABLE orders DROP COLUMN completion_requested_by")
    op.execute("ALTER TABLE orders DROP COLUMN completion_requested_at")
