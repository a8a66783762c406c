"""Environmental impact (``domain/environment.py``): factor sets published by admins, the
avoided figures frozen on a sale's device lines when it is recorded, and the devices
inventory scrapped, counted as recycled mass."""

from __future__ import annotations

from datetime import datetime

from services.common.events.envelope import CloudEvent
from services.sales.clock import as_utc, month_of
from services.sales.domain.commands import PublishImpactFactors
from services.sales.domain.environment import avoided, recycled_g
from services.sales.models import ImpactFactor, ImpactFactorSet, Order
from services.sales.repository import SalesUnitOfWork


def publish_impact_factors(uow: SalesUnitOfWork, command: PublishImpactFactors) -> ImpactFactorSet:
    """A new version, in force from now on (the previous ones stay, for the record)."""
    with uow:
        factor_set = ImpactFactorSet(
            version=uow.impact_factors.next_version(),
            valid_from=as_utc(command.at),
            note=command.note,
            created_by=command.actor,
            factors=[ImpactFactor(**factor) for factor in command.factors],
        )
        uow.impact_factors.add(factor_set)
        uow.commit()
        return factor_set


def freeze_avoided(uow: SalesUnitOfWork, order: Order, at: datetime) -> None:
    """Each line's avoided CO2e and materials by the factors in force at ``at`` (the sale),
    written on the line once: a later factor set never changes them."""
    version, factors = uow.impact_factors.in_force(at)
    for line in order.lines:
        if line.impact_factor_version is None and line.co2e_avoided_g is None:
            figures = avoided(line.product_key, line.quantity, factors, version)
            line.co2e_avoided_g = figures.co2e_g
            line.materials_avoided_g = figures.materials_g
            line.impact_factor_version = figures.factor_version


def on_device_scrapped(uow: SalesUnitOfWork, event: CloudEvent) -> None:
    """A scrapped device counts its category's mass as recycled, in the site and civil month
    it was scrapped, by the factors in force then."""
    data = event.data
    scrapped_at = as_utc(datetime.fromisoformat(data["occurred_at"]))
    version, factors = uow.impact_factors.in_force(scrapped_at)
    uow.impact_factors.record_recycled(
        {
            "device_id": str(data["device_id"]),
            "site_id": str(data["site_id"]),
            "category": data["category"],
            "month": month_of(scrapped_at),
            "recycled_g": recycled_g(data["category"], factors),
            "impact_factor_version": version,
            "scrapped_at": scrapped_at,
        }
    )
