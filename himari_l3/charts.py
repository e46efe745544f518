"""Charts drawn to PNG files (matplotlib, no window): a decision's waterfall."""

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, never a window: before pyplot is imported

from matplotlib import pyplot as plt


def plot_waterfall(d: dict[str, Any], path: Path) -> None:
    """A waterfall chart: each step a bar from the size before it to its own, then the target."""
    steps = d["waterfall"]
    names = [s["step"] for s in steps] + ["target"]
    before, bottoms, heights, colours = 0.0, [], [], []
    for s in steps:
        bottoms.append(before)
        heights.append(s["size_usd"] - before)
        colours.append(_colour(before, s["size_usd"]))
        before = s["size_usd"]
    bottoms.append(0.0)
    heights.append(d["target_position_usd"])
    colours.append("black")
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(names)), 4.5))
    ax.bar(range(len(names)), heights, bottom=bottoms, color=colours)
    ax.set_xticks(range(len(names)), names, rotation=35, ha="right")
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set_ylabel("size, USD (- short)")
    ax.set_title(f"{d['symbol']} {d['action']} by {d['strategy_id']} -> {d['side']} "
                 f"{d['target_position_usd']:+,.0f} USD", fontsize=10)  # fmt: skip
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _colour(before: float, after: float) -> str:
    """The first step blue, a cut red, a rise green."""
    if before == 0.0:
        return "tab:blue"
    return "tab:red" if abs(after) < abs(before) else "tab:green"
