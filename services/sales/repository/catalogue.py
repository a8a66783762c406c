"""Projections of inventory's events: the sites sales knows and what each can sell now
(newest version wins: a late, older event changes nothing)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.database_cache import DatabaseCache
from services.common.upserts import upsert
from services.sales.models import CatalogueItem, SiteView

# Sites are opened and never change kind: a site once seen as a counter stays one.
_KNOWN_COUNTERS: DatabaseCache[bool] = DatabaseCache(seconds=None)


class Sites:
    def __init__(self, session: Session) -> None:
        self.session = session

    def is_counter(self, site_id: str) -> bool:
        def is_counter() -> bool | None:
            site = self.session.get(SiteView, site_id)
            return True if site is not None and site.kind == "counter" else None

        return bool(_KNOWN_COUNTERS.get(self.session, site_id, is_counter))

    def get(self, site_id: str) -> SiteView | None:
        return self.session.get(SiteView, site_id)

    def all(self) -> list[SiteView]:
        return list(self.session.scalars(select(SiteView).order_by(SiteView.name)))

    def keep_newest(self, rows: list[dict]) -> None:
        """``rows``: site_id, name, city, kind and version."""
        upsert(self.session, SiteView, rows, keys=("site_id",))


class Catalogue:
    def __init__(self, session: Session) -> None:
        self.session = session

    def keep_newest(self, rows: list[dict]) -> None:
        """``rows``: one count per (site, product), with the product's fields and version."""
        upsert(self.session, CatalogueItem, rows, keys=("site_id", "product_key"))

    def available_at(self, site_id: str) -> list[CatalogueItem]:
        """What the site has in stock now, by family and product."""
        return list(
            self.session.scalars(
                select(CatalogueItem)
                .where(CatalogueItem.site_id == site_id, CatalogueItem.available > 0)
                .order_by(CatalogueItem.family, CatalogueItem.product_key)
            )
        )
