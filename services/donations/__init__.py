"""Donations: partners, announced and received donations, receipts, partner impact."""
