"""Inventory: sites, serialized devices and their refurbishment, card custody, reservations."""
