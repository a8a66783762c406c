"""Sites: the workshop and the counters, opened by an admin, closed and reopened."""

from __future__ import annotations

from services.common import clock
from services.inventory.domain.commands import ChangeSiteStatus, OpenSite
from services.inventory.domain.errors import SiteNameTaken, UnknownStockSite
from services.inventory.domain.events import SiteOpened, SiteStatusChanged
from services.inventory.models import Site
from services.inventory.repository import InventoryUnitOfWork


def open_site(uow: InventoryUnitOfWork, command: OpenSite) -> Site:
    with uow:
        if uow.sites.named(command.name):
            raise SiteNameTaken(command.name)
        site = Site(name=command.name, city=command.city, kind=command.kind)
        uow.sites.add(site)
        uow.record(SiteOpened(site.id, site.name, site.city, site.kind, sequence=site.version))
        uow.commit()
        return site


def change_status(uow: InventoryUnitOfWork, command: ChangeSiteStatus) -> Site:
    """A closed site's counter keys stop working at the gateway and donations refuses new
    donations for it (``inventory.site.status_changed``); its stock, records and history
    stay. Asking for the state it is in changes nothing."""
    with uow:
        site = uow.sites.get(command.site_id)
        if site is None:
            raise UnknownStockSite(command.site_id)
        if command.open == (site.closed_at is None):
            return site
        moment = clock.now()
        site.closed_at = None if command.open else moment
        site.version += 1
        uow.record(SiteStatusChanged(site.id, command.open, moment, sequence=site.version))
        uow.commit()
        return site
