"""Sales' SQL, behind names its use cases read (``uow.orders.add(order)``,
``uow.people.for_order(code)``, ``uow.prices.in_force(at, keys)``), and its unit of work,
which opens these repositories on the transaction's session."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.unit_of_work import UnitOfWork
from services.sales.repository.catalogue import Catalogue, Sites
from services.sales.repository.impact import Impact
from services.sales.repository.impact_factors import ImpactFactors
from services.sales.repository.limits import Limits
from services.sales.repository.orders import Orders
from services.sales.repository.people import Organisations, People
from services.sales.repository.prices import Prices
from services.sales.repository.reports import Reports


class SalesUnitOfWork(UnitOfWork):
    orders: Orders
    people: People
    organisations: Organisations
    prices: Prices
    reports: Reports
    limits: Limits
    sites: Sites
    catalogue: Catalogue
    impact: Impact
    impact_factors: ImpactFactors

    def bind(self, session: Session) -> None:
        self.orders = Orders(session)
        self.people = People(session)
        self.organisations = Organisations(session)
        self.prices = Prices(session)
        self.reports = Reports(session)
        self.limits = Limits(session)
        self.sites = Sites(session)
        self.catalogue = Catalogue(session)
        self.impact = Impact(session)
        self.impact_factors = ImpactFactors(session)
