"""Sites in SQL."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.inventory.models import Site


class Sites:
    def __init__(self, session: Session) -> None:
        self.session = session

    def named(self, name: str) -> str | None:
        """The id of the site named ``name``, if any."""
        return self.session.scalar(select(Site.id).where(Site.name == name))

    def add(self, site: Site) -> None:
        self.session.add(site)
        self.session.flush()

    def get(self, site_id: str) -> Site | None:
        return self.session.get(Site, site_id)
