"""How a counter finds a person by name: case, accents and spacing do not matter, so
"helene" finds "Hélène" and "ÉLODIE  M." finds "Élodie M." — the same on SQLite and
PostgreSQL, because the folded name is computed here and stored beside the name."""

from __future__ import annotations

import unicodedata


def folded(name: str) -> str:
    """Lower case without accents, single spaces: "  Zoé   MARTIN " -> "zoe martin"."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())
