"""Inventory's SQL, behind names a use case reads (``uow.stock.lock_levels(site, keys)``,
``uow.reservations.add(...)``), and its unit of work, which opens them on its session."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.unit_of_work import UnitOfWork
from services.inventory.repository.cards import Cards
from services.inventory.repository.custody import Custody
from services.inventory.repository.devices import Devices
from services.inventory.repository.intake import Intake
from services.inventory.repository.items import Items
from services.inventory.repository.reservations import Reservations
from services.inventory.repository.sites import Sites
from services.inventory.repository.stock import StockLevels, Transfers


class InventoryUnitOfWork(UnitOfWork):
    stock: StockLevels
    reservations: Reservations
    items: Items
    custody: Custody
    transfers: Transfers
    devices: Devices
    sites: Sites
    cards: Cards
    intake: Intake

    def bind(self, session: Session) -> None:
        self.stock = StockLevels(session)
        self.reservations = Reservations(session)
        self.items = Items(session)
        self.custody = Custody(session)
        self.transfers = Transfers(session)
        self.devices = Devices(session)
        self.sites = Sites(session)
        self.cards = Cards(session)
        self.intake = Intake(session)
