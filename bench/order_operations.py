"""How many bare operations the stack performed: PostgreSQL commits, events published and
events delivered, counted in its databases so that a difference of two counts gives what a
load cost (bench/raw_floor.py prices each kind).

* commits: ``pg_stat_database.xact_commit`` of every database of the stack (read-only
  transactions closed by a rollback do not count);
* published: outbox rows the relays marked sent;
* delivered: inbox rows, one per event a consumer took in.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import psycopg

from services.common.config import DATABASES, SERVICES_WITH_DATABASE

# PostgreSQL publishes a backend's counters at most once a second after it goes idle.
STATISTICS_DELAY_SECONDS = 1.5


@dataclass(frozen=True)
class Operations:
    commits: int
    published: int
    delivered: int

    def __sub__(self, other: Operations) -> Operations:
        return Operations(
            self.commits - other.commits,
            self.published - other.published,
            self.delivered - other.delivered,
        )


def libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def database_urls(environment: Mapping[str, str]) -> dict[str, str]:
    return {s: libpq_url(environment[f"{s.upper()}_DATABASE_URL"]) for s in DATABASES}


def count_operations(urls: Mapping[str, str]) -> Operations:
    commits = published = delivered = 0
    for service, url in urls.items():
        with psycopg.connect(url, autocommit=True) as db:
            commits += db.execute(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone()[0]
            if service in SERVICES_WITH_DATABASE:
                published += db.execute(
                    "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL"
                ).fetchone()[0]
                delivered += db.execute("SELECT count(*) FROM inbox").fetchone()[0]
    return Operations(commits, published, delivered)


def settled_count(urls: Mapping[str, str]) -> Operations:
    """The count once the backends have published their statistics."""
    time.sleep(STATISTICS_DELAY_SECONDS)
    return count_operations(urls)
