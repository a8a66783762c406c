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

from services.common.actors import current_actor
from services.common.authorization import allow, site_scope
from services.common.blueprint import Blueprint
from services.common.idempotency import idempotent
from services.common.pagination import page_of, paginate
from services.common.problems import Problem
from services.common.webapp import current_runtime, execute
from services.sales.api.schemas import (
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
from services.sales.clock import today, utc_now
from services.sales.domain.commands import (
    ChangeOrganisation,
    CloseEnrolment,
    DecideApproval,
    Enrol,
    ErasePerson,
    RegisterOrganisation,
    RenewEnrolment,
)
from services.sales.domain.errors import OrganisationNotFound
from services.sales.handlers.people import allowance
from services.sales.models import IDEMPOTENCY
from services.sales.repository.people import organisations_query, people_query
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


def _optional_str(value) -> str | None:
    return None if value is None else str(value)


@organisations.route("")
class OrganisationCollection(MethodView):
    @allow(*READ_REFERRALS)
    @organisations.arguments(OrganisationFilter, location="query")
    @organisations.response(200, page_of(OrganisationOut))
    def get(self, args):
        query = organisations_query(args)
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, query, args)

    @allow("admin", "counter")
    @idempotent(IDEMPOTENCY)
    @organisations.arguments(OrganisationIn)
    @organisations.response(201, OrganisationOut)
    def post(self, new):
        """Register an organisation; its referrals count once an admin approves it."""
        command = RegisterOrganisation(
            name=new["name"],
            kind=new["kind"],
            contacts=tuple(new.get("contacts", ())),
            city=new.get("city"),
        )
        return execute(command)


@organisations.route("/<uuid:organisation_id>")
class OrganisationItem(MethodView):
    @allow(*READ_REFERRALS)
    @organisations.response(200, OrganisationOut)
    def get(self, organisation_id):
        with current_runtime().unit_of_work() as uow:
            organisation = uow.organisations.get(organisation_id)
            if organisation is None:
                raise OrganisationNotFound(str(organisation_id))
            return organisation

    @allow("admin")
    @organisations.arguments(OrganisationPatch)
    @organisations.response(200, OrganisationOut)
    def patch(self, changes, organisation_id):
        """Rename, re-kind, or replace contacts (contacts still named by a referral stay)."""
        return execute(ChangeOrganisation(str(organisation_id), changes))


@organisations.route("/<uuid:organisation_id>/approval")
class OrganisationApproval(MethodView):
    @allow("admin")
    @organisations.arguments(ApprovalIn)
    @organisations.response(200, OrganisationOut)
    def put(self, decision, organisation_id):
        """An admin approves (or suspends) the organisation; the decision is recorded."""
        command = DecideApproval(
            str(organisation_id), decision["approved"], current_actor(), utc_now()
        )
        return execute(command)


def _people_page(args: dict) -> dict:
    """A page of people, oldest enrolment first, within the caller's reach."""
    query = people_query(args, site_scope())
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
        command = Enrol(
            display_name=person["display_name"],
            home_site_id=_home_site(person.get("home_site_id")),
            organisation_id=str(person["organisation_id"]),
            referred_on=person["referred_on"],
            starts_on=person.get("starts_on", enrolled_on),
            today=enrolled_on,
            policy=current_settings().enrolment,
            actor=current_actor(),
            contact=person.get("contact"),
            social_worker_id=_optional_str(person.get("social_worker_id")),
            referral_reason=person.get("referral_reason"),
        )
        return execute(command)


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
            return uow.people.get(code)


@beneficiaries.route("/<string:code>/allowance")
class BeneficiaryAllowance(MethodView):
    @allow(*READ_REFERRALS)
    @beneficiaries.response(200, AllowanceOut(many=True))
    def get(self, code):
        """Each limit rule's used and remaining amount for the person now: what the counter
        can still sell them (the same count as the check when an order is placed)."""
        return allowance(current_runtime().unit_of_work(), code, utc_now())


@beneficiaries.route("/<string:code>/renewal")
class BeneficiaryRenewal(MethodView):
    @allow(*ENROL)
    @beneficiaries.response(200, BeneficiaryOut)
    def post(self, code):
        """Renew the enrolment (once, by default): it runs on from its current end."""
        policy = current_settings().enrolment
        return execute(RenewEnrolment(code, today(), policy, site_scope()))


@beneficiaries.route("/<string:code>/closure")
class BeneficiaryClosure(MethodView):
    @allow(*ENROL)
    @beneficiaries.response(200, BeneficiaryOut)
    def post(self, code):
        """End the enrolment today; the retention period before erasure starts now."""
        return execute(CloseEnrolment(code, today(), site_scope()))


@beneficiaries.route("/<string:code>/erasure")
class BeneficiaryErasure(MethodView):
    @allow("admin")
    @beneficiaries.response(200, BeneficiaryOut)
    def post(self, code):
        """Erase the person's personal data now (on request); the code and history stay.

        Erasure also closes the enrolment (today, if still open): no more sales or renewal under
        the code.
        """
        return execute(ErasePerson(code, utc_now(), site_scope()))
