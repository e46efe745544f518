"""Rolling correlation of per-symbol returns (seed 002), from the prices the signals carry.

Returns are close-to-close over event-time periods: a period's close is the last price seen in it.
Symbols without a price for twice the window are dropped (seed 002 #25).
"""

import math
from typing import Any, Final, final

from schemas.config import CorrelationConfig
from sizing.rolling_samples import Completed, completed_stats

_SECONDS_PER_DAY = 86_400.0
_NO_RETURNS = Completed()


@final
class PriceSeries:
    """One symbol: returns of its completed periods, the open period and its last price.

    Immutable; a plain class so that mypyc builds the one made per signal natively.
    """

    __slots__ = ("period", "prev_close", "price", "returns")

    def __init__(
        self,
        returns: Completed = _NO_RETURNS,
        prev_close: float | None = None,
        period: int = 0,
        price: float = 0.0,
    ) -> None:
        self.returns: Final = returns
        self.prev_close: Final = prev_close
        self.period: Final = period
        self.price: Final = price

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PriceSeries):
            return NotImplemented
        return (self.returns, self.prev_close, self.period, self.price) == (
            other.returns,
            other.prev_close,
            other.period,
            other.price,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"PriceSeries({self.returns!r}, {self.prev_close!r}, {self.period!r}, {self.price!r})"
        )

    def record(self, period: int, price: float, window: int) -> "PriceSeries":
        if period == self.period or self.price <= 0.0:
            return PriceSeries(self.returns, self.prev_close, period, price)
        if period < self.period:
            return self  # a late price does not rewrite a closed period
        points = self.returns.points
        if self.prev_close is not None:
            points = (*points, (self.period, self.price / self.prev_close - 1.0))[-window:]
        return PriceSeries(Completed(points), self.price, period, price)

    def as_dict(self) -> dict[str, Any]:
        return {
            "returns": [list(p) for p in self.returns.points],
            "prev_close": self.prev_close,
            "period": self.period,
            "price": self.price,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PriceSeries":
        points = tuple((int(p), float(r)) for p, r in data["returns"])
        prev = data["prev_close"]
        return cls(
            Completed(points), None if prev is None else float(prev), data["period"], data["price"]
        )


def period_of(timestamp_ns: int, period_s: float) -> int:
    return int(timestamp_ns // int(period_s * 1e9))


def record_price(
    series: dict[str, PriceSeries],
    symbol: str,
    price: float,
    timestamp_ns: int,
    cfg: CorrelationConfig,
) -> dict[str, PriceSeries]:
    """A new map with `symbol`'s price recorded and inactive symbols dropped."""
    period = period_of(timestamp_ns, cfg.period_s)
    old = series.get(symbol)
    if old is None:
        old = PriceSeries(period=period)
    # clean up once a period, not on every price
    out = dict(series) if period == old.period else _active(series, period, cfg.window)
    out[symbol] = old.record(period, price, cfg.window)
    return out


def _active(series: dict[str, PriceSeries], period: int, window: int) -> dict[str, PriceSeries]:
    """The series priced within 2 × window periods; those not priced yet in `period` forget their
    cached correlations: a signal reads its own symbol's, which its price has just renewed."""
    out = {}
    for s, p in series.items():
        if p.period >= period - 2 * window:
            out[s] = p
            if p.period < period:
                p.returns.forget_pairs()
    return out


def correlation(
    series: dict[str, PriceSeries], a: str, b: str, cfg: CorrelationConfig
) -> float | None:
    """r of the two symbols' returns; None until they share `min_periods` completed periods."""
    sa, sb = series.get(a), series.get(b)
    if sa is None or sb is None:
        return None
    return completed_stats(sa.returns, sb.returns, b, cfg.min_periods).r


def realised_daily_vol(series: PriceSeries | None, cfg: CorrelationConfig) -> float | None:
    """Standard deviation of period returns scaled to a day; None with too few periods."""
    if series is None or len(series.returns.points) < cfg.min_periods:
        return None
    return series.returns.pstdev() * math.sqrt(_SECONDS_PER_DAY / cfg.period_s)
