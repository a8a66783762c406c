"""Reporting periods: whole months, bounded, and the monthly reports due (with catch-up)."""

from __future__ import annotations

import pytest

from services.sales.domain.reporting import (
    MAX_MONTHS,
    due_reports,
    months_between,
    period_problem,
    shifted,
)


def test_months_run_across_years():
    assert months_between("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert months_between("2027-03", "2027-02") == []
    assert shifted("2027-01", -1) == "2026-12" and shifted("2026-12", 13) == "2028-01"


@pytest.mark.parametrize(
    ("first", "last", "refused"),
    [
        ("2027-01", "2027-01", False),
        ("2025-01", "2027-12", False),  # 36 months
        ("2024-12", "2027-12", True),  # 37
        ("2027-02", "2027-01", True),
    ],
)
def test_a_period_is_at_most_36_whole_months_in_order(first, last, refused):
    assert MAX_MONTHS == 36
    assert (period_problem(first, last) is not None) is refused


def test_last_months_report_is_due_and_missed_ones_are_caught_up():
    assert due_reports("2027-04", None) == ["2027-03"]  # the first ever: last month's only
    assert due_reports("2027-04", "2027-03") == []  # made already
    assert due_reports("2027-04", "2026-12") == ["2027-01", "2027-02", "2027-03"]
    assert due_reports("2027-01", "2026-11") == ["2026-12"]
