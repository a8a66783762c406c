"""Partners: what a partner key may change of its own record, and how a change applies.

The partner is read and changed by attribute (any object with the fields will do); history
is kept: a deactivated partner keeps its donations, and ``version`` counts its changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.donations.domain.commands import ChangePartner
from services.donations.domain.errors import FieldNotWritable

PARTNER_WRITABLE_BY_PARTNER = frozenset({"contacts"})


def refuse_fields_not_writable_by_partner(change: ChangePartner) -> None:
    if change.scope is None:
        return
    if refused := sorted(change.given() - PARTNER_WRITABLE_BY_PARTNER):
        raise FieldNotWritable(
            f"A partner key may change only its contacts, not: {', '.join(refused)}.",
            fields=refused,
        )


def renames(partner: Any, change: ChangePartner) -> bool:
    return change.name not in (None, partner.name)


def apply_change(partner: Any, change: ChangePartner, now: datetime) -> None:
    """Rename, re-kind, deactivate or reactivate (contacts are replaced by the repository)."""
    for name in ("name", "kind"):
        if (value := getattr(change, name)) is not None:
            setattr(partner, name, value)
    if change.active is False and partner.active:
        partner.active, partner.deactivated_at = False, now
    elif change.active is True:
        partner.active, partner.deactivated_at = True, None
    partner.version += 1
