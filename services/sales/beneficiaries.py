"""Beneficiaries: enrolment on an approved referral, renewal, closure, eligibility.

A person is known to other services only by ``code``: ``B-`` and 16 base32 characters from
80 random bits, so codes are neither guessable nor derived from the person.
"""

from __future__ import annotations

import base64
import secrets
from datetime import date

from sqlalchemy import Select, bindparam, select

from services.common.database_cache import DatabaseCache
from services.common.problems import Problem
from services.sales.domain import enrolment as rules
from services.sales.domain.enrolment import Enrolment, EnrolmentPolicy
from services.sales.domain.errors import ReferralNotApproved
from services.sales.domain.names import folded
from services.sales.models import Beneficiary, Organisation, SiteView, SocialWorker


def new_code() -> str:
    return "B-" + base64.b32encode(secrets.token_bytes(10)).decode("ascii")


def enrolment_of(beneficiary: Beneficiary) -> Enrolment:
    return Enrolment(
        beneficiary.starts_on, beneficiary.ends_on, beneficiary.renewals, beneficiary.closed_on
    )


def state_of(beneficiary: Beneficiary, today: date) -> str:
    return rules.state_on(enrolment_of(beneficiary), today)


def get_beneficiary(session, code: str, *, for_update: bool = False) -> Beneficiary:
    query = select(Beneficiary).where(Beneficiary.code == code)
    beneficiary = session.scalar(query.with_for_update() if for_update else query)
    if beneficiary is None:
        raise Problem(404, "beneficiary-not-found", f"No beneficiary {code}.")
    return beneficiary


def people_query(filters: dict, own_site: str | None) -> Select:
    """People matching ``filters`` (``home_site_id``, ``organisation_id``, ``name``: part of
    the folded name), oldest enrolment first. ``own_site``: a counter's site, the only home
    site whose people it may list or search (None: every site)."""
    query = select(Beneficiary)
    for name in ("home_site_id", "organisation_id"):
        if filters.get(name):
            query = query.where(getattr(Beneficiary, name) == str(filters[name]))
    if own_site is not None:
        query = query.where(Beneficiary.home_site_id == own_site)
    if filters.get("name"):
        wanted = folded(filters["name"])
        query = query.where(Beneficiary.display_name_folded.contains(wanted, autoescape=True))
    return query.order_by(Beneficiary.created_at, Beneficiary.id)


def _approved_organisation(session, organisation_id: str) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise Problem(422, "organisation-not-found", f"No organisation {organisation_id}.")
    if not organisation.approved:
        raise ReferralNotApproved(f"{organisation.name!r} is not approved: its referrals wait.")
    return organisation


def _check_referral(session, referral: dict) -> None:
    organisation = _approved_organisation(session, str(referral["organisation_id"]))
    worker_id = referral.get("social_worker_id")
    if worker_id is not None:
        worker = session.get(SocialWorker, str(worker_id))
        if worker is None or worker.organisation_id != organisation.id:
            raise Problem(422, "social-worker-not-found", f"No contact {worker_id} there.")


# Sites are opened and never change kind: a site once seen as a counter stays one.
_KNOWN_COUNTERS: DatabaseCache[bool] = DatabaseCache(seconds=None)


def require_counter_site(session, site_id: str) -> None:
    def is_counter() -> bool | None:
        site = session.get(SiteView, site_id)
        return True if site is not None and site.kind == "counter" else None

    if not _KNOWN_COUNTERS.get(session, site_id, is_counter):
        raise Problem(422, "unknown-counter-site", f"No counter site {site_id} is known.")


def _check_start(starts_on: date, today: date, policy: EnrolmentPolicy) -> None:
    earliest, latest = rules.start_window(today, policy)
    if not earliest <= starts_on <= latest:
        detail = f"An enrolment starts between {earliest.isoformat()} and {latest.isoformat()}."
        raise Problem(422, "start-out-of-window", detail, errors={"json": {"starts_on": [detail]}})


def enrol(session, person: dict, policy: EnrolmentPolicy, actor: str, today: date) -> Beneficiary:
    """``person``: name or initials, contact, home site and the referral; it starts within
    ``policy.start_window_days`` of ``today``."""
    _check_start(person["starts_on"], today, policy)
    _check_referral(session, person)
    require_counter_site(session, str(person["home_site_id"]))
    enrolment = rules.enrol(person["starts_on"], policy)
    beneficiary = Beneficiary(
        code=new_code(),
        display_name=person["display_name"],
        display_name_folded=folded(person["display_name"]),
        contact=person.get("contact"),
        referral_reason=person.get("referral_reason"),
        home_site_id=str(person["home_site_id"]),
        organisation_id=str(person["organisation_id"]),
        social_worker_id=_optional_str(person.get("social_worker_id")),
        referred_on=person["referred_on"],
        starts_on=enrolment.starts_on,
        ends_on=enrolment.ends_on,
        created_by=actor,
    )
    session.add(beneficiary)
    return beneficiary


def _optional_str(value) -> str | None:
    return None if value is None else str(value)


def renew(beneficiary: Beneficiary, today: date, policy: EnrolmentPolicy) -> None:
    renewed = rules.renew(enrolment_of(beneficiary), today, policy)
    beneficiary.ends_on, beneficiary.renewals = renewed.ends_on, renewed.renewals
    beneficiary.version += 1


def close(beneficiary: Beneficiary, today: date) -> None:
    if beneficiary.closed_on is None:
        beneficiary.closed_on = today
        beneficiary.version += 1


_FOR_ORDER = (  # built once: every order runs it, and building costs more than running it
    select(
        Beneficiary.id,
        Beneficiary.code,
        Beneficiary.starts_on,
        Beneficiary.ends_on,
        Beneficiary.renewals,
        Beneficiary.closed_on,
        Organisation.name.label("organisation_name"),
        Organisation.approved.label("organisation_approved"),
    )
    .join(Organisation, Organisation.id == Beneficiary.organisation_id)
    .where(Beneficiary.code == bindparam("code"))
    .with_for_update(of=Beneficiary)
)


def beneficiary_for_order(session, code: str):
    """What an order needs of the person (locked until the order is written) and of their
    referring organisation, in one statement of plain columns: every order reads them."""
    found = session.execute(_FOR_ORDER, {"code": code}).first()
    if found is None:
        raise Problem(404, "beneficiary-not-found", f"No beneficiary {code}.")
    return found


def require_can_order(person, today: date) -> None:
    """Eligibility, checked at every order: enrolment in force, referral still approved.
    ``person``: a :func:`beneficiary_for_order` row."""
    rules.require_eligible(enrolment_of(person), today)
    if not person.organisation_approved:
        raise ReferralNotApproved(f"{person.organisation_name!r} is no longer approved.")
