"""intake_lines: a received hardware line's progress, taken in by bounded chunks

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 12:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_lines",
        sa.Column("line_id", sa.String(length=36), nullable=False),
        sa.Column("donation_id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("site_id", sa.String(length=36), nullable=False),
        sa.Column("line", sa.JSON(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("taken_in", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_intake_lines_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("line_id", name=op.f("pk_intake_lines")),
    )
    op.create_index(op.f("ix_intake_lines_done_at"), "intake_lines", ["done_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_intake_lines_done_at"), table_name="intake_lines")
    op.drop_table("intake_lines")
