"""Split-conformal width q̂ over the residual window and the size scale it implies."""

import itertools

import pydantic
import pytest
from factories import CFG, TS, signal, view

from schemas.config import ConformalConfig
from schemas.enums import Reason
from schemas.messages import TradeOutcome
from sizing import conformal, state_updates, strategy_sizing
from sizing.conformal import ResidualWindow
from sizing.refs import InputRef


def milli(*idx: int) -> tuple[float, ...]:
    return tuple(i / 1000 for i in idx)


# residuals → q̂ = ⌈(n+1)·0.9⌉-th smallest, the largest while that rank exceeds n
QUANTILES = [
    ((), 0.0),
    ((0.05,), 0.05),  # n=1: rank 2 > 1 → largest
    ((0.01, 0.05, 0.02, 0.04, 0.03), 0.05),  # n=5: rank 6 > 5 → largest
    (milli(*range(1, 10)), 0.009),  # n=9: rank ⌈9.0⌉ = 9
    (milli(*range(10, 0, -1)), 0.010),  # n=10: rank ⌈9.9⌉ = 10, order irrelevant
    (milli(*range(1, 20)), 0.018),  # n=19: rank 18
    (milli(*range(1, 21)), 0.019),  # n=20: rank ⌈18.9⌉ = 19
    (milli(*range(1, 30)), 0.027),  # n=29: rank 27
    (milli(*range(1, 101)), 0.091),  # n=100: rank ⌈90.9⌉ = 91
]


@pytest.mark.parametrize(("residuals", "q_hat"), QUANTILES)
def test_quantile_is_the_conformal_rank(residuals, q_hat):
    assert conformal.quantile(residuals, 0.9) == q_hat


# q̂ → scale: 1 while q̂ ≤ 0.02, else max(0.2, 0.02 / q̂)
SCALES = [
    (0.0, 1.0),
    (0.01, 1.0),
    (0.02, 1.0),
    (0.025, 0.8),
    (0.04, 0.5),
    (0.08, 0.25),
    (0.1, 0.2),
    (0.5, 0.2),  # floored at min_scale
    (3.0, 0.2),
]


@pytest.mark.parametrize(("q_hat", "expected"), SCALES)
def test_scale_from_quantile(q_hat, expected):
    result = conformal.scale(ResidualWindow((q_hat,)), CFG.conformal)
    assert result.diagnostics["quantile"] == q_hat
    assert result.scale == pytest.approx(expected)


def test_scale_never_increases_as_the_quantile_widens():
    widths = [i / 1000 for i in range(0, 300)]
    scales = [conformal.scale(ResidualWindow((w,)), CFG.conformal).scale for w in widths]
    assert all(0.2 <= s <= 1.0 for s in scales)
    assert all(b <= a for a, b in itertools.pairwise(scales))


@pytest.mark.parametrize("window", [None, ResidualWindow(), ResidualWindow((0.0,) * 50)])
def test_no_or_all_zero_residuals_keep_full_size(window):
    assert conformal.scale(window, CFG.conformal).scale == 1.0


def test_only_the_rolling_window_counts():
    old_wide = (0.5,) * 5
    recent_tight = (0.01,) * 100
    result = conformal.scale(ResidualWindow(old_wide + recent_tight), CFG.conformal)
    assert result.diagnostics["n_residuals"] == 100
    assert result.scale == 1.0


def test_add_residual_keeps_absolute_error_and_drops_the_oldest():
    cfg = ConformalConfig(window=3)
    w = ResidualWindow()
    for predicted, realized in [(0.03, 0.01), (0.0, 0.05), (-0.01, 0.01), (0.02, -0.02)]:
        w = conformal.add_residual(w, predicted, realized, cfg, None)
    assert w.residuals == pytest.approx((0.05, 0.02, 0.04))


def test_outcome_without_prediction_leaves_the_window_unchanged():
    start = ResidualWindow((0.01,))
    ref = InputRef("himari.l3.outcomes", 0, 9)
    after = conformal.add_residual(start, None, 0.05, CFG.conformal, ref)
    assert after.residuals == start.residuals
    assert after.source == ref


def test_outcome_update_appends_to_the_strategy_symbol_window():
    msg = TradeOutcome(
        timestamp_ns=TS,
        strategy_id="momentum",
        symbol="BTC",
        realized_return=-0.01,
        predicted_return=0.02,
    )
    src = InputRef("himari.l3.outcomes", 2, 11)
    update = state_updates.on_outcome(msg, None, None, ResidualWindow((0.01,)), CFG, src)
    assert update.residual_key == "momentum|BTC"
    assert update.residuals.residuals == pytest.approx((0.01, 0.03))
    assert update.residuals.source == src


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_returns_never_reach_the_window(bad):
    with pytest.raises(pydantic.ValidationError, match="predicted_return"):
        TradeOutcome(
            timestamp_ns=TS,
            strategy_id="m",
            symbol="BTC",
            realized_return=0.0,
            predicted_return=bad,
        )


def test_wide_window_halves_a_stage1_size():
    # c = 0.7 → f* = 0.4 → 0.1; q̂ = 0.04 → scale 0.5 → 0.05
    result = strategy_sizing.size(signal(confidence=0.7), view(residuals=(0.04,) * 10), CFG)
    assert result.fraction == pytest.approx(0.05)
    assert Reason.CONFORMAL_WIDTH in result.reasons
    step = next(s for s in result.waterfall if s.step == "conformal")
    assert step.multiplier == pytest.approx(0.5)
    assert result.components["conformal"]["quantile"] == 0.04
