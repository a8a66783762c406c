"""Reporting periods: whole calendar months of the programme's time zone.

A funder workbook covers ``first``..``last`` (both ``YYYY-MM``, inclusive), at most
``MAX_MONTHS`` months. The monthly report of a month is due once that month is over; the
worker makes every missing one since the last made (catching up after downtime), or only
last month's when none was ever made.
"""

from __future__ import annotations

from datetime import date

MAX_MONTHS = 36


def month_start(month: str) -> date:
    """``2027-03`` → 1 March 2027."""
    year, number = month.split("-")
    return date(int(year), int(number), 1)


def month_name(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def shifted(month: str, months: int) -> str:
    """``month`` moved by ``months`` (negative: back)."""
    start = month_start(month)
    index = start.year * 12 + start.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included (empty if ``first`` is later)."""
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = shifted(month, 1)
    return months


def period_problem(first: str, last: str) -> str | None:
    """Why ``first``..``last`` is not a period a workbook covers; None when it is."""
    if first > last:
        return "'from' is after 'to'."
    if len(months_between(first, last)) > MAX_MONTHS:
        return f"A workbook covers at most {MAX_MONTHS} months."
    return None


def due_reports(current_month: str, latest_made: str | None) -> list[str]:
    """The months whose report is due in ``current_month``, oldest first: each month after
    the latest made up to last month, or only last month when none was ever made."""
    last_month = shifted(current_month, -1)
    if latest_made is None:
        return [last_month]
    return months_between(shifted(latest_made, 1), last_month)
