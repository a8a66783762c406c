"""Sales' rules in plain Python: enrolment and eligibility, limits, prices, the order saga."""
