"""Asset-tag labels to print: a PDF of sheets of labels, each with the tag as a Code 128
barcode and as text, the device's category and model and its site's code (workshop, admin)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from services.common import clock
from services.common.authorization import allow
from services.common.blueprint import Blueprint
from services.common.webapp import execute
from services.inventory import labels_pdf
from services.inventory.api.schemas.labels import LabelsIn
from services.inventory.domain.commands import PrintLabels
from services.inventory.domain.labels import SIZES, Selection

labels = Blueprint(
    "labels", __name__, url_prefix="/labels", description="Asset-tag labels to print"
)


@labels.route("")
class Labels(MethodView):
    @allow("admin", "workshop")
    @labels.arguments(LabelsIn)
    @labels.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf")
    def post(self, asked):
        """Labels for a donation's devices, for a list of asset tags or for the devices
        received since a day, in that order (a donation's and a day's in order of intake),
        on A4 sheets from ``start_position``; at most 2,000 labels (422 beyond). An unknown
        tag is a 422 listing them all, a donation without devices here a 404."""
        tags = asked.get("asset_tags")
        command = PrintLabels(
            selection=Selection(
                donation_id=str(asked["donation_id"]) if asked.get("donation_id") else None,
                asset_tags=tuple(tags) if tags is not None else None,
                received_since=asked.get("received_since"),
            ),
            format_name=asked["format"],
            start_position=asked["start_position"],
            qr=asked["qr"],
            **{size: asked.get(size) for size in SIZES},
        )
        sheets = execute(command)
        name = f"labels-{sheets.format.name}-{len(sheets.labels)}.pdf"
        return Response(
            labels_pdf.render(sheets, clock.now()),
            mimetype="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Label-Count": str(len(sheets.labels)),
                "X-Label-Pages": str(sheets.pages),
            },
        )
