"""Connexions solidaires: the four services and the package they share."""
