"""Ensemble across strategies (seed 000 §11.7): the latest view of every strategy on a symbol,
stacked into the symbol's target, with weights and their drift.

A wish is a strategy's signed size as a fraction of equity before the symbol-wide multipliers
(regime, cascade), so every strategy's view is re-weighed by the symbol's state of the moment.
"""

import math
from dataclasses import dataclass, field
from typing import Any, Final, final

from schemas.config import EnsembleConfig
from sizing import signal_independence
from sizing.rolling_samples import Samples
from sizing.values import Value

Wishes = dict[str, dict[str, float]]  # symbol → strategy → signed fraction of equity


@final
class Voice(Value):
    __slots__ = ("strategies", "wish")

    def __init__(self, strategies: tuple[str, ...], wish: float) -> None:
        self.strategies: Final = strategies
        self.wish: Final = wish


@final
class Stack(Value):
    __slots__ = ("penalised", "target", "voices")

    def __init__(self, target: float, voices: tuple[Voice, ...], penalised: bool) -> None:
        self.target: Final = target
        self.voices: Final = voices
        self.penalised: Final = penalised


@dataclass(slots=True)
class Views:
    """Every strategy's latest view per symbol, indexed both ways, with per-strategy sums.

    Sums use math.fsum, exact whatever the order, so a book rebuilt from its changelog record
    equals the one that wrote it. Mutable: stage 2 commits one wish per decision in place.
    """

    by_symbol: Wishes = field(default_factory=dict)
    by_strategy: Wishes = field(default_factory=dict)
    gross: dict[str, float] = field(default_factory=dict)
    net: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, by_symbol: Wishes) -> "Views":
        views = cls()
        for symbol in sorted(by_symbol):
            for strategy, wish in by_symbol[symbol].items():
                views.set_wish(symbol, strategy, wish)
        return views

    def set_wish(self, symbol: str, strategy: str, wish: float) -> None:
        """`strategy`'s view of `symbol` becomes `wish` (a zero view is dropped)."""
        own = [*self.others(strategy, symbol), wish]
        self.commit_wish(symbol, strategy, wish, math.fsum(map(abs, own)), math.fsum(own))

    def commit_wish(
        self, symbol: str, strategy: str, wish: float, gross: float, net: float
    ) -> None:
        """`set_wish` with the strategy's new sums over its views, as stage 2 computed them."""
        _set(self.by_symbol, symbol, strategy, wish)
        _set(self.by_strategy, strategy, symbol, wish)
        if strategy in self.by_strategy:
            self.gross[strategy] = gross
            self.net[strategy] = net
        else:
            self.gross.pop(strategy, None)
            self.net.pop(strategy, None)

    def drop_strategy(self, strategy: str) -> None:
        """Every view of `strategy` gone, as if it had never signalled."""
        for symbol in self.by_strategy.pop(strategy, _EMPTY):
            _set(self.by_symbol, symbol, strategy, 0.0)
        self.gross.pop(strategy, None)
        self.net.pop(strategy, None)

    def copy(self) -> "Views":
        return Views(
            {k: dict(v) for k, v in self.by_symbol.items()},
            {k: dict(v) for k, v in self.by_strategy.items()},
            dict(self.gross),
            dict(self.net),
        )

    def others(self, strategy: str, excluding: str) -> list[float]:
        """`strategy`'s views of every symbol but `excluding`."""
        own = self.by_strategy.get(strategy)
        if not own:
            return []
        return [w for sym, w in own.items() if sym != excluding]

    def strategy_gross(self, strategy: str, excluding: str) -> float:
        return math.fsum(map(abs, self.others(strategy, excluding)))

    def on_symbol_with(self, symbol: str, strategy: str, wish: float) -> dict[str, float]:
        """The views of `symbol` as they would be with `strategy`'s new wish."""
        out = dict(self.by_symbol.get(symbol, _EMPTY))
        if wish != 0.0:
            out[strategy] = wish
        else:
            out.pop(strategy, None)
        return out


_EMPTY: dict[str, float] = {}


def _set(index: Wishes, outer: str, inner: str, wish: float) -> None:
    entry = index.get(outer)
    if wish != 0.0:
        if entry is None:
            index[outer] = {inner: wish}
        else:
            entry[inner] = wish
    elif entry is not None:
        entry.pop(inner, None)
        if not entry:
            del index[outer]


def voices(
    on_symbol: dict[str, float],
    samples: dict[str, Samples],
    speak_as_one: frozenset[tuple[str, str]],
) -> tuple[Voice, ...]:
    """Degenerate strategies speak with one voice: the mean of their views.

    `speak_as_one` holds every degenerate pair, as `signal_independence.assess_pairs` found them."""
    if len(on_symbol) == 1:
        ((strategy, wish),) = on_symbol.items()
        return (Voice((strategy,), wish),)
    names = sorted(on_symbol)
    joined = _joined(names, speak_as_one) if speak_as_one else None
    if not joined:  # the usual case: every strategy is its own voice
        out = [Voice((s,), on_symbol[s]) for s in names]
    else:
        out = []
        for group in signal_independence.groups(names, joined):
            distinct = _distinct(group, on_symbol, samples)  # a copy must not weigh twice
            out.append(Voice(tuple(group), sum(on_symbol[s] for s in distinct) / len(distinct)))
    out.sort(key=_loudest_first)
    return tuple(out)


def _joined(names: list[str], speak_as_one: frozenset[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(a, b) for i, a in enumerate(names) for b in names[i + 1 :] if (a, b) in speak_as_one}


def _loudest_first(v: Voice) -> tuple[float, tuple[str, ...]]:
    return (-abs(v.wish), v.strategies)


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
    rest = 0.0
    for v in vs[1:]:
        rest += v.wish
    return Stack(vs[0].wish + cfg.second_strategy_penalty * rest, vs, len(vs) > 1)


def weights(gross: dict[str, float]) -> dict[str, float]:
    """Each strategy's share of the portfolio's gross views."""
    total = math.fsum(gross.values())
    return {s: gross[s] / total for s in sorted(gross)} if total > 0.0 else {}


def drift(
    previous: dict[str, float], current: dict[str, float], cfg: EnsembleConfig
) -> dict[str, Any]:
    """Seed 000 §11.7: change per strategy, relative to its last weight (absolute when new)."""
    changes: dict[str, float] = {}
    drifted: list[str] = []
    max_drift = 0.0
    if previous:  # the first weights have nothing to drift from
        alert = cfg.drift_alert_pct
        names = current.keys() if previous.keys() <= current.keys() else previous | current
        for strategy in sorted(names):
            last = previous.get(strategy, 0.0)
            delta = current.get(strategy, 0.0) - last
            pct = abs(delta) / last if last > 0.0 else abs(delta)
            changes[strategy] = delta
            max_drift = max(max_drift, pct)
            if pct > alert:
                drifted.append(strategy)
    return {
        "weight_changes": changes,
        "drifted_strategies": drifted,
        "max_drift_pct": 100.0 * max_drift,
    }
