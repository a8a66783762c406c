"""sold_device_impacts: CO2e and materials each device sold avoids, as sales froze them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 16:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sold_device_impacts",
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("co2e_avoided_g", sa.Integer(), nullable=False),
        sa.Column("materials_avoided_g", sa.Integer(), nullable=False),
        sa.Column("impact_factor_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("order_id", "item_id", name=op.f("pk_sold_device_impacts")),
    )


def downgrade() -> None:
    op.drop_table("sold_device_impacts")
