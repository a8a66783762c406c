"""The workshop's views (queue, counts, weekly throughput) and the verification of wipe
certificates, which a partner may also run on a certificate it was given."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from services.common.authorization import allow
from services.common.blueprint import Blueprint
from services.common.pagination import page_of, paginate
from services.common.problems import Problem
from services.common.webapp import current_runtime
from services.inventory.api.schemas.devices import (
    CountsFilter,
    CountsOut,
    DeviceOut,
    FileIn,
    HashIn,
    QueueFilter,
    ThroughputFilter,
    ThroughputOut,
    VerificationOut,
)
from services.inventory.certificates import sha256_of
from services.inventory.repository import queries

workshop = Blueprint("workshop", __name__, url_prefix="/workshop", description="Workshop views")
certificates = Blueprint(
    "certificates",
    __name__,
    url_prefix="/wipe-certificates",
    description="Verify a copy of a data sanitisation certificate",
)
READ = ("admin", "auditor", "workshop")
VERIFY = (*READ, "partner")


@workshop.route("/queue")
class Queue(MethodView):
    @allow(*READ)
    @workshop.arguments(QueueFilter, location="query")
    @workshop.response(200, page_of(DeviceOut))
    def get(self, filters):
        """Devices in the workshop (or in ``state``), longest in their state first."""
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, queries.workshop_queue(filters), filters)


@workshop.route("/counts")
class Counts(MethodView):
    @allow(*READ)
    @workshop.arguments(CountsFilter, location="query")
    @workshop.response(200, CountsOut)
    def get(self, filters):
        """Devices per state, for one site or all; ``per_site=true`` adds a line per site."""
        site_id = str(filters["site_id"]) if filters.get("site_id") else None
        with current_runtime().unit_of_work() as uow:
            per_site = queries.state_counts_per_site(uow.session) if filters["per_site"] else []
            counts = queries.state_counts(uow.session, site_id)
        return {"site_id": site_id, "counts": counts, "per_site": per_site}


@workshop.route("/throughput")
class Throughput(MethodView):
    @allow(*READ)
    @workshop.arguments(ThroughputFilter, location="query")
    @workshop.response(200, ThroughputOut)
    def get(self, filters):
        """Devices made available and scrapped per ISO week (UTC), oldest first, weeks
        without any included; with ``site_id``, those that moved while at that site."""
        site_id = str(filters["site_id"]) if filters.get("site_id") else None
        with current_runtime().unit_of_work() as uow:
            weeks = queries.weekly_throughput(uow.session, filters["weeks"], site_id)
        return {
            "site_id": site_id,
            "made_available": sum(week["made_available"] for week in weeks),
            "scrapped": sum(week["scrapped"] for week in weeks),
            "weeks": weeks,
        }


@certificates.route("/verification")
class VerifyHash(MethodView):
    @allow(*VERIFY)
    @certificates.arguments(HashIn)
    @certificates.response(200, VerificationOut)
    def post(self, given):
        """Is this SHA-256 the hash of a certificate we issued?"""
        return _verification(given["sha256"].lower())


@certificates.route("/verification/file")
class VerifyFile(MethodView):
    @allow(*VERIFY)
    @certificates.arguments(FileIn, location="files")
    @certificates.response(200, VerificationOut)
    def post(self, given):
        """Is this file, byte for byte, a certificate we issued?"""
        if request.form:  # only the file is read: say so rather than ignore other fields
            raise Problem(
                422,
                "unexpected-field",
                f"Send only 'file'; not: {', '.join(sorted(request.form))}.",
            )
        return _verification(sha256_of(given["file"].read()))


def _verification(sha256: str) -> dict:
    with current_runtime().unit_of_work() as uow:
        found = queries.certificate_by_hash(uow.session, sha256)
    if found is None:
        return {"valid": False, "sha256": sha256}
    wipe, asset_tag = found
    return {
        "valid": True,
        "sha256": sha256,
        "device_id": wipe.device_id,
        "asset_tag": asset_tag,
        "issued_at": wipe.issued_at,
    }
