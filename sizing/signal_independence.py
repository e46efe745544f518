"""Signal independence (seed 003 §4a): how many independent strategies a portfolio really has.

Each strategy's signed net size is sampled per event-time period. Strategies whose samples
correlate above `degenerate_above` (or, before there is enough data, agree on every common
period) are degenerate: they count, and later vote, as one. Among those voices the effective
count is n²/ΣC²ᵢⱼ, and size is scaled by √(effective/n) when it falls short of n.
"""

import math
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, Final, final

from schemas.config import IndependenceConfig
from sizing.rolling_samples import Samples, completed_stats, identical_so_far
from sizing.values import Value


@dataclass(frozen=True, slots=True)
class Independence:
    strategies: int
    voices: int
    effective: float
    scale: float
    degenerate_pairs: tuple[tuple[str, str, float], ...]
    # Built once: a memoised verdict is read by every decision until a period closes.
    _diagnostics: dict[str, Any] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        diagnostics = {
            "strategies": self.strategies,
            "nominal_count": self.voices,
            "effective_count": self.effective,
            "scale": self.scale,
            "degenerate_pairs": [list(p) for p in self.degenerate_pairs],
        }
        object.__setattr__(self, "_diagnostics", diagnostics)

    def diagnostics(self) -> dict[str, Any]:
        return self._diagnostics


_NO_SAMPLES = Samples()


def record(
    samples: dict[str, Samples], strategy: str, net: float, period: int, cfg: IndependenceConfig
) -> dict[str, Samples]:
    """A new map with `strategy`'s net size sampled; strategies silent for a window are dropped."""
    old = samples.get(strategy) or _NO_SAMPLES
    if old.period == period:
        out = dict(samples)
    else:
        out = {s: v for s, v in samples.items() if (v.period or 0) >= period - cfg.window}
    out[strategy] = old.record(period, net, cfg.window)
    return out


def _completed_degenerate(
    samples: dict[str, Samples], a: str, b: str, cfg: IndependenceConfig
) -> tuple[bool, float | None]:
    stats = completed_stats(samples[a].completed, samples[b].completed, b, cfg.min_samples)
    if stats.r is not None:
        return stats.r > cfg.degenerate_above, stats.r
    return stats.identical, 1.0 if stats.identical else None


def same_voice(samples: dict[str, Samples], a: str, b: str, cfg: IndependenceConfig) -> bool:
    """Degenerate by completed periods, or identical so far (the open period included)."""
    if a not in samples or b not in samples:
        return False
    return _completed_degenerate(samples, a, b, cfg)[0] or identical_so_far(samples[a], samples[b])


def groups(members: list[str], joined: set[tuple[str, str]]) -> list[list[str]]:
    """Connected components of `members` under the `joined` pairs, each sorted, in name order."""
    parent = {m: m for m in members}

    def root(m: str) -> str:
        while parent[m] != m:
            parent[m] = parent[parent[m]]
            m = parent[m]
        return m

    for a, b in joined:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    out: dict[str, list[str]] = {}
    for m in sorted(members):
        out.setdefault(root(m), []).append(m)
    return list(out.values())


@final
class PairVerdicts(Value):
    """What completed periods say of every pair: valid until a period closes."""

    __slots__ = ("cfg", "degenerate", "joined", "result", "rs", "unknown")

    def __init__(
        self,
        cfg: IndependenceConfig,
        rs: dict[tuple[str, str], float],
        joined: frozenset[tuple[str, str]],
        degenerate: tuple[tuple[str, str, float], ...],
        unknown: tuple[tuple[str, str], ...],
        result: "Independence",
    ) -> None:
        self.cfg: Final = cfg
        self.rs: Final = rs
        self.joined: Final = joined
        self.degenerate: Final = degenerate
        self.unknown: Final = unknown  # r not known yet: warm-up copies may join them
        self.result: Final = result  # the answer when no warm-up pair joins


@final
class Assessment(Value):
    __slots__ = ("independence", "joined", "verdicts")

    def __init__(
        self, independence: Independence, joined: frozenset[tuple[str, str]], verdicts: PairVerdicts
    ) -> None:
        self.independence: Final = independence
        self.joined: Final = joined  # pairs that speak as one voice now
        self.verdicts: Final = verdicts


# Keyed by the identity of the immutable Completed objects, which the entry holds on to. An
# entry grows with the square of the strategies (every pair, and the series behind them): the
# soak measured 240 KB at 136 strategies, so only a few periods' worth are kept.
_MEMO: dict[tuple[Any, ...], tuple[tuple[Any, ...], PairVerdicts]] = {}
_MEMO_SIZE = 64


def assess(samples: dict[str, Samples], cfg: IndependenceConfig) -> Independence:
    """Effective count over the voices of every strategy sampled in the window."""
    return assess_pairs(samples, cfg, None).independence


def assess_pairs(
    samples: dict[str, Samples], cfg: IndependenceConfig, known: PairVerdicts | None
) -> Assessment:
    """`assess`, with the joined pairs; `known` are verdicts on these very completed periods."""
    if known is None or known.cfg is not cfg:
        known = _completed_pairs(tuple(sorted(samples)), samples, cfg)
    extra = _identical_unknowns(known, samples)
    if not extra:
        return Assessment(known.result, known.joined, known)
    joined = known.joined | extra
    independence = _effective(sorted(samples), known.rs, joined, known.degenerate)
    return Assessment(independence, joined, known)


Pair = tuple[str, str]
# id(verdicts) → (verdicts, its unknown pairs by name, the samples last asked, their answer).
# Within a period a signal changes its own strategy's series only: the other unknown pairs'
# answers stand, so they are not checked again (strategies² checks a signal, at 48 strategies).
_UNKNOWNS: dict[int, tuple[PairVerdicts, dict[str, list[Pair]], dict[str, Samples], set[Pair]]] = {}
_NO_PAIRS: frozenset[Pair] = frozenset()


def _identical_unknowns(known: PairVerdicts, samples: dict[str, Samples]) -> AbstractSet[Pair]:
    """The pairs of `known.unknown` whose series agree so far (the open period included)."""
    if not known.unknown:
        return _NO_PAIRS  # past the warm-up, every pair has its verdict
    hit = _UNKNOWNS.get(id(known))
    if hit is None or hit[0] is not known or hit[2].keys() != samples.keys():
        by_name: dict[str, list[Pair]] = {}
        for pair in known.unknown:
            by_name.setdefault(pair[0], []).append(pair)
            by_name.setdefault(pair[1], []).append(pair)
        extra = {p for p in known.unknown if identical_so_far(samples[p[0]], samples[p[1]])}
    else:
        by_name, before, extra = hit[1], hit[2], set(hit[3])
        for name, series in samples.items():
            if before.get(name) is not series:
                for pair in by_name.get(name, ()):
                    extra.discard(pair)
                    if identical_so_far(samples[pair[0]], samples[pair[1]]):
                        extra.add(pair)
    if len(_UNKNOWNS) >= _MEMO_SIZE:
        del _UNKNOWNS[next(iter(_UNKNOWNS))]
    _UNKNOWNS[id(known)] = (known, by_name, samples, extra)
    return extra


def _same_objects(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):  # noqa: B905, SIM110 (lengths checked; a loop, not a generator, for mypyc)
        if x is not y:
            return False
    return True


def _completed_pairs(
    names: tuple[str, ...], samples: dict[str, Samples], cfg: IndependenceConfig
) -> PairVerdicts:
    held = (cfg, *[samples[n].completed for n in names])
    key = (names, *[id(h) for h in held])
    hit = _MEMO.get(key)
    if hit is not None and _same_objects(hit[0], held):
        return hit[1]
    rs: dict[tuple[str, str], float] = {}
    joined: set[tuple[str, str]] = set()
    degenerate: list[tuple[str, str, float]] = []
    unknown: list[tuple[str, str]] = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            same, r = _completed_degenerate(samples, a, b, cfg)
            if r is None and not same:
                unknown.append((a, b))
            if r is not None:
                rs[a, b] = r
                if abs(r) > cfg.degenerate_above:
                    degenerate.append((a, b, r))
            if same:
                joined.add((a, b))
    result = _effective(list(names), rs, joined, tuple(degenerate))
    pairs = PairVerdicts(cfg, rs, frozenset(joined), tuple(degenerate), tuple(unknown), result)
    if len(_MEMO) >= _MEMO_SIZE:
        del _MEMO[next(iter(_MEMO))]  # the oldest: past periods' entries go, live ones stay
    _MEMO[key] = (held, pairs)
    return pairs


def _effective(
    names: list[str],
    rs: dict[tuple[str, str], float],
    joined: set[tuple[str, str]] | frozenset[tuple[str, str]],
    degenerate: tuple[tuple[str, str, float], ...],
) -> Independence:
    reps = [g[0] for g in groups(names, set(joined))]
    n = len(reps)
    if n == 0:
        return Independence(0, 0, 0.0, 1.0, ())
    squares = float(n) + 2.0 * math.fsum(
        [rs.get((a, b), 0.0) ** 2 for i, a in enumerate(reps) for b in reps[i + 1 :]]
    )
    effective = n * n / squares
    scale = math.sqrt(effective / n) if effective < n else 1.0
    return Independence(len(names), n, effective, scale, degenerate)
