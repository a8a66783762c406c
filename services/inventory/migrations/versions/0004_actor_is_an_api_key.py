"""actors are API keys: room for a key's name and id

Records now name the acting key as "name [id]" (up to 120 + 39 characters), which no
longer fits the 120 characters the free-text ``X-Actor`` header had.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 13:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTOR_COLUMNS = {
    "device_transitions": ("actor",),
    "card_reveals": ("actor",),
    "stock_movements": ("actor",),
    "transfers": ("dispatched_by", "received_by"),
}


def _resize(old: int, new: int) -> None:
    for table, columns in _ACTOR_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(
                    column, existing_type=sa.String(length=old), type_=sa.String(length=new)
                )


def upgrade() -> None:
    _resize(120, 200)


def downgrade() -> None:
    _resize(200, 120)
