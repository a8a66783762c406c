"""Devices: lists, detail with ETag, history, transitions (one or scanned in bulk), and
the wipe certificate. Admin, auditor and workshop keys read them; admin and workshop move
them; the history names the acting key."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from sqlalchemy import select

from services.common.actors import current_actor
from services.common.authorization import allow
from services.common.blueprint import Blueprint
from services.common.pagination import page_of, paginate
from services.common.problems import Problem
from services.common.webapp import current_runtime, execute
from services.inventory.api.errors import problem_of
from services.inventory.api.etags import check_if_match, etag_of, require_if_match
from services.inventory.api.schemas.devices import (
    BulkOut,
    BulkTransitionIn,
    DeviceDetailOut,
    DeviceFilter,
    DeviceOut,
    TransitionIn,
    TransitionOut,
)
from services.inventory.domain.commands import MoveDevice, MoveOne, MoveScanned
from services.inventory.handlers.workshop import ScanResult
from services.inventory.models import Device, DeviceTransition, WipeRecord
from services.inventory.repository import queries

devices = Blueprint(
    "devices", __name__, url_prefix="/devices", description="Devices and their refurbishment"
)

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "The device's ETag (its version), as last read.",
    "schema": {"type": "string", "example": '"3"'},
}
READ = ("admin", "auditor", "workshop")
MOVE = ("admin", "workshop")


def _detail(session, device_id) -> Device:
    device = queries.device_detail(session, str(device_id))
    if device is None:
        raise Problem(404, "device-not-found", f"No device {device_id}.")
    return device


@devices.route("")
class DeviceCollection(MethodView):
    @allow(*READ)
    @devices.arguments(DeviceFilter, location="query")
    @devices.response(200, page_of(DeviceOut))
    def get(self, filters):
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, queries.device_list(filters), filters)


@devices.route("/<uuid:device_id>")
class DeviceItem(MethodView):
    @allow(*READ)
    @devices.response(200, DeviceDetailOut)
    def get(self, device_id):
        """The device with its workshop records; the ETag is its version."""
        with current_runtime().unit_of_work() as uow:
            device = _detail(uow.session, device_id)
            return device, {"ETag": etag_of(device.version)}


@devices.route("/<uuid:device_id>/history")
class DeviceHistory(MethodView):
    @allow(*READ)
    @devices.response(200, TransitionOut(many=True))
    def get(self, device_id):
        """Every transition: who, when, from, to, note."""
        with current_runtime().unit_of_work() as uow:
            _detail(uow.session, device_id)
            return uow.session.scalars(
                select(DeviceTransition)
                .where(DeviceTransition.device_id == str(device_id))
                .order_by(DeviceTransition.version)
            ).all()


@devices.route("/<uuid:device_id>/transitions")
class DeviceTransitions(MethodView):
    @allow(*MOVE)
    @devices.arguments(TransitionIn)
    @devices.response(200, DeviceDetailOut)
    @devices.doc(parameters=[IF_MATCH])
    def post(self, transition, device_id):
        """Move the device. Needs ``If-Match`` (428 without, 412 when stale); an illegal
        move is a 409 naming the current and allowed next states."""
        require_if_match()
        command = MoveDevice(**transition, actor=current_actor())
        execute(MoveOne(str(device_id), command, check_version=check_if_match))
        with current_runtime().unit_of_work() as uow:
            device = _detail(uow.session, device_id)
            return device, {"ETag": etag_of(device.version)}


@devices.route("/bulk-transitions")
class BulkTransitions(MethodView):
    @allow(*MOVE)
    @devices.arguments(BulkTransitionIn)
    @devices.response(200, BulkOut)
    def post(self, transition):
        """Apply one transition to scanned devices (asset tags, IMEIs, serials), each in its
        own transaction, with a result per item. Scans carry no ETag: each device is locked
        and its current state checked instead."""
        identifiers = transition.pop("identifiers")
        command = MoveDevice(**transition, actor=current_actor())
        results = execute(MoveScanned(tuple(identifiers), command))
        outcomes = [_outcome(result) for result in results]
        moved = sum(outcome["outcome"] == "moved" for outcome in outcomes)
        return {"moved": moved, "refused": len(outcomes) - moved, "results": outcomes}


def _outcome(result: ScanResult) -> dict:
    if result.error is not None:
        problem = problem_of(result.error)
        detail = {
            "status": problem.status,
            "code": problem.code,
            "detail": problem.detail,
            **problem.extra,
        }
        return {"identifier": result.identifier, "outcome": "refused", "problem": detail}
    device = result.device
    return {
        "identifier": result.identifier,
        "outcome": "moved",
        "device_id": device.id,
        "asset_tag": device.asset_tag,
        "state": device.state,
        "etag": etag_of(device.version),
    }


@devices.route("/<uuid:device_id>/wipe-certificate")
class WipeCertificate(MethodView):
    # Not the auditor: the certificate names the technicians who wiped and verified (NIST SP
    # 800-88 asks for it) and its bytes are fixed by their hash. Auditors check certificates
    # by hash (POST /wipe-certificates/verification) and read the redacted device record.
    @allow(*MOVE)
    @devices.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf")
    def get(self, device_id):
        """The data sanitisation certificate, byte for byte the file whose SHA-256 is kept."""
        with current_runtime().unit_of_work() as uow:
            found = uow.session.execute(
                select(WipeRecord.certificate_pdf, WipeRecord.certificate_sha256, Device.asset_tag)
                .join(Device, Device.id == WipeRecord.device_id)
                .where(WipeRecord.device_id == str(device_id))
            ).first()
        if found is None:
            raise Problem(404, "wipe-certificate-not-found", f"Device {device_id} has no wipe.")
        pdf, sha256, asset_tag = found
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="wipe-certificate-{asset_tag}.pdf"',
                "X-Certificate-SHA256": sha256,
            },
        )
