"""environmental impact: versioned factor sets, figures frozen on order lines, recycled mass

* ``impact_factor_sets`` / ``impact_factors``: per device category, kg CO2e and kg raw
  materials avoided per year of extra use (stored in grams), the assumed extra years, the
  mass of a scrapped device, the source and the study's date; version 1 seeded below.
* ``order_lines``: ``co2e_avoided_g``, ``materials_avoided_g``, ``impact_factor_version``,
  frozen when the sale is recorded (past sales stay null: they were sold before the factors
  existed and count 0).
* ``recycled_devices``: the devices inventory scrapped, with their mass.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 15:30:00

"""

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ADEME_2022 = (
    "ADEME 2022, Evaluation de l'impact environnemental d'un ensemble de produits "
    "reconditionnes (FANGEAT et al., EFL consulting, DDemain, Bureau Veritas), published "
    "2022-09-09"
)
NO_FIGURE = (
    "no per-year figure found in ADEME 2022 for this category: counts 0 avoided until an "
    "admin publishes one; mass: programme estimate"
)
STUDY_DATE = date(2022, 9, 9)
# category: (g CO2e / year, g materials / year, extra years, mass g, source, study date).
# Extra years: the programme's assumption (2 years of extra use); masses: typical device
# masses, a programme estimate for the recycled figure.
SEED = {
    "smartphone": (24_600, 76_900, 2.0, 190, ADEME_2022 + "; smartphone", STUDY_DATE),
    "laptop": (27_000, 127_000, 2.0, 2_000, ADEME_2022 + "; laptop", STUDY_DATE),
    "desktop": (0, 0, 2.0, 8_000, NO_FIGURE, None),
    "tablet": (0, 0, 2.0, 500, NO_FIGURE, None),
    "feature_phone": (0, 0, 2.0, 90, NO_FIGURE, None),
    "mobile_internet_key": (0, 0, 2.0, 30, NO_FIGURE, None),
    "accessory": (0, 0, 2.0, 100, NO_FIGURE, None),
}


def upgrade() -> None:
    sets = op.create_table(
        "impact_factor_sets",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_impact_factor_sets")),
    )
    factors = op.create_table(
        "impact_factors",
        sa.Column("set_version", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("co2e_g_per_year", sa.Integer(), nullable=False),
        sa.Column("materials_g_per_year", sa.Integer(), nullable=False),
        sa.Column("extra_years", sa.Float(), nullable=False),
        sa.Column("mass_g", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("study_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["set_version"],
            ["impact_factor_sets.version"],
            name=op.f("fk_impact_factors_set_version_impact_factor_sets"),
        ),
        sa.PrimaryKeyConstraint("set_version", "category", name=op.f("pk_impact_factors")),
    )
    op.create_table(
        "recycled_devices",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("site_id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("recycled_g", sa.Integer(), nullable=False),
        sa.Column("impact_factor_version", sa.Integer(), nullable=True),
        sa.Column("scrapped_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_recycled_devices")),
    )
    op.create_index(op.f("ix_recycled_devices_site_id"), "recycled_devices", ["site_id"])
    op.create_index(op.f("ix_recycled_devices_month"), "recycled_devices", ["month"])
    # plain ALTER TABLE: a batch copy of order_lines on SQLite would check every row again
    op.add_column("order_lines", sa.Column("co2e_avoided_g", sa.Integer(), nullable=True))
    op.add_column("order_lines", sa.Column("materials_avoided_g", sa.Integer(), nullable=True))
    op.add_column("order_lines", sa.Column("impact_factor_version", sa.Integer(), nullable=True))
    _seed_first_version(sets, factors)


def _seed_first_version(sets, factors) -> None:
    """Version 1, in force for every sale (it starts before the programme's first)."""
    op.bulk_insert(
        sets,
        [
            {
                "version": 1,
                "valid_from": datetime(2000, 1, 1, tzinfo=UTC),
                "note": "ADEME 2022 (smartphone, laptop); 2 extra years of use assumed",
                "created_at": datetime.now(UTC),
                "created_by": "migration",
            }
        ],
    )
    op.bulk_insert(
        factors,
        [
            {
                "set_version": 1,
                "category": category,
                "co2e_g_per_year": co2e,
                "materials_g_per_year": materials,
                "extra_years": years,
                "mass_g": mass,
                "source": source,
                "study_date": study_date,
            }
            for category, (co2e, materials, years, mass, source, study_date) in SEED.items()
        ],
    )


def downgrade() -> None:
    op.execute("ALTER TABLE order_lines DROP COLUMN impact_factor_version")
    op.execute("ALTER TABLE order_lines DROP COLUMN materials_avoided_g")
    op.execute("ALTER TABLE order_lines DROP COLUMN co2e_avoided_g")
    op.drop_index(op.f("ix_recycled_devices_month"), table_name="recycled_devices")
    op.drop_index(op.f("ix_recycled_devices_site_id"), table_name="recycled_devices")
    op.drop_table("recycled_devices")
    op.drop_table("impact_factors")
    op.drop_table("impact_factor_sets")
