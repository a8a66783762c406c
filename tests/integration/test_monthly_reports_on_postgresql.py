"""The monthly report on PostgreSQL: two worker replicas making last month's report at the
same moment keep one (unique month, ``INSERT … ON CONFLICT DO NOTHING``), files intact."""

from __future__ import annotations

import io
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from services.common import clock
from services.sales.handlers.reports import make_due_reports
from services.sales.settings import Settings

REPLICAS = 4


def test_replicas_racing_on_the_first_of_the_month_keep_one_report(runtime_for):
    runtime = runtime_for("sales", own=Settings())
    start = threading.Barrier(REPLICAS)
    made: list[list[str]] = []
    errors: list[BaseException] = []

    def replica() -> None:
        start.wait()
        try:
            made.append(make_due_reports(runtime))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    with clock.travelling():
        clock.travel_to(datetime(2027, 4, 1, 2, 0, tzinfo=ZoneInfo("Europe/Paris")))
        threads = [threading.Thread(target=replica) for _ in range(REPLICAS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        again = make_due_reports(runtime)

    assert not errors, errors
    assert sorted(made) == [[]] * (REPLICAS - 1) + [["2027-03"]]
    assert again == []
    with runtime.unit_of_work() as uow:
        [report] = uow.reports.listed()
        month, pdf = uow.reports.file(report["id"], "pdf")
        _, workbook = uow.reports.file(report["id"], "workbook")
    assert month == "2027-03" and pdf.startswith(b"%PDF") and len(pdf) == report["pdf_bytes"]
    assert load_workbook(io.BytesIO(workbook)).sheetnames == ["Synthèse", "2027-03", "Partenaires"]
