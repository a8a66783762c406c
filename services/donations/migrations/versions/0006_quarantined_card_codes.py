"""quarantined card codes

A PIN another partner donated before is stored, quarantined, instead of refusing the file:
the unique constraint on ``pin_hash`` becomes a partial unique index over the codes in
circulation, and a plain index keeps the lookups by hash fast.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_CIRCULATION = sa.text("NOT quarantined")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("card_codes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("quarantined", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.drop_constraint(batch_op.f("uq_card_codes_pin_hash"), type_="unique")
        batch_op.create_index(batch_op.f("ix_card_codes_pin_hash"), ["pin_hash"], unique=False)
    op.create_index(
        "uq_card_codes_pin_hash_in_circulation",
        "card_codes",
        ["pin_hash"],
        unique=True,
        sqlite_where=IN_CIRCULATION,
        postgresql_where=IN_CIRCULATION,
    )


def downgrade() -> None:
    """Downgrade schema (fails while two codes share a PIN: delete the quarantined first)."""
    op.drop_index("uq_card_codes_pin_hash_in_circulation", table_name="card_codes")
    with op.batch_alter_table("card_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_codes_pin_hash"))
        batch_op.create_unique_constraint(batch_op.f("uq_card_codes_pin_hash"), ["pin_hash"])
        batch_op.drop_column("quarantined")
