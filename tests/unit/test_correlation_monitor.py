"""Rolling correlation of per-symbol close-to-close returns over event-time periods (seed 002)."""

import itertools
import math

import pytest
from factories import TS

from schemas.config import CorrelationConfig
from sizing import correlation_monitor
from sizing.correlation_monitor import PriceSeries

CFG = CorrelationConfig()
PERIOD_NS = int(CFG.period_s * 1e9)
P0 = TS // PERIOD_NS * PERIOD_NS  # the start of a period


def at(period: int, offset_s: float = 0.0) -> int:
    return P0 + period * PERIOD_NS + int(offset_s * 1e9)


def priced(closes: dict[str, list[float]], cfg: CorrelationConfig = CFG) -> dict[str, PriceSeries]:
    """One price per period per symbol, from period 0 on."""
    series: dict[str, PriceSeries] = {}
    period_ns = int(cfg.period_s * 1e9)
    for i in range(max(map(len, closes.values()))):
        for symbol, prices in closes.items():
            if i < len(prices):
                ts = P0 + i * period_ns
                series = correlation_monitor.record_price(series, symbol, prices[i], ts, cfg)
    return series


WALK = [100.0, 101.0, 99.5, 102.0, 103.5, 101.0, 100.0, 104.0, 105.0, 103.0, 106.0, 107.0, 105.5]


def test_defaults_are_the_seed_numbers():
    """60 periods of 60 s, r from 10 common periods, correlation limit 0.7."""
    assert (CFG.window, CFG.period_s, CFG.min_periods, CFG.max_correlation) == (60, 60.0, 10, 0.7)


def test_returns_are_close_to_close_per_period():
    """A period's close is its last price; its return is close over the previous close − 1."""
    series: dict[str, PriceSeries] = {}
    for ts, price in [
        (at(0), 100.0),
        (at(0, 30), 105.0),  # period 0 closes at 105
        (at(1), 110.0),
        (at(1, 59), 115.5),  # period 1 closes at 115.5: +10 %
        (at(2, 10), 103.95),  # period 2 closes at 103.95: −10 %
        (at(3), 1.0),  # opens period 3, completing period 2
    ]:
        series = correlation_monitor.record_price(series, "BTC", price, ts, CFG)
    points = series["BTC"].returns.points
    assert [p for p, _ in points] == [P0 // PERIOD_NS + 1, P0 // PERIOD_NS + 2]
    assert [r for _, r in points] == pytest.approx([0.10, -0.10], rel=1e-12)
    assert (series["BTC"].prev_close, series["BTC"].price) == (103.95, 1.0)


def test_a_late_price_does_not_rewrite_a_closed_period():
    """A price from an earlier period than the open one is ignored."""
    series = priced({"BTC": [100.0, 110.0, 121.0]})
    late = correlation_monitor.record_price(series, "BTC", 1.0, at(0, 5), CFG)
    assert late["BTC"] == series["BTC"]


def test_correlation_is_none_until_min_periods_common_returns():
    """Nine common returns: unknown; ten: r of co-moving symbols is 1."""
    doubled = [2.0 * p for p in WALK]
    nine = priced({"A": WALK[:11], "B": doubled[:11]})  # 10 completed periods → 9 returns
    assert len(nine["A"].returns.points) == 9
    assert correlation_monitor.correlation(nine, "A", "B", CFG) is None
    ten = priced({"A": WALK[:12], "B": doubled[:12]})
    assert len(ten["A"].returns.points) == 10
    assert correlation_monitor.correlation(ten, "A", "B", CFG) == pytest.approx(1.0)
    assert correlation_monitor.correlation(ten, "B", "A", CFG) == pytest.approx(1.0)


def test_mirror_moves_correlate_at_minus_one():
    """Returns of equal size and opposite sign: r = −1."""
    mirrored = [100.0]
    for prev, now in itertools.pairwise(WALK):
        mirrored.append(mirrored[-1] * (1.0 - (now / prev - 1.0)))
    series = priced({"A": WALK, "B": mirrored})
    assert correlation_monitor.correlation(series, "A", "B", CFG) == pytest.approx(-1.0)


def test_correlation_of_an_unknown_symbol_is_none():
    """No series, no correlation."""
    series = priced({"A": WALK})
    assert correlation_monitor.correlation(series, "A", "Z", CFG) is None


def late_starter() -> dict[str, PriceSeries]:
    """A from period 0, B (2 × A) from period 3: B has 8 returns, all common with A."""
    series: dict[str, PriceSeries] = {}
    for i, price in enumerate(WALK):
        series = correlation_monitor.record_price(series, "A", price, at(i), CFG)
        if i >= 3:
            series = correlation_monitor.record_price(series, "B", 2.0 * price, at(i), CFG)
    return series


def test_correlation_reads_only_common_periods():
    """A symbol that started later is compared over the periods both have."""
    series = late_starter()
    assert len(series["B"].returns.points) == 8
    assert correlation_monitor.correlation(series, "A", "B", CFG) is None
    cfg = CorrelationConfig(min_periods=8)
    assert correlation_monitor.correlation(late_starter(), "A", "B", cfg) == pytest.approx(1.0)


def test_correlation_under_another_min_periods_is_not_a_cached_answer():
    """correlation(series, a, b, cfg) depends on cfg, not on an earlier call's cfg."""
    series = late_starter()
    assert correlation_monitor.correlation(series, "A", "B", CFG) is None
    cfg = CorrelationConfig(min_periods=8)
    assert correlation_monitor.correlation(series, "A", "B", cfg) == pytest.approx(1.0)


@pytest.mark.parametrize(("silent_periods", "kept"), [(120, True), (121, False)])
def test_symbols_without_a_price_for_two_windows_are_dropped(silent_periods, kept):
    """Seed 002 #25: more than 2 × 60 periods unpriced → dropped when another symbol's period turns."""
    series = correlation_monitor.record_price({}, "OLD", 100.0, at(0), CFG)
    series = correlation_monitor.record_price(series, "NEW", 10.0, at(1), CFG)
    series = correlation_monitor.record_price(series, "NEW", 10.0, at(silent_periods), CFG)
    assert ("OLD" in series) is kept
    assert "NEW" in series


def test_returns_are_kept_to_the_window():
    """Only the last `window` returns remain."""
    cfg = CorrelationConfig(window=3, min_periods=2)
    series = priced({"A": WALK}, cfg)
    assert len(series["A"].returns.points) == 3


@pytest.mark.parametrize("period_s", [60.0, 3_600.0, 1.0])
def test_realised_daily_vol_scales_period_stdev_by_root_periods_per_day(period_s):
    """σ_day = pstdev(returns) × √(86400 / period_s); alternating ±1 % has σ = 1 %."""
    cfg = CorrelationConfig(period_s=period_s)
    prices = [100.0]
    for i in range(12):
        prices.append(prices[-1] * (1.01 if i % 2 == 0 else 0.99))
    series = priced({"A": [*prices, 1.0]}, cfg)["A"]
    assert len(series.returns.points) == 12
    expected = 0.01 * math.sqrt(86_400.0 / period_s)
    assert correlation_monitor.realised_daily_vol(series, cfg) == pytest.approx(expected, rel=1e-9)


def test_realised_daily_vol_is_none_with_too_few_periods():
    """Fewer than min_periods returns, or no series: unknown."""
    series = priced({"A": WALK[:10]})["A"]
    assert correlation_monitor.realised_daily_vol(series, CFG) is None
    assert correlation_monitor.realised_daily_vol(None, CFG) is None


def test_price_series_round_trips_through_its_dict():
    """The table entry restores the same figures."""
    series = priced({"A": WALK})["A"]
    back = PriceSeries.from_dict(series.as_dict())
    assert back.returns.points == series.returns.points
    assert (back.prev_close, back.period, back.price) == (
        series.prev_close,
        series.period,
        series.price,
    )


def test_a_series_left_unpriced_forgets_its_cached_pairs_once_a_period_turns():
    """The soak's leak: a quiet symbol's series kept a cached r for every partner until dropped."""
    names = [f"S{i}" for i in range(20)]
    series = priced({name: [p * (1 + i / 100) for p in WALK] for i, name in enumerate(names)})
    expected = {b: correlation_monitor.correlation(series, "S0", b, CFG) for b in names[1:]}
    assert series["S0"].returns.cached_pairs() == len(names) - 1
    for name in names[1:]:  # every other symbol priced in the next period; S0 stays quiet
        series = correlation_monitor.record_price(series, name, 100.0, at(len(WALK)), CFG)
    assert series["S0"].returns.cached_pairs() == 0
    assert {b: correlation_monitor.correlation(series, "S0", b, CFG) for b in names[1:]} == {
        b: correlation_monitor.correlation(
            {k: PriceSeries.from_dict(v.as_dict()) for k, v in series.items()}, "S0", b, CFG
        )
        for b in names[1:]
    }
    assert all(r is not None for r in expected.values())


def test_a_series_priced_in_the_period_keeps_its_cached_pairs():
    """Another symbol's first price of a period clears the quiet series only."""
    series = priced({"A": WALK, "B": WALK[::-1], "C": WALK})
    correlation_monitor.correlation(series, "A", "B", CFG)
    series = correlation_monitor.record_price(series, "A", 100.0, at(len(WALK)), CFG)
    correlation_monitor.correlation(series, "A", "B", CFG)
    series = correlation_monitor.record_price(series, "C", 100.0, at(len(WALK)), CFG)
    assert series["A"].returns.cached_pairs() == 1
