"""Ensemble across strategies (seed 000 §11.7): the latest view of every strategy on a symbol,
stacked into the symbol's target, with weights and their drift.

A wish is a strategy's signed size as a fraction of equity before the symbol-wide multipliers
(regime, cascade), so every strategy's view is re-weighed by the symbol's state of the moment.
"""

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from schemas.config import EnsembleConfig, IndependenceConfig
from sizing import signal_independence
from sizing.rolling_samples import Samples

Wishes = dict[str, dict[str, float]]  # symbol → strategy → signed fraction of equity


class Voice(NamedTuple):
    strategies: tuple[str, ...]
    wish: float


class Stack(NamedTuple):
    target: float
    voices: tuple[Voice, ...]
    penalised: bool


@dataclass(frozen=True, slots=True)
class Views:
    """Every strategy's latest view per symbol, indexed both ways, with per-strategy sums.

    Sums use math.fsum, exact whatever the order, so a book rebuilt from its changelog record
    equals the one that wrote it.
    """

    by_symbol: Wishes = field(default_factory=dict)
    by_strategy: Wishes = field(default_factory=dict)
    gross: dict[str, float] = field(default_factory=dict)
    net: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, by_symbol: Wishes) -> "Views":
        by_strategy: Wishes = {}
        for symbol in sorted(by_symbol):
            for strategy, wish in by_symbol[symbol].items():
                by_strategy.setdefault(strategy, {})[symbol] = wish
        gross = {s: math.fsum(map(abs, w.values())) for s, w in by_strategy.items()}
        net = {s: math.fsum(w.values()) for s, w in by_strategy.items()}
        return cls(by_symbol, by_strategy, gross, net)

    def with_wish(self, symbol: str, strategy: str, wish: float) -> "Views":
        """`strategy`'s view of `symbol` becomes `wish` (a zero view is dropped)."""
        by_symbol = _set(self.by_symbol, symbol, strategy, wish)
        by_strategy = _set(self.by_strategy, strategy, symbol, wish)
        gross, net = dict(self.gross), dict(self.net)
        own = by_strategy.get(strategy)
        if own:
            gross[strategy] = math.fsum(map(abs, own.values()))
            net[strategy] = math.fsum(own.values())
        else:
            gross.pop(strategy, None)
            net.pop(strategy, None)
        return Views(by_symbol, by_strategy, gross, net)

    def strategy_gross(self, strategy: str, excluding: str) -> float:
        own = self.by_strategy.get(strategy, {})
        return math.fsum(abs(w) for sym, w in own.items() if sym != excluding)


def _set(index: Wishes, outer: str, inner: str, wish: float) -> Wishes:
    entry = {k: w for k, w in index.get(outer, {}).items() if k != inner}
    if wish != 0.0:
        entry[inner] = wish
    out = dict(index)
    if entry:
        out[outer] = entry
    else:
        out.pop(outer, None)
    return out


def voices(
    on_symbol: dict[str, float], samples: dict[str, Samples], cfg: IndependenceConfig
) -> tuple[Voice, ...]:
    """Degenerate strategies speak with one voice: the mean of their views."""
    if len(on_symbol) == 1:
        ((strategy, wish),) = on_symbol.items()
        return (Voice((strategy,), wish),)
    names = sorted(on_symbol)
    joined = {
        (a, b)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if signal_independence.same_voice(samples, a, b, cfg)
    }
    out = []
    for group in signal_independence.groups(names, joined):
        distinct = _distinct(group, on_symbol, samples)  # a copy must not weigh twice in a mean
        out.append(Voice(tuple(group), sum(on_symbol[s] for s in distinct) / len(distinct)))
    return tuple(sorted(out, key=lambda v: (-abs(v.wish), v.strategies)))


def _distinct(
    group: list[str], on_symbol: dict[str, float], samples: dict[str, Samples]
) -> list[str]:
    """Members of a voice, exact copies (same view, same samples so far) counted once."""
    kept: list[str] = []
    for s in group:
        if not any(
            on_symbol[k] == on_symbol[s]
            and k in samples
            and s in samples
            and samples[k].all_points() == samples[s].all_points()
            for k in kept
        ):
            kept.append(s)
    return kept


def stack(vs: tuple[Voice, ...], cfg: EnsembleConfig) -> Stack:
    """The strongest voice counts in full, every further one at the penalty (seed: 0.7)."""
    if not vs:
        return Stack(0.0, vs, False)
    rest = sum(v.wish for v in vs[1:])
    return Stack(vs[0].wish + cfg.second_strategy_penalty * rest, vs, len(vs) > 1)


def weights(views: Views) -> dict[str, float]:
    """Each strategy's share of the portfolio's gross views."""
    total = math.fsum(views.gross.values())
    return {s: g / total for s, g in sorted(views.gross.items())} if total > 0.0 else {}


def drift(
    previous: dict[str, float], current: dict[str, float], cfg: EnsembleConfig
) -> dict[str, Any]:
    """Seed 000 §11.7: change per strategy, relative to its last weight (absolute when new)."""
    changes: dict[str, float] = {}
    drifted: list[str] = []
    max_drift = 0.0
    if not previous:  # the first weights have nothing to drift from
        return {"weight_changes": changes, "drifted_strategies": drifted, "max_drift_pct": 0.0}
    for strategy in sorted(previous.keys() | current.keys()):
        last, now = previous.get(strategy, 0.0), current.get(strategy, 0.0)
        delta = now - last
        pct = abs(delta) / last if last > 0.0 else abs(delta)
        changes[strategy] = delta
        max_drift = max(max_drift, pct)
        if pct > cfg.drift_alert_pct:
            drifted.append(strategy)
    return {
        "weight_changes": changes,
        "drifted_strategies": drifted,
        "max_drift_pct": 100.0 * max_drift,
    }
