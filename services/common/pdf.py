"""Helpers for the PDFs the services render with fpdf2's core fonts."""

from __future__ import annotations


def latin1(text: object) -> str:
    """The core fonts speak Latin-1: anything else is shown as '?' instead of failing."""
    return str(text).encode("latin-1", "replace").decode("latin-1")
