"""Referring organisations and beneficiaries in SQL, with the person's row an order locks
and the traces erasure removes."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, bindparam, delete, event, func, select
from sqlalchemy.orm import Session, selectinload

from services.common.db import truncate_sqlite_wal
from services.sales.domain import enrolment as rules
from services.sales.domain.enrolment import Enrolment
from services.sales.domain.errors import BeneficiaryNotFound
from services.sales.domain.names import folded
from services.sales.models import IDEMPOTENCY, Beneficiary, Organisation, SocialWorker

WAL_TO_EMPTY = "erasure: empty the write-ahead log after commit"


def enrolment_of(beneficiary) -> Enrolment:
    return Enrolment(
        beneficiary.starts_on, beneficiary.ends_on, beneficiary.renewals, beneficiary.closed_on
    )


def state_of(beneficiary: Beneficiary, today: date) -> str:
    return rules.state_on(enrolment_of(beneficiary), today)


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


class People:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, code: str, *, for_update: bool = False) -> Beneficiary:
        query = select(Beneficiary).where(Beneficiary.code == code)
        beneficiary = self.session.scalar(query.with_for_update() if for_update else query)
        if beneficiary is None:
            raise BeneficiaryNotFound(code)
        return beneficiary

    def for_order(self, code: str):
        """What an order needs of the person (their row locked until the order is written)
        and of their referring organisation, in one statement of plain columns: every order
        reads them."""
        found = self.session.execute(_FOR_ORDER, {"code": code}).first()
        if found is None:
            raise BeneficiaryNotFound(code)
        return found

    def add(self, beneficiary: Beneficiary) -> None:
        self.session.add(beneficiary)

    def due_for_erasure(self, today: date, retention_days: int, limit: int) -> list[Beneficiary]:
        """Up to ``limit`` people whose enrolment ended (closed or lapsed) more than
        ``retention_days`` before ``today`` (the programme's civil date, as enrolment dates
        are); rows another replica is erasing are skipped."""
        ended_on = func.coalesce(Beneficiary.closed_on, Beneficiary.ends_on)
        query = select(Beneficiary).where(
            Beneficiary.erased_at.is_(None), ended_on < today - timedelta(days=retention_days)
        )
        return list(self.session.scalars(query.limit(limit).with_for_update(skip_locked=True)))

    def forget_stored_answers(self, beneficiary: Beneficiary) -> None:
        """Stored API answers that could repeat the person's data (idempotency replays), and,
        on embedded SQLite, once the transaction commits, every copy of the old values left
        in the write-ahead log (``secure_delete`` zeroes them in the database file itself)."""
        stored = IDEMPOTENCY.c
        self.session.execute(
            delete(IDEMPOTENCY).where(
                stored.endpoint == "POST /beneficiaries", stored.body.contains(beneficiary.code)
            )
        )
        if not self.session.info.get(WAL_TO_EMPTY):
            self.session.info[WAL_TO_EMPTY] = True
            event.listen(self.session, "after_commit", _empty_the_write_ahead_log, once=True)


def _empty_the_write_ahead_log(session: Session) -> None:
    session.info.pop(WAL_TO_EMPTY, None)
    truncate_sqlite_wal(session.get_bind())


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


class Organisations:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, organisation_id, *, for_update: bool = False) -> Organisation | None:
        """The organisation with its contacts."""
        return self.session.get(
            Organisation,
            str(organisation_id),
            with_for_update=for_update,
            options=[selectinload(Organisation.contacts)],
        )

    def find(self, organisation_id: str) -> Organisation | None:
        """The organisation alone (a referral checks it)."""
        return self.session.get(Organisation, organisation_id)

    def contact(self, worker_id: str) -> SocialWorker | None:
        return self.session.get(SocialWorker, worker_id)

    def name_taken(self, name: str) -> bool:
        query = select(Organisation.id).where(Organisation.name == name)
        return self.session.scalar(query) is not None

    def add(self, organisation: Organisation) -> None:
        self.session.add(organisation)

    def contacts_named_by_referrals(self, organisation: Organisation) -> set[str | None]:
        return set(
            self.session.scalars(
                select(Beneficiary.social_worker_id).where(
                    Beneficiary.organisation_id == organisation.id
                )
            )
        )


def organisations_query(filters: dict) -> Select:
    query = select(Organisation).options(selectinload(Organisation.contacts))
    for name in ("approved", "kind"):
        if filters.get(name) is not None:
            query = query.where(getattr(Organisation, name) == filters[name])
    return query.order_by(Organisation.name)
