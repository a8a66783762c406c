"""Donations' domain: plain Python (no Flask, SQLAlchemy, marshmallow, kombu or services.common).

What a caller asks (``commands``), the facts a use case raises (``events``), why the domain
refuses (``errors``), and the rules: typed lines, identifiers, files, reception, partners,
receipts and the partner impact.
"""
