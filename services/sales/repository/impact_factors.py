"""The environmental factor sets in SQL: published in versions; the set in force at a moment
is the newest one whose ``valid_from`` has come (``domain/environment.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from services.common.upserts import upsert
from services.sales.domain.environment import Factor
from services.sales.models import ImpactFactorSet, RecycledDevice


class ImpactFactors:
    def __init__(self, session: Session) -> None:
        self.session = session

    def set_in_force(self, at: datetime) -> ImpactFactorSet | None:
        query = (
            select(ImpactFactorSet)
            .options(selectinload(ImpactFactorSet.factors))
            .where(ImpactFactorSet.valid_from <= at)
            .order_by(ImpactFactorSet.version.desc())
            .limit(1)
        )
        return self.session.scalars(query).first()

    def in_force(self, at: datetime) -> tuple[int | None, dict[str, Factor]]:
        """The version in force at ``at`` and its factors by category (None, {}: none)."""
        found = self.set_in_force(at)
        if found is None:
            return None, {}
        return found.version, {
            row.category: Factor(
                row.category,
                row.co2e_g_per_year,
                row.materials_g_per_year,
                row.extra_years,
                row.mass_g,
            )
            for row in found.factors
        }

    def history(self) -> list[ImpactFactorSet]:
        """Every version, the newest first, with its factors."""
        query = select(ImpactFactorSet).options(selectinload(ImpactFactorSet.factors))
        return list(self.session.scalars(query.order_by(ImpactFactorSet.version.desc())))

    def next_version(self) -> int:
        return (self.session.scalar(select(func.max(ImpactFactorSet.version))) or 0) + 1

    def add(self, factor_set: ImpactFactorSet) -> None:
        self.session.add(factor_set)

    def record_recycled(self, values: dict) -> None:
        """A scrapped device, once (a redelivered or repeated event changes nothing)."""
        upsert(self.session, RecycledDevice, values, keys=("device_id",), update=())
