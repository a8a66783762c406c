"""What a counter key sees of the inventory: its own site only (``authorization.py``).

Admin, auditor and workshop keys see every site. For a counter, queries are narrowed in SQL,
so another site's card, reservation or transfer is answered exactly like a missing one (404
with the same code): the caller learns nothing about objects that are not its own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, true

from services.common.authorization import site_scope


def at_callers_site(*site_columns: Any) -> ColumnElement[bool]:
    """Rows whose site (any of ``site_columns``) is the counter's; every row for other roles."""
    site_id = site_scope()
    if site_id is None:
        return true()
    return or_(*(column == site_id for column in site_columns))


def is_callers_site(site_id: Any) -> bool:
    scope = site_scope()
    return scope is None or str(site_id) == scope


def filtered(query, model, filters: dict, names: tuple[str, ...]):
    """``query`` narrowed to the rows whose columns ``names`` equal the given filters."""
    for name in names:
        if filters.get(name) is not None:
            query = query.where(getattr(model, name) == str(filters[name]))
    return query
