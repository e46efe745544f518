"""Charts drawn to PNG files (matplotlib, no window): a decision's waterfall, and a what-if's
target positions against the recorded ones."""

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


def plot_targets(pairs: list[Any], path: Path, panels: int = 6) -> None:
    """Target positions over event time, recorded (solid) against what-if (dashed): one panel
    per (portfolio, symbol), those whose targets moved most first."""
    series: dict[tuple[str, str], list[Any]] = {}
    for p in sorted(pairs, key=lambda p: p.timestamp_ns):
        series.setdefault((p.portfolio_id, p.symbol), []).append(p)
    ranked = sorted(series, key=lambda k: -sum(abs(p.change_usd) for p in series[k]))[:panels]
    start = min((p.timestamp_ns for p in pairs), default=0)
    fig, axes = plt.subplots(max(1, len(ranked)), 1, figsize=(9.0, 2.2 * max(1, len(ranked))),
                             sharex=True, squeeze=False)  # fmt: skip
    for ax, key in zip(axes[:, 0], ranked, strict=False):
        xs = [(p.timestamp_ns - start) / 1e9 for p in series[key]]
        ax.step(xs, [p.recorded_usd for p in series[key]], where="post", label="recorded")
        ax.step(xs, [p.what_if_usd for p in series[key]], where="post", linestyle="--",
                label="what-if")  # fmt: skip
        ax.set_ylabel("USD", fontsize=8)
        ax.set_title(f"{key[1]} in {key[0]}", fontsize=9)
        ax.axhline(0.0, color="grey", linewidth=0.6)
    axes[0, 0].legend(fontsize=8, loc="upper right")
    axes[-1, 0].set_xlabel("event time, s after the first decision")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
