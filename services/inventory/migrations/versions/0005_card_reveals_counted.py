"""card_reveals: a lost answer may be fetched again, counted

The counter that revealed a sale's codes may fetch them again for a short window (a lost
answer must not lose the codes): each reveal of a card is counted, the last one dated.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 12:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("card_reveals") as batch:
        batch.add_column(sa.Column("times", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("last_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("card_reveals") as batch:
        batch.drop_column("last_at")
        batch.drop_column("times")
