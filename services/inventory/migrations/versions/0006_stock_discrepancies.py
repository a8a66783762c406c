"""stock_discrepancies: what the reconciliation check found, open until it disappears

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 14:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stock_discrepancies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("site_id", sa.String(length=36), nullable=True),
        sa.Column("product_key", sa.String(length=160), nullable=True),
        sa.Column("figure", sa.String(length=20), nullable=True),
        sa.Column("bucket", sa.String(length=8), nullable=True),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("found", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_discrepancies")),
    )
    op.create_index(
        "ix_stock_discrepancies_open",
        "stock_discrepancies",
        ["resolved_at", "kind"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_stock_discrepancies_open", table_name="stock_discrepancies")
    op.drop_table("stock_discrepancies")
