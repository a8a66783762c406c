"""The benchmark table as a picture: each figure against its target, one bar per measure."""

from __future__ import annotations

import re
from pathlib import Path

from bench.figures import Figure


def _target_value(figure: Figure) -> tuple[float, str] | None:
    """(the value to reach, "min" or "max") read from the target text, where it has one."""
    number = re.search(r"([\d,.]+)", figure.target.replace(" ", ""))
    if number is None:
        return None
    value = float(number.group(1).replace(",", ""))
    if "%" in figure.target:
        return value / 100, "min"
    if "×" in figure.target:
        return value, "min"
    return value, "max" if "≤" in figure.target or figure.target.strip() == "0" else "min"


def plot(figures: list[Figure], path: Path) -> None:
    """Bars of ours / target (ratio measures use ours / raw); green when the target is met."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = []
    for figure in figures:
        target = _target_value(figure)
        if target is None or figure.met is None:
            continue
        value = figure.ratio if figure.raw else figure.ours
        goal, _ = target
        rows.append((figure.name.split(" (")[0][:60], value / goal if goal else 0.0, figure.met))
    fig, axis = plt.subplots(figsize=(10, 0.5 * len(rows) + 1.5))
    names = [name for name, _, _ in rows]
    axis.barh(
        names,
        [share for _, share, _ in rows],
        color=["tab:green" if met else "tab:red" for _, _, met in rows],
    )
    axis.axvline(1.0, color="black", linewidth=1)
    axis.set_xlabel(
        "measured ÷ target (right of 1 is better for 'at least' targets, left of 1 for 'at most')"
    )
    axis.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
