"""site_cities: a site inventory closed takes no donations

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 13:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("site_cities", sa.Column("closed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.execute("ALTER TABLE site_cities DROP COLUMN closed_at")
