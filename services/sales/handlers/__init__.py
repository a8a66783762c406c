"""Sales' use cases, and the routing tables: each command a view builds
(``domain/commands.py``) to its use case, and each event type sales subscribes to
(``topology.SUBSCRIPTIONS``) to its handler.

* ``orders``: place, ask to complete, cancel; the sale recorded once inventory committed;
* ``saga``: inventory's answers to orders; ``sale_check``: the sale cross-check;
* ``people``: organisations, enrolment, erasure; ``admin``: limits and the price grid;
* ``environment``: impact factors, avoided figures frozen at the sale, devices recycled;
* ``projections``: inventory's sites and availability, and the catalogue they make;
* ``reports``: the monthly report (PDF and workbook), made once on the first of a month.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.common.events.consumer import Handler
from services.sales.domain import commands
from services.sales.handlers import admin, environment, orders, people, saga, sale_check
from services.sales.handlers.projections import project_availability, project_site
from services.sales.handlers.reports import REPORT_TASK

COMMAND_HANDLERS: dict[type, Callable[[Any, Any], Any]] = {
    commands.PlaceOrder: orders.place_order,
    commands.RequestCompletion: orders.request_completion,
    commands.CancelOrder: orders.cancel_order,
    commands.RegisterOrganisation: people.register_organisation,
    commands.ChangeOrganisation: people.change_organisation,
    commands.DecideApproval: people.decide_approval,
    commands.Enrol: people.enrol,
    commands.RenewEnrolment: people.renew_enrolment,
    commands.CloseEnrolment: people.close_enrolment,
    commands.ErasePerson: people.erase_person,
    commands.SetLimit: admin.set_limit,
    commands.RemoveLimit: admin.remove_limit,
    commands.PublishPriceGrid: admin.publish_price_grid,
    commands.PublishImpactFactors: environment.publish_impact_factors,
}

EVENT_HANDLERS: dict[str, Handler] = {
    "inventory.site.opened": project_site,
    "inventory.availability.changed": project_availability,
    "inventory.reservation.accepted": saga.on_accepted,
    "inventory.reservation.rejected": saga.on_rejected,
    "inventory.reservation.committed": saga.on_committed,
    "inventory.reservation.commit_refused": saga.on_commit_refused,
    "inventory.reservation.released": saga.on_released,
    "inventory.reservation.expired": saga.on_expired,
    "inventory.sale_digest.disputed": sale_check.on_digest_disputed,
    "inventory.device.scrapped": environment.on_device_scrapped,
}

PERIODIC = (people.ERASURE_TASK, sale_check.DIGEST_TASK, REPORT_TASK)
