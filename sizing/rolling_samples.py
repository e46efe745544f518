"""Samples per event-time period, and their pairwise Pearson correlation.

A `Samples` holds the completed periods (immutable) and the open one. Correlations read completed
periods only, so a pair's value is cached on the completed objects and stays valid until a period
closes; the identity of an immutable object stands for its contents.
"""

import math
import sys
from array import array
from base64 import b64decode, b64encode
from dataclasses import dataclass, field
from typing import Any, Final, final

from sizing.values import Value


@final
class PairStats(Value):
    __slots__ = ("identical", "r")

    def __init__(self, r: float | None, identical: bool) -> None:
        self.r: Final = r  # None: fewer than the minimum common periods, or a constant series
        # The two agree on every common period (and share at least one).
        self.identical: Final = identical


@dataclass(frozen=True, slots=True)
class Completed:
    """Closed periods, oldest first: (period, value). Equal by value; caches go by identity."""

    points: tuple[tuple[int, float], ...] = ()
    # other series' name → (its token, min points, stats); one entry per name. The other
    # series is known by its token, not held: holding it kept every older period alive
    # through the other's cache in turn (the soak saw memory grow by each period).
    _cache: dict[str, tuple[list[int], int, PairStats]] = field(
        default_factory=dict, repr=False, compare=False, hash=False
    )
    _token: list[int] = field(default_factory=list, repr=False, compare=False, hash=False)
    # pstdev of the values once computed: realised volatility reads it for every signal.
    _pstdev: list[float] = field(default_factory=list, repr=False, compare=False, hash=False)

    def as_map(self) -> dict[int, float]:
        return dict(self.points)

    def cached_pairs(self) -> int:
        return len(self._cache)

    def forget_pairs(self) -> None:
        """Drop the cached pair stats: a series that stopped changing would keep one per partner
        it was ever compared with, until it leaves its book (the soak saw them pile up)."""
        self._cache.clear()

    def pstdev(self) -> float:
        """Population standard deviation of the values, computed once per object.

        Two passes of exact sums: statistics.pstdev's rational arithmetic costs ~100 µs here."""
        if not self._pstdev:
            values = [v for _, v in self.points]
            n = len(values)
            mean = math.fsum(values) / n if n else 0.0
            var = math.fsum([(v - mean) * (v - mean) for v in values]) / n if n else 0.0
            self._pstdev.append(math.sqrt(var))
        return self._pstdev[0]


_NO_POINTS = Completed()


@final
class Samples:
    """One series: its completed periods and the open period's value. Immutable.

    A plain class, not a dataclass: one is built per signal, and mypyc compiles a plain
    `__init__` natively where a dataclass's generated one stays interpreted.
    """

    __slots__ = ("completed", "period", "value")

    def __init__(
        self, completed: Completed = _NO_POINTS, period: int | None = None, value: float = 0.0
    ) -> None:
        self.completed: Final = completed
        self.period: Final = period
        self.value: Final = value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Samples):
            return NotImplemented
        return (self.completed, self.period, self.value) == (
            other.completed,
            other.period,
            other.value,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Samples({self.completed!r}, {self.period!r}, {self.value!r})"

    def record(self, period: int, value: float, window: int) -> "Samples":
        """The open period takes `value`; an earlier period than the open one is ignored."""
        if self.period is None or period == self.period:
            return Samples(self.completed, period, value)
        if period < self.period:
            return self
        points = (*self.completed.points, (self.period, self.value))[-window:]
        return Samples(Completed(points), period, value)

    def all_points(self) -> tuple[tuple[int, float], ...]:
        if self.period is None:
            return self.completed.points
        return (*self.completed.points, (self.period, self.value))

    def as_list(self) -> list[Any]:
        return [[p, v] for p, v in self.all_points()]

    @classmethod
    def from_list(cls, data: list[Any]) -> "Samples":
        return cls._of(tuple((int(p), float(v)) for p, v in data))

    def as_packed(self) -> dict[str, Any]:
        """The points as binary columns: 16 characters a point where `as_list` takes about 32, so a
        book of `max_strategies` × `window` samples stays well inside one Kafka record."""
        points = self.all_points()
        periods = [p for p, _ in points]
        deltas = array("i", [periods[i] - periods[i - 1] for i in range(1, len(periods))])
        values = array("d", [v for _, v in points])
        return {
            "first": periods[0] if periods else None,
            "deltas": _b64(deltas),
            "values": _b64(values),
        }

    @classmethod
    def from_packed(cls, data: dict[str, Any]) -> "Samples":
        values = _unb64("d", data["values"]).tolist()
        if not values:
            return cls()
        periods = [int(data["first"])]
        for delta in _unb64("i", data["deltas"]).tolist():
            periods.append(periods[-1] + delta)
        return cls._of(tuple(zip(periods, values, strict=True)))

    @classmethod
    def _of(cls, points: tuple[tuple[int, float], ...]) -> "Samples":
        if not points:
            return cls()
        return cls(Completed(points[:-1]), points[-1][0], points[-1][1])


def _b64(column: "array[Any]") -> str:
    if sys.byteorder == "big":
        column.byteswap()  # stored little-endian
    return b64encode(column.tobytes()).decode("ascii")


def _unb64(typecode: str, text: str) -> "array[Any]":
    column = array(typecode)
    column.frombytes(b64decode(text))
    if sys.byteorder == "big":
        column.byteswap()
    return column


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r; None when either series is constant (r is undefined)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sxx = syy = 0.0
    for x, y in zip(xs, ys, strict=True):
        dx, dy = x - mx, y - my
        sxy += dx * dy
        sxx += dx * dx
        syy += dy * dy
    if sxx <= 1e-300 or syy <= 1e-300:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def aligned(a: dict[int, float], b: dict[int, float]) -> tuple[list[float], list[float]]:
    common = sorted(a.keys() & b.keys())
    return [a[k] for k in common], [b[k] for k in common]


def completed_stats(a: Completed, b: Completed, b_name: str, min_points: int) -> PairStats:
    """r and agreement over the periods both have completed; cached until either changes."""
    hit = a._cache.get(b_name)
    if hit is not None and hit[0] is b._token and hit[1] == min_points:
        return hit[2]
    xs, ys = aligned(a.as_map(), b.as_map())
    r = pearson(xs, ys) if len(xs) >= min_points else None
    stats = PairStats(r, bool(xs) and xs == ys)
    a._cache[b_name] = (b._token, min_points, stats)
    return stats


def identical_so_far(a: Samples, b: Samples) -> bool:
    """True when both series have a common period and agree on every one they share."""
    if a.period is not None and a.period == b.period and a.value != b.value:
        return False  # the common case, without building the maps
    xs, ys = aligned(dict(a.all_points()), dict(b.all_points()))
    return bool(xs) and xs == ys
