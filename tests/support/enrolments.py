"""People enrolled long ago or far ahead, beyond the start window the API accepts (31 days
either way): enrolled today through the API, then their dates moved in the database, as if
they had been enrolled then (a migration from paper records would look the same)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from services.sales.domain import enrolment as rules
from services.sales.models import Beneficiary


def enrolled_from(
    desk, starts_on: date, policy: rules.EnrolmentPolicy | None = None, **changes
) -> str:
    """The code of a person whose enrolment started (or starts) on ``starts_on``."""
    code = desk.person(**changes)
    enrolment = rules.enrol(starts_on, policy or rules.EnrolmentPolicy())
    moved = {"referred_on": starts_on, "starts_on": starts_on, "ends_on": enrolment.ends_on}
    with desk.runtime.engine.begin() as connection:
        connection.execute(update(Beneficiary).where(Beneficiary.code == code).values(moved))
    return code


def referral(
    display_name: str, contact: str, site_id: str, organisation: dict, reason: str
) -> dict:
    """The body of ``POST /beneficiaries``: a person of ``site_id`` referred today by the
    first contact of ``organisation`` (as the API shows it)."""
    return {
        "display_name": display_name,
        "contact": contact,
        "home_site_id": site_id,
        "organisation_id": organisation["id"],
        "social_worker_id": organisation["contacts"][0]["id"],
        "referred_on": date.today().isoformat(),
        "referral_reason": reason,
    }
