"""Request and response schemas of the funder workbook and the monthly reports."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, post_load, validates_schema

from services.common.schemas import YEARS, Strict, UtcDateTime
from services.sales.clock import month_of, utc_now
from services.sales.domain.reporting import period_problem, shifted

MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
DEFAULT_MONTHS = 12


def _a_month(value: str) -> None:
    if not MONTH.fullmatch(value):
        raise ValidationError("Use YYYY-MM.")
    if int(value[:4]) not in YEARS:
        raise ValidationError(f"Give a year from {YEARS[0]} to {YEARS[-1]}.")


def _month(description: str, **options) -> fields.String:
    return fields.String(validate=_a_month, metadata={"description": description}, **options)


class WorkbookPeriod(Strict):
    """Whole months of the programme's time zone, both included, at most 36."""

    from_ = _month("First month (YYYY-MM); by default 11 months before `to`", data_key="from")
    to = _month("Last month (YYYY-MM), included; by default the current month")

    @validates_schema
    def _a_period(self, data, **kwargs):
        first, last = _period(data)
        problem = period_problem(first, last)
        if problem is not None:
            raise ValidationError(problem, "from")

    @post_load
    def _with_defaults(self, data, **kwargs):
        first, last = _period(data)
        return {"first": first, "last": last}


def _period(data: dict) -> tuple[str, str]:
    last = data.get("to") or month_of(utc_now())
    return data.get("from_") or shifted(last, 1 - DEFAULT_MONTHS), last


class MonthlyReportOut(Schema):
    id = fields.String()
    month = fields.String(metadata={"description": "YYYY-MM, the programme's civil month"})
    made_at = UtcDateTime()
    pdf_bytes = fields.Integer()
    workbook_bytes = fields.Integer()
