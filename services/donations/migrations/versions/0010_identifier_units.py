"""line_identifiers.unit: the device of its line an identifier belongs to

A reception counts devices, not identifiers (a tablet with a serial and an IMEI is one),
and inventory gets each device's identifiers together. Identifiers stored before are given
the unit inventory paired them by: the n-th serial and the n-th IMEI of a line (in order of
position) are its n-th device.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 19:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NUMBERED = """
UPDATE line_identifiers SET unit = numbered.unit
FROM (
    SELECT id, row_number() OVER (PARTITION BY line_id, scheme ORDER BY position) AS unit
    FROM line_identifiers
) AS numbered
WHERE line_identifiers.id = numbered.id
"""


def upgrade() -> None:
    with op.batch_alter_table("line_identifiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit", sa.Integer(), nullable=True))
    op.execute(NUMBERED)
    with op.batch_alter_table("line_identifiers", schema=None) as batch_op:
        batch_op.alter_column("unit", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(
            batch_op.f("ix_line_identifiers_line_id_unit"), ["line_id", "unit"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("line_identifiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_line_identifiers_line_id_unit"))
        batch_op.drop_column("unit")
