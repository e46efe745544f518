"""Stage-2 position rules: capital limit, concentration gate, trading-state restriction."""

import pytest

from schemas.config import CapitalLimitConfig, ConcentrationConfig
from schemas.enums import TradingState
from sizing import risk_limits

CAPITAL = CapitalLimitConfig()
GATE = ConcentrationConfig()
ACTIVE, REDUCING, HALTED = TradingState.ACTIVE, TradingState.REDUCING, TradingState.HALTED


def test_capital_limit_defaults_are_the_seed_numbers():
    """Budget 50 %, baseline daily vol 2 %, sensitivity 0.5, exchange minimum 10 USD."""
    assert (
        CAPITAL.position_budget_pct,
        CAPITAL.baseline_daily_vol,
        CAPITAL.vol_sensitivity,
        CAPITAL.min_position_usd,
    ) == (0.50, 0.02, 0.5, 10.0)


# equity, realised daily vol → vol_adj, max notional USD
CAPITAL_TABLE = [
    (100_000.0, 0.02, 1.0, 50_000.0),  # at the baseline
    (100_000.0, 0.01, 1.0, 50_000.0),  # calmer than the baseline: no bonus
    (100_000.0, None, 1.0, 50_000.0),  # no volatility known
    (100_000.0, 0.06, 0.5, 25_000.0),  # 1 / (1 + 0.5 × (0.06/0.02 − 1))
    (100_000.0, 0.10, 1.0 / 3.0, 50_000.0 / 3.0),  # 1 / (1 + 0.5 × 4)
    (10_000.0, 0.06, 0.5, 2_500.0),
    (10.0, 0.02, 1.0, 10.0),  # 10 × 0.5 = 5 → the exchange minimum
    (100.0, 0.42, 1.0 / 11.0, 10.0),  # 100 × 0.5 / 11 ≈ 4.5 → the exchange minimum
]


@pytest.mark.parametrize(("equity", "vol", "vol_adj", "limit"), CAPITAL_TABLE)
def test_capital_limit_is_equity_times_budget_times_vol_adjustment(equity, vol, vol_adj, limit):
    """max notional = max(min position, equity × 0.5 × 1/(1 + 0.5 × excess vol))."""
    out = risk_limits.capital_limit(equity, vol, "signal", CAPITAL)
    assert out.vol_adj == pytest.approx(vol_adj, rel=1e-12)
    assert out.max_notional_usd == pytest.approx(limit, rel=1e-12)
    assert out.diagnostics["max_notional_usd"] == out.max_notional_usd
    assert out.diagnostics["vol_source"] == "signal"
    assert out.diagnostics["realised_vol"] == vol


def test_capital_limit_floor_follows_its_config():
    """A zero minimum lets the limit fall below 10 USD."""
    out = risk_limits.capital_limit(10.0, 0.02, "none", CapitalLimitConfig(min_position_usd=0.0))
    assert out.max_notional_usd == 5.0


def test_net_delta_is_signed_market_value_over_equity():
    """Seed 004 §3: longs and shorts net out."""
    positions = {"BTC": (1.0, 50_000.0), "ETH": (-10.0, -20_000.0)}
    assert risk_limits.net_delta_pct(positions, 100_000.0) == pytest.approx(0.3)
    assert risk_limits.net_delta_pct({}, 100_000.0) == 0.0


# net delta, target, current → gated target (limit 0.70)
GATE_TABLE = [
    (0.75, 5_000.0, 2_000.0, 2_000.0),  # adding to a long: held at the current long
    (0.75, 5_000.0, 0.0, 0.0),  # a new long entry: blocked
    (0.75, 5_000.0, -3_000.0, 0.0),  # short → long flip: only the cover up to flat passes
    (0.75, 1_000.0, 2_000.0, 1_000.0),  # reducing a long passes
    (0.75, 0.0, 2_000.0, 0.0),  # closing passes
    (0.75, -3_000.0, 2_000.0, -3_000.0),  # a bearish entry passes
    (0.75, -1_000.0, -3_000.0, -1_000.0),  # covering part of a short passes
    (0.75, 0.0, -3_000.0, 0.0),  # covering a short to flat passes
    (0.75, -5_000.0, -3_000.0, -5_000.0),  # adding to a short passes (the other side)
    (0.70, 5_000.0, 2_000.0, 5_000.0),  # at the limit, not past it
    (0.50, 5_000.0, 0.0, 5_000.0),
    (-0.75, -5_000.0, -2_000.0, -2_000.0),  # mirror: adding to a short is held
    (-0.75, -5_000.0, 0.0, 0.0),  # a new short entry: blocked
    (-0.75, -5_000.0, 3_000.0, 0.0),  # long → short flip: only the sale down to flat
    (-0.75, -1_000.0, -2_000.0, -1_000.0),  # reducing a short passes
    (-0.75, 3_000.0, -2_000.0, 3_000.0),  # a bullish entry passes
    (-0.75, 1_000.0, 3_000.0, 1_000.0),  # selling part of a long passes
    (-0.75, 5_000.0, 3_000.0, 5_000.0),  # adding to a long passes (the other side)
    (-0.70, -5_000.0, -2_000.0, -5_000.0),
]


@pytest.mark.parametrize(("net_delta", "target", "current", "gated"), GATE_TABLE)
def test_concentration_gate_blocks_only_new_exposure_on_the_crowded_side(
    net_delta, target, current, gated
):
    """Past ±70 % net delta: no increase on that side; reductions and the other side pass."""
    assert risk_limits.concentration_gate(target, current, net_delta, GATE) == gated


# state, target, current → restricted target
RESTRICT_TABLE = [
    (ACTIVE, 5_000.0, 2_000.0, 5_000.0),
    (ACTIVE, -5_000.0, 2_000.0, -5_000.0),
    (ACTIVE, 5_000.0, 0.0, 5_000.0),
]
for _state in (REDUCING, HALTED):
    RESTRICT_TABLE += [
        (_state, 1_000.0, 2_000.0, 1_000.0),  # a reduction passes
        (_state, 5_000.0, 2_000.0, 2_000.0),  # an increase holds the position
        (_state, -5_000.0, 2_000.0, 0.0),  # a flip becomes a close
        (_state, -1_000.0, 2_000.0, 0.0),
        (_state, 0.0, 2_000.0, 0.0),
        (_state, -1_000.0, -2_000.0, -1_000.0),
        (_state, -5_000.0, -2_000.0, -2_000.0),
        (_state, 5_000.0, -2_000.0, 0.0),
        (_state, 5_000.0, 0.0, 0.0),  # no new entry from flat
        (_state, -5_000.0, 0.0, 0.0),
    ]


@pytest.mark.parametrize(("state", "target", "current", "restricted"), RESTRICT_TABLE)
def test_reducing_and_halted_never_increase_or_flip_a_position(state, target, current, restricted):
    """ACTIVE passes; otherwise |target| ≤ |current| on the same side, a flip becomes 0."""
    assert risk_limits.restrict(target, current, state) == restricted


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ((ACTIVE, ACTIVE), ACTIVE),
        ((ACTIVE, REDUCING), REDUCING),
        ((REDUCING, ACTIVE), REDUCING),
        ((HALTED, ACTIVE), HALTED),
        ((REDUCING, HALTED), HALTED),
        ((HALTED, REDUCING), HALTED),
        ((HALTED, HALTED), HALTED),
    ],
)
def test_most_restrictive_state_wins(states, expected):
    """HALTED over REDUCING over ACTIVE, whatever the order."""
    assert risk_limits.most_restrictive(*states) is expected
