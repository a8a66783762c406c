"""One benchmark figure: ours, the raw baseline beside it, the target and whether it is met."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    ours: float
    raw: float | None
    unit: str
    target: str
    met: bool | None

    @property
    def ratio(self) -> float | None:
        return self.ours / self.raw if self.raw else None

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "NO", None: "—"}[self.met]
