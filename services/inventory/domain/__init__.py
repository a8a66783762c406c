"""The refurbishment rules in plain Python: no Flask, no SQLAlchemy, no broker."""
