"""Which devices get a label, read with their site: a donation's, those with given asset
tags, or those received since a day; each as the domain's :class:`Label`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from services.inventory.domain.labels import Label, model_text, site_code
from services.inventory.models import Device, Site


def _labels() -> Select:
    return select(
        Device.asset_tag, Device.category, Device.brand, Device.model, Site.name, Site.city
    ).join(Site, Site.id == Device.site_id)


def _label(row) -> Label:
    tag, category, brand, model, site_name, city = row
    return Label(tag, category, model_text(brand, model), site_code(site_name, city))


def of_donation(session: Session, donation_id: str, limit: int) -> list[Label]:
    """The donation's devices in order of intake (their tags), ``limit`` at most."""
    query = _labels().where(Device.donation_id == donation_id).order_by(Device.asset_tag)
    return [_label(row) for row in session.execute(query.limit(limit))]


def received_since(session: Session, day: date, limit: int) -> list[Label]:
    """Devices received on ``day`` (UTC) or later, in order of intake, ``limit`` at most."""
    since = datetime.combine(day, time(), UTC)
    query = _labels().where(Device.created_at >= since).order_by(Device.asset_tag)
    return [_label(row) for row in session.execute(query.limit(limit))]


def tagged(session: Session, tags: Sequence[str]) -> dict[str, Label]:
    """The labels of the devices among ``tags`` (asset tags as stored), by tag."""
    found: dict[str, Label] = {}
    wanted = sorted(set(tags))
    for start in range(0, len(wanted), 500):  # bounded IN lists
        chunk = wanted[start : start + 500]
        for row in session.execute(_labels().where(Device.asset_tag.in_(chunk))):
            found[row[0]] = _label(row)
    return found
