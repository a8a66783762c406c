"""Asset-tag labels: which devices, in which order, laid out on which sheets. A read: the
unit of work is left without a commit."""

from __future__ import annotations

from services.inventory.domain.commands import PrintLabels
from services.inventory.domain.errors import (
    NothingToLabel,
    TooManyLabels,
    UnknownAssetTags,
    UnknownDonation,
)
from services.inventory.domain.labels import MAX_LABELS, Label, LabelSheets, sheet_format
from services.inventory.repository import InventoryUnitOfWork
from services.inventory.repository import labels as found


def print_labels(uow: InventoryUnitOfWork, command: PrintLabels) -> LabelSheets:
    """The labels on their sheets, checked before any device is read."""
    layout = sheet_format(
        command.format_name,
        label_width=command.label_width,
        label_height=command.label_height,
        margin_top=command.margin_top,
        margin_left=command.margin_left,
    )
    LabelSheets(layout, (), command.start_position, command.qr)  # the position fits
    with uow:
        labels = _selected(uow, command)
    if len(labels) > MAX_LABELS:
        raise TooManyLabels(MAX_LABELS)  # counted no further
    return LabelSheets(layout, tuple(labels), command.start_position, command.qr)


def _selected(uow: InventoryUnitOfWork, command: PrintLabels) -> list[Label]:
    selection = command.selection
    if selection.asset_tags is not None:
        tags = [tag.strip().upper() for tag in selection.asset_tags]
        by_tag = found.tagged(uow.session, tags)
        unknown = list(dict.fromkeys(tag for tag in tags if tag not in by_tag))
        if unknown:
            raise UnknownAssetTags(unknown)
        return [by_tag[tag] for tag in tags]
    if selection.donation_id is not None:
        labels = found.of_donation(uow.session, selection.donation_id, MAX_LABELS + 1)
        if not labels:
            raise UnknownDonation(selection.donation_id)
        return labels
    labels = found.received_since(uow.session, selection.received_since, MAX_LABELS + 1)
    if not labels:
        raise NothingToLabel(selection.received_since)
    return labels
