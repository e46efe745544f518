"""A what-if's differences in size, per symbol and per strategy: for machines and people."""

from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.table import Table

from himari_l3.audit.whatif import Pair, WhatIf

CHANGED_USD = 1e-6  # a smaller change of a target is rounding, not a different decision


def as_json(w: WhatIf) -> dict[str, Any]:
    """Counts, mean and max change of the target, and the reasons that appear or vanish."""
    return {
        "mode": "what-if",
        "config_version": w.config_version,
        "recorded_config_versions": sorted(w.recorded_versions),
        "overall": _stats(w.pairs),
        "left_out_after_reset": w.after_reset,
        "by_symbol": _grouped(w.pairs, lambda p: p.symbol),
        "by_strategy": _grouped(w.pairs, lambda p: p.strategy_id),
    }


def _grouped(pairs: list[Pair], key: Callable[[Pair], str]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        groups[key(p)].append(p)
    return {name: _stats(group) for name, group in sorted(groups.items())}


def _stats(pairs: list[Pair]) -> dict[str, Any]:
    changes = [p.change_usd for p in pairs]
    appear: Counter[str] = Counter()
    vanish: Counter[str] = Counter()
    for p in pairs:
        appear.update(set(p.what_if_reasons) - set(p.recorded_reasons))
        vanish.update(set(p.recorded_reasons) - set(p.what_if_reasons))
    return {
        "decisions": len(pairs),
        "changed": sum(abs(c) > CHANGED_USD for c in changes),
        "mean_change_usd": sum(changes) / len(changes) if changes else 0.0,
        "max_abs_change_usd": max(map(abs, changes), default=0.0),
        "reasons_appear": dict(appear.most_common()),
        "reasons_vanish": dict(vanish.most_common()),
    }


def render(report: dict[str, Any], console: Console) -> None:
    """The overall figures, then one table per grouping."""
    o = report["overall"]
    console.print(
        f"[bold]what-if[/bold]: config {report['config_version']} against the recorded "
        f"{', '.join(report['recorded_config_versions']) or '-'}: {o['decisions']:,} decisions, "
        f"{o['changed']:,} with another target"
    )
    for grouping in ("by_symbol", "by_strategy"):
        console.print(_table(grouping.removeprefix("by_"), report[grouping]))
    if report["left_out_after_reset"]:
        console.print(f"{report['left_out_after_reset']:,} decisions left out: their portfolio's "
                      "kill switch was reset before resets recorded their snapshot")  # fmt: skip


def _table(name: str, groups: dict[str, dict[str, Any]]) -> Table:
    table = Table(title=f"target position per {name}: what-if minus recorded")
    for column in (name, "decisions", "changed", "mean USD", "max |USD|", "reasons +", "reasons -"):
        table.add_column(
            column, justify="left" if column in (name, "reasons +", "reasons -") else "right"
        )
    for group, s in groups.items():
        table.add_row(
            group, f"{s['decisions']:,}", f"{s['changed']:,}", f"{s['mean_change_usd']:+,.2f}",
            f"{s['max_abs_change_usd']:,.2f}", _counts(s["reasons_appear"]),
            _counts(s["reasons_vanish"]),
        )  # fmt: skip
    return table


def _counts(counts: dict[str, int], shown: int = 3) -> str:
    """The most frequent codes; the JSON report has them all."""
    top = [f"{code} {n}" for code, n in list(counts.items())[:shown]]
    more = len(counts) - shown
    return ", ".join(top + ([f"+{more} more"] if more > 0 else [])) or "-"
