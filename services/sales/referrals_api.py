"""Referring organisations (admin approval) and the beneficiaries they refer.

Counters list and search by name only the people enrolled at their own site; a person
enrolled elsewhere is reached by their exact code (a referred person may be served at any
counter). Counters enrol people at their own site and register organisations that then wait
for an admin's approval. Auditors read without personal fields (see ``schemas.py``) and
cannot search by name; partners and the workshop see no one. Names travel in request bodies
(``POST /beneficiaries/search``), never in URLs, so no access log keeps one.
"""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from services.common.actors import current_actor
from services.common.authorization import allow, site_scope
from services.common.blueprint import Blueprint
from services.common.idempotency import idempotent
from services.common.pagination import page_of, paginate
from services.common.problems import Problem
from services.common.webapp import current_runtime
from services.sales import beneficiaries as people
from services.sales.clock import today, utc_now
from services.sales.erasure import erase
from services.sales.limits import allowance
from services.sales.models import IDEMPOTENCY, Beneficiary, Organisation, SocialWorker
from services.sales.schemas import (
    AllowanceOut,
    ApprovalIn,
    BeneficiaryFilter,
    BeneficiaryOut,
    BeneficiarySearchIn,
    EnrolmentIn,
    OrganisationFilter,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
)
from services.sales.settings import current_settings

organisations = Blueprint(
    "organisations", __name__, url_prefix="/organisations", description="Referring organisations"
)
beneficiaries = Blueprint(
    "beneficiaries", __name__, url_prefix="/beneficiaries", description="Referred people"
)


READ_REFERRALS = ("admin", "auditor", "counter")
ENROL = ("admin", "counter")


def _home_site(given) -> str:
    """A counter enrols at its own site (another site's id is refused); an admin names one."""
    own = site_scope()
    if own is not None and given is not None and str(given) != own:
        raise Problem(403, "not-your-site", "A counter enrols people at its own site only.")
    if own is None and given is None:
        raise Problem(422, "home-site-required", "Name the person's home_site_id.")
    return own or str(given)


def _get_organisation(session, organisation_id, *, for_update: bool = False) -> Organisation:
    organisation = session.get(
        Organisation,
        str(organisation_id),
        with_for_update=for_update,
        options=[selectinload(Organisation.contacts)],
    )
    if organisation is None:
        raise Problem(404, "organisation-not-found", f"No organisation {organisation_id}.")
    return organisation


def _refuse_taken_name(session, name: str | None, current: str | None = None) -> None:
    if name in (None, current):
        return
    if session.scalar(select(Organisation.id).where(Organisation.name == name)):
        raise Problem(409, "organisation-name-taken", f"{name!r} exists already.")


def _workers(given: list[dict]) -> list[SocialWorker]:
    return [SocialWorker(position=index, **worker) for index, worker in enumerate(given, 1)]


@organisations.route("")
class OrganisationCollection(MethodView):
    @allow(*READ_REFERRALS)
    @organisations.arguments(OrganisationFilter, location="query")
    @organisations.response(200, page_of(OrganisationOut))
    def get(self, args):
        query = select(Organisation).options(selectinload(Organisation.contacts))
        for name in ("approved", "kind"):
            if args.get(name) is not None:
                query = query.where(getattr(Organisation, name) == args[name])
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, query.order_by(Organisation.name), args)

    @allow("admin", "counter")
    @idempotent(IDEMPOTENCY)
    @organisations.arguments(OrganisationIn)
    @organisations.response(201, OrganisationOut)
    def post(self, new):
        """Register an organisation; its referrals count once an admin approves it."""
        with current_runtime().unit_of_work() as uow:
            _refuse_taken_name(uow.session, new["name"])
            contacts = _workers(new.pop("contacts", []))
            organisation = Organisation(**new, contacts=contacts)
            uow.session.add(organisation)
            uow.commit()
            return organisation


@organisations.route("/<uuid:organisation_id>")
class OrganisationItem(MethodView):
    @allow(*READ_REFERRALS)
    @organisations.response(200, OrganisationOut)
    def get(self, organisation_id):
        with current_runtime().unit_of_work() as uow:
            return _get_organisation(uow.session, organisation_id)

    @allow("admin")
    @organisations.arguments(OrganisationPatch)
    @organisations.response(200, OrganisationOut)
    def patch(self, changes, organisation_id):
        """Rename, re-kind, or replace contacts (contacts still named by a referral stay)."""
        with current_runtime().unit_of_work() as uow:
            organisation = _get_organisation(uow.session, organisation_id, for_update=True)
            _refuse_taken_name(uow.session, changes.get("name"), organisation.name)
            for name in ("name", "kind", "city"):
                if name in changes:
                    setattr(organisation, name, changes[name])
            if "contacts" in changes:
                _replace_workers(uow.session, organisation, changes["contacts"])
            uow.commit()
            return organisation


def _replace_workers(session, organisation: Organisation, given: list[dict]) -> None:
    referred = set(
        session.scalars(
            select(Beneficiary.social_worker_id).where(
                Beneficiary.organisation_id == organisation.id
            )
        )
    )
    if any(worker.id in referred for worker in organisation.contacts):
        raise Problem(409, "contacts-in-use", "Contacts named by referrals cannot be replaced.")
    organisation.contacts = _workers(given)


@organisations.route("/<uuid:organisation_id>/approval")
class OrganisationApproval(MethodView):
    @allow("admin")
    @organisations.arguments(ApprovalIn)
    @organisations.response(200, OrganisationOut)
    def put(self, decision, organisation_id):
        """An admin approves (or suspends) the organisation; the decision is recorded."""
        with current_runtime().unit_of_work() as uow:
            organisation = _get_organisation(uow.session, organisation_id, for_update=True)
            organisation.approved = decision["approved"]
            organisation.approved_at, organisation.approved_by = utc_now(), current_actor()
            uow.commit()
            return organisation


def _people_page(args: dict) -> dict:
    """A page of people, oldest enrolment first, within the caller's reach."""
    query = people.people_query(args, site_scope())
    with current_runtime().unit_of_work() as uow:
        return paginate(uow.session, query, args)


@beneficiaries.route("")
class BeneficiaryCollection(MethodView):
    @allow(*READ_REFERRALS)
    @beneficiaries.arguments(BeneficiaryFilter, location="query")
    @beneficiaries.response(200, page_of(BeneficiaryOut))
    def get(self, args):
        """People, oldest enrolment first; a counter's list holds its own site's people only
        (a person enrolled elsewhere is reached by code). To find by name, see ``/search``."""
        return _people_page(args)

    @allow(*ENROL)
    @idempotent(IDEMPOTENCY)
    @beneficiaries.arguments(EnrolmentIn)
    @beneficiaries.response(201, BeneficiaryOut)
    def post(self, person):
        """Enrol a referred person: the answer carries their pseudonymous code."""
        enrolled_on = today()
        person.setdefault("starts_on", enrolled_on)
        person["home_site_id"] = _home_site(person.get("home_site_id"))
        with current_runtime().unit_of_work() as uow:
            enrolled = people.enrol(
                uow.session, person, current_settings().enrolment, current_actor(), enrolled_on
            )
            uow.commit()
            return enrolled


@beneficiaries.route("/search")
class BeneficiarySearch(MethodView):
    @allow(*ENROL)
    @beneficiaries.arguments(BeneficiarySearchIn)
    @beneficiaries.response(200, page_of(BeneficiaryOut))
    def post(self, args):
        """Find people by part of their name (case and accents ignored; erased people never
        match), in the body so that no URL or access log carries a name. A counter finds
        only the people enrolled at its own site."""
        return _people_page(args)


@beneficiaries.route("/<string:code>")
class BeneficiaryItem(MethodView):
    @allow(*READ_REFERRALS)
    @beneficiaries.response(200, BeneficiaryOut)
    def get(self, code):
        with current_runtime().unit_of_work() as uow:
            return people.get_beneficiary(uow.session, code)


@beneficiaries.route("/<string:code>/allowance")
class BeneficiaryAllowance(MethodView):
    @allow(*READ_REFERRALS)
    @beneficiaries.response(200, AllowanceOut(many=True))
    def get(self, code):
        """Each limit rule's used and remaining amount for the person now: what the counter
        can still sell them (the same count as the check when an order is placed)."""
        now = utc_now()
        with current_runtime().unit_of_work() as uow:
            person = people.get_beneficiary(uow.session, code)
            return allowance(uow.session, person.id, now, person.starts_on)


def _change(code: str, change) -> Beneficiary:
    with current_runtime().unit_of_work() as uow:
        beneficiary = people.get_beneficiary(uow.session, code, for_update=True)
        site_id = site_scope()
        if site_id is not None and beneficiary.home_site_id != site_id:
            # Any counter serves anyone, but the person's enrolment is their home counter's.
            raise Problem(
                403, "not-your-site", "Only the person's home counter renews or closes it."
            )
        change(uow.session, beneficiary)
        uow.commit()
        return beneficiary


@beneficiaries.route("/<string:code>/renewal")
class BeneficiaryRenewal(MethodView):
    @allow(*ENROL)
    @beneficiaries.response(200, BeneficiaryOut)
    def post(self, code):
        """Renew the enrolment (once, by default): it runs on from its current end."""
        policy = current_settings().enrolment
        return _change(code, lambda _s, b: people.renew(b, today(), policy))


@beneficiaries.route("/<string:code>/closure")
class BeneficiaryClosure(MethodView):
    @allow(*ENROL)
    @beneficiaries.response(200, BeneficiaryOut)
    def post(self, code):
        """End the enrolment today; the retention period before erasure starts now."""
        return _change(code, lambda _s, b: people.close(b, today()))


@beneficiaries.route("/<string:code>/erasure")
class BeneficiaryErasure(MethodView):
    @allow("admin")
    @beneficiaries.response(200, BeneficiaryOut)
    def post(self, code):
        """Erase the person's personal data now (on request); the code and history stay."""
        return _change(code, lambda session, b: erase(session, b, utc_now()))
