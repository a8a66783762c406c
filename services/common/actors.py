"""Who is acting and at which counter, as the gateway's token says (see ``authorization.py``).

Records name the acting API key (its name and id); an order's site is the counter key's
site, never something the client sends.
"""

from __future__ import annotations

from services.common.authorization import current_principal
from services.common.problems import Problem


def current_actor() -> str:
    return current_principal().actor


def counter_site_id() -> str:
    """The site of the counter making the request; only counter keys have one."""
    site_id = current_principal().site_id
    if site_id is None:
        raise Problem(403, "counter-only", "Only a counter's key acts at a site.")
    return site_id
