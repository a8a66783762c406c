"""Referring organisations and the people they refer: registration and approval,
enrolment, renewal, closure, and erasure of personal data.

A person is known to other services only by ``code``: ``B-`` and 16 base32 characters from
80 random bits, so codes are neither guessable nor derived from the person.

Erasure, on request or once the enrolment has ended and the retention period has passed:
the person's row keeps its pseudonymous code and enrolment dates; the personal fields are
nulled, so is the free text typed at the counter when their orders ended (it may name
them), and stored API answers that could repeat them (idempotency replays) are deleted.
Orders, limit history and impact figures use the code only, so they stay correct. The
worker erases those due every ``SALES_ERASURE_INTERVAL_SECONDS`` (default hourly);
``python -m services.sales.erasure`` does it at once.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from datetime import date, datetime

from services.common.runtime import ServiceRuntime
from services.common.worker import PeriodicTask
from services.sales.clock import civil, utc_now
from services.sales.domain import enrolment as rules
from services.sales.domain.commands import (
    ChangeOrganisation,
    CloseEnrolment,
    DecideApproval,
    Enrol,
    ErasePerson,
    RegisterOrganisation,
    RenewEnrolment,
)
from services.sales.domain.errors import (
    ContactsInUse,
    NotYourSite,
    OrganisationNameTaken,
    OrganisationNotFound,
    ReferralNotApproved,
    ReferringOrganisationUnknown,
    SocialWorkerUnknown,
    StartOutOfWindow,
)
from services.sales.domain.limits import Usage, history_start, usage_of
from services.sales.domain.names import folded
from services.sales.handlers.orders import require_counter_site
from services.sales.models import Beneficiary, Organisation, SocialWorker
from services.sales.repository import SalesUnitOfWork
from services.sales.repository.people import enrolment_of

PERSONAL_FIELDS = ("display_name", "display_name_folded", "contact", "referral_reason")


# organisations --------------------------------------------------------------------------------


def register_organisation(uow: SalesUnitOfWork, command: RegisterOrganisation) -> Organisation:
    """Its referrals count once an admin approves it."""
    with uow:
        _refuse_taken_name(uow, command.name)
        organisation = Organisation(
            name=command.name,
            kind=command.kind,
            city=command.city,
            contacts=_contacts(command.contacts),
        )
        uow.organisations.add(organisation)
        uow.commit()
        return organisation


def change_organisation(uow: SalesUnitOfWork, command: ChangeOrganisation) -> Organisation:
    """Rename, re-kind, or replace contacts (refused while a referral names one of them)."""
    changes = command.changes
    with uow:
        organisation = _organisation(uow, command.organisation_id, for_update=True)
        _refuse_taken_name(uow, changes.get("name"), organisation.name)
        for name in ("name", "kind", "city"):
            if name in changes:
                setattr(organisation, name, changes[name])
        if "contacts" in changes:
            referred = uow.organisations.contacts_named_by_referrals(organisation)
            if any(worker.id in referred for worker in organisation.contacts):
                raise ContactsInUse()
            organisation.contacts = _contacts(changes["contacts"])
        uow.commit()
        return organisation


def decide_approval(uow: SalesUnitOfWork, command: DecideApproval) -> Organisation:
    with uow:
        organisation = _organisation(uow, command.organisation_id, for_update=True)
        organisation.approved = command.approved
        organisation.approved_at, organisation.approved_by = command.at, command.actor
        uow.commit()
        return organisation


def _organisation(uow: SalesUnitOfWork, organisation_id, *, for_update: bool = False):
    organisation = uow.organisations.get(organisation_id, for_update=for_update)
    if organisation is None:
        raise OrganisationNotFound(str(organisation_id))
    return organisation


def _refuse_taken_name(uow: SalesUnitOfWork, name: str | None, current: str | None = None):
    if name not in (None, current) and uow.organisations.name_taken(name):
        raise OrganisationNameTaken(name)


def _contacts(given) -> list[SocialWorker]:
    return [SocialWorker(position=index, **worker) for index, worker in enumerate(given, 1)]


# beneficiaries --------------------------------------------------------------------------------


def new_code() -> str:
    return "B-" + base64.b32encode(secrets.token_bytes(10)).decode("ascii")


def enrol(uow: SalesUnitOfWork, command: Enrol) -> Beneficiary:
    """A referred person, enrolled at a counter on an approved referral; the enrolment
    starts within ``policy.start_window_days`` of today."""
    with uow:
        earliest, latest = rules.start_window(command.today, command.policy)
        if not earliest <= command.starts_on <= latest:
            raise StartOutOfWindow(earliest, latest)
        _check_referral(uow, command.organisation_id, command.social_worker_id)
        require_counter_site(uow, command.home_site_id)
        enrolment = rules.enrol(command.starts_on, command.policy)
        beneficiary = Beneficiary(
            code=new_code(),
            display_name=command.display_name,
            display_name_folded=folded(command.display_name),
            contact=command.contact,
            referral_reason=command.referral_reason,
            home_site_id=command.home_site_id,
            organisation_id=command.organisation_id,
            social_worker_id=command.social_worker_id,
            referred_on=command.referred_on,
            starts_on=enrolment.starts_on,
            ends_on=enrolment.ends_on,
            created_by=command.actor,
        )
        uow.people.add(beneficiary)
        uow.commit()
        return beneficiary


def _check_referral(uow: SalesUnitOfWork, organisation_id: str, worker_id: str | None) -> None:
    organisation = uow.organisations.find(organisation_id)
    if organisation is None:
        raise ReferringOrganisationUnknown(organisation_id)
    if not organisation.approved:
        raise ReferralNotApproved(f"{organisation.name!r} is not approved: its referrals wait.")
    if worker_id is not None:
        worker = uow.organisations.contact(worker_id)
        if worker is None or worker.organisation_id != organisation.id:
            raise SocialWorkerUnknown(worker_id)


def renew_enrolment(uow: SalesUnitOfWork, command: RenewEnrolment) -> Beneficiary:
    """The enrolment runs on from its current end (once, by default)."""

    def renew(beneficiary: Beneficiary) -> None:
        renewed = rules.renew(enrolment_of(beneficiary), command.today, command.policy)
        beneficiary.ends_on, beneficiary.renewals = renewed.ends_on, renewed.renewals
        beneficiary.version += 1

    return _change(uow, command.code, command.site_scope, renew)


def close_enrolment(uow: SalesUnitOfWork, command: CloseEnrolment) -> Beneficiary:
    """The enrolment ends today; the retention period before erasure starts now."""
    return _change(uow, command.code, command.site_scope, lambda b: close(b, command.today))


def erase_person(uow: SalesUnitOfWork, command: ErasePerson) -> Beneficiary:
    """The person's personal data, erased now (on request); the code and history stay."""
    return _change(uow, command.code, command.site_scope, lambda b: erase(uow, b, command.at))


def _change(
    uow: SalesUnitOfWork, code: str, site_scope: str | None, change: Callable[[Beneficiary], None]
) -> Beneficiary:
    with uow:
        beneficiary = uow.people.get(code, for_update=True)
        if site_scope is not None and beneficiary.home_site_id != site_scope:
            # Any counter serves anyone, but the person's enrolment is their home counter's.
            raise NotYourSite("Only the person's home counter renews or closes it.")
        change(beneficiary)
        uow.commit()
        return beneficiary


def close(beneficiary: Beneficiary, today: date) -> None:
    if beneficiary.closed_on is None:
        beneficiary.closed_on = today
        beneficiary.version += 1


def erase(uow: SalesUnitOfWork, beneficiary: Beneficiary, now: datetime) -> None:
    close(beneficiary, civil(now).date())
    for name in PERSONAL_FIELDS:
        setattr(beneficiary, name, None)
    if beneficiary.erased_at is None:
        beneficiary.erased_at = now
        beneficiary.version += 1
    uow.orders.forget_end_reasons(beneficiary.id)
    uow.people.forget_stored_answers(beneficiary)


def erase_due(
    unit_of_work: Callable[[], SalesUnitOfWork], retention_days: int, now: datetime | None = None
) -> int:
    """Erase everyone due, in batches of 500 committed one by one (replicas share the work);
    how many were erased."""
    now = now or utc_now()
    erased = 0
    while True:
        with unit_of_work() as uow:
            batch = uow.people.due_for_erasure(civil(now).date(), retention_days, limit=500)
            for beneficiary in batch:
                erase(uow, beneficiary, now)
            uow.commit()
        erased += len(batch)
        if len(batch) < 500:
            return erased


def erase_due_now(runtime: ServiceRuntime) -> int:
    return erase_due(runtime.unit_of_work, runtime.settings.own.retention_days)


ERASURE_TASK = PeriodicTask(
    "personal-data-erasure",
    erase_due_now,
    lambda settings: settings.erasure_interval_seconds,
)


# what a counter reads ---------------------------------------------------------------------------


def allowance(uow: SalesUnitOfWork, code: str, at: datetime) -> list[Usage]:
    """Each limit rule's used and remaining amount for the person at ``at``: what the
    counter can still sell them (the same count as the check when an order is placed)."""
    with uow:
        person = uow.people.get(code)
        now = civil(at)
        rules_in_force = uow.limits.rules()
        since = history_start(rules_in_force, now, person.starts_on)
        history = uow.limits.history(person.id, since)
        return [usage_of(rule, history, now, person.starts_on) for rule in rules_in_force]
