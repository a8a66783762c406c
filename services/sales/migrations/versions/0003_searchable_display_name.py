"""beneficiaries: a folded copy of the name for searches (case and accents ignored)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.sales.domain.names import folded

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

people = sa.table(
    "beneficiaries",
    sa.column("id", sa.String),
    sa.column("display_name", sa.String),
    sa.column("display_name_folded", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("beneficiaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name_folded", sa.String(length=240), nullable=True))
    connection = op.get_bind()
    named = connection.execute(
        sa.select(people.c.id, people.c.display_name).where(people.c.display_name.is_not(None))
    ).all()
    if named:
        connection.execute(
            people.update()
            .where(people.c.id == sa.bindparam("person"))
            .values(display_name_folded=sa.bindparam("name")),
            [{"person": person, "name": folded(name)} for person, name in named],
        )


def downgrade() -> None:
    with op.batch_alter_table("beneficiaries", schema=None) as batch_op:
        batch_op.drop_column("display_name_folded")
