"""Stage 2 for one strategy on one symbol: equity fraction → signed target, budget, side, reasons."""

import orjson
import pytest
from factories import CFG, TS, signal, view

from schemas.enums import Action, Reason, Regime, Side
from schemas.enums import CascadeRecommendation as Rec
from schemas.messages import PortfolioSnapshot
from schemas.outputs import SizedSignal, SizingDecision
from sizing import portfolio_sizing, portfolio_state, records, strategy_sizing
from sizing.portfolio_sizing import Stage1Input
from sizing.portfolio_state import PortfolioState
from sizing.refs import InputRef


def portfolio(equity: float) -> PortfolioState:
    snap = PortfolioSnapshot(
        timestamp_ns=TS, portfolio_id="default", equity_usd=equity, realized_pnl_today_usd=0.0
    )
    ref = InputRef("himari.l3.portfolio", 0, 3)
    return portfolio_state.from_snapshot(snap, None, ref, CFG.kill_switch)


def stage1(action: Action, price: float, fraction: float, reasons=()) -> Stage1Input:
    return Stage1Input(
        "momentum", "BTC", "d1", TS, action, price, fraction, fraction, 1.0, None,
        [{"step": "kelly", "fraction": fraction, "multiplier": None}], tuple(reasons),
    )  # fmt: skip


# action, price, fraction, equity (None = no snapshot) → strategy usd, target usd, qty, side
TABLE = [
    (Action.BUY, 50_000.0, 0.12, 100_000.0, 12_000.0, 12_000.0, 0.24, Side.LONG),
    (Action.STRONG_BUY, 100.0, 0.05, 40_000.0, 2_000.0, 2_000.0, 20.0, Side.LONG),
    (Action.SELL, 2_500.0, 0.0225, 200_000.0, 4_500.0, -4_500.0, -1.8, Side.SHORT),
    (Action.STRONG_SELL, 20.0, 0.05, None, 5_000.0, -5_000.0, -250.0, Side.SHORT),
    (Action.SELL, 10.0, 0.15, 1_000_000.0, 150_000.0, -150_000.0, -15_000.0, Side.SHORT),
    (Action.STRONG_BUY, 100.0, 0.20, 50_000.0, 10_000.0, 7_500.0, 75.0, Side.LONG),  # budget
    (Action.HOLD, 100.0, 0.0, 50_000.0, 0.0, 0.0, 0.0, Side.FLAT),
    (Action.BUY, 100.0, 0.0, 50_000.0, 0.0, 0.0, 0.0, Side.FLAT),  # e.g. cascade EXIT
    (Action.SELL, 100.0, 0.0, 50_000.0, 0.0, 0.0, 0.0, Side.FLAT),
]


@pytest.mark.parametrize(
    ("action", "price", "fraction", "equity", "strategy", "target", "qty", "side"), TABLE
)
def test_stage2_target_position(*, action, price, fraction, equity, strategy, target, qty, side):
    snap = None if equity is None else portfolio(equity)
    result = portfolio_sizing.size(stage1(action, price, fraction), snap, None, CFG)
    assert result.strategy_size_usd == pytest.approx(strategy)
    assert result.target_position_usd == pytest.approx(target)
    assert result.target_quantity == pytest.approx(qty)
    assert result.side is side
    limit = 0.15 * (CFG.portfolio_value_usd if equity is None else equity)
    assert abs(result.target_position_usd) <= limit
    assert result.components["budgets"]["position"]["limit_usd"] == pytest.approx(limit)


def test_without_snapshot_config_equity_is_used_and_said():
    result = portfolio_sizing.size(stage1(Action.BUY, 10.0, 0.1), None, None, CFG)
    assert result.components["budgets"]["equity_usd"] == 100_000.0
    assert result.components["budgets"]["equity_source"] == "config"
    assert result.reasons == [Reason.NO_PORTFOLIO_SNAPSHOT]


def test_snapshot_equity_is_used_when_present():
    result = portfolio_sizing.size(stage1(Action.BUY, 10.0, 0.1), portfolio(250_000.0), None, CFG)
    budgets = result.components["budgets"]
    assert budgets["equity_source"] == "snapshot"
    assert result.strategy_size_usd == pytest.approx(25_000.0)
    assert budgets["position"]["utilisation"] == pytest.approx(25_000.0 / 37_500.0)
    assert result.reasons == []


def test_position_budget_adds_a_waterfall_step_and_one_reason():
    s1 = stage1(Action.BUY, 100.0, 0.2, reasons=[Reason.POSITION_BUDGET])
    result = portfolio_sizing.size(s1, portfolio(50_000.0), None, CFG)
    assert result.reasons == [Reason.POSITION_BUDGET]
    assert result.waterfall[-1]["step"] == "position_budget"
    assert result.waterfall[-1]["size_usd"] == pytest.approx(7_500.0)
    assert result.waterfall[-1]["multiplier"] == pytest.approx(0.75)


def test_hold_is_flat_with_zero_target():
    result = portfolio_sizing.size(stage1(Action.HOLD, 10.0, 0.0, [Reason.HOLD]), None, None, CFG)
    assert (result.target_position_usd, result.target_quantity, result.side) == (
        0.0,
        0.0,
        Side.FLAT,
    )


@pytest.mark.parametrize("action", [Action.STRONG_BUY, Action.SELL])
def test_a_portfolio_its_partition_has_no_room_for_is_flat_with_portfolio_limit(action):
    result = portfolio_sizing.refuse(stage1(action, 100.0, 0.1), portfolio(50_000.0), CFG, None)
    assert (result.target_position_usd, result.target_quantity, result.side) == (
        0.0,
        0.0,
        Side.FLAT,
    )
    assert result.reasons[-1] == Reason.PORTFOLIO_LIMIT
    assert result.waterfall[-1]["step"] == Reason.PORTFOLIO_LIMIT
    assert result.strategy_size_usd == pytest.approx(5_000.0)  # what the strategy asked for


def full_path(sig, the_view, snap):
    trigger = InputRef("himari.l2.tactical", 5, 1234)
    s1 = strategy_sizing.size(sig, the_view, CFG)
    sized = orjson.loads(orjson.dumps(records.sized_record(sig, trigger, s1, the_view, "v1")))
    SizedSignal.model_validate(sized)
    result = portfolio_sizing.size(records.stage1_input(sized), snap, None, CFG, trigger)
    decision = records.decision_record(sized, result, snap, None, "v1", processed_at_ns=TS + 1)
    return SizingDecision.model_validate(orjson.loads(orjson.dumps(decision)))


def test_end_to_end_sell_with_every_stage_biting():
    # Stage 1 (see test_strategy_sizing): 0.6 → 0.15 → 0.075 → 0.045 → 0.0225 of equity.
    sig = signal(
        action="SELL",
        symbol="ETH",
        price=2_500.0,
        confidence=0.8,
        expected_return=-0.03,
        predicted_volatility=0.1,
    )
    the_view = view(Regime.HIGH_VOLATILITY, Rec.REDUCE_50, residuals=(0.04,) * 10)
    d = full_path(sig, the_view, portfolio(200_000.0))
    assert d.strategy_size_usd == pytest.approx(4_500.0)
    assert d.target_position_usd == pytest.approx(-4_500.0)
    assert d.target_quantity == pytest.approx(-1.8)
    assert d.side is Side.SHORT
    # Waterfall sizes are signed (− short); stage 2 adds the ensemble of one strategy.
    steps = ["kelly", "kelly_cap", "conformal", "regime", "cascade", "ensemble"]
    assert [w.step for w in d.waterfall] == steps
    assert [w.size_usd for w in d.waterfall] == pytest.approx(
        [-120_000, -30_000, -15_000, -9_000, -4_500, -4_500]
    )
    assert d.reasons == [
        "position_budget",
        "conformal_width",
        "regime_reduction",
        "cascade_reduce_50",
    ]
    assert (d.recommendation, d.regime) == (Rec.REDUCE_50, Regime.HIGH_VOLATILITY)
    assert d.decision_id == records.decision_id(InputRef("himari.l2.tactical", 5, 1234))


def test_end_to_end_buy_without_snapshot():
    # c 0.7 → 0.1; TRENDING_UP ×1.2 → 0.12 of the configured 100 000 USD.
    d = full_path(signal(confidence=0.7), view(Regime.TRENDING_UP), None)
    assert d.strategy_size_usd == pytest.approx(12_000.0)
    assert d.target_position_usd == pytest.approx(12_000.0)
    assert d.target_quantity == pytest.approx(0.24)
    assert d.side is Side.LONG
    assert d.reasons == ["no_portfolio_snapshot"]


def test_end_to_end_exit_is_flat():
    d = full_path(signal(confidence=0.7), view(rec=Rec.EXIT), portfolio(100_000.0))
    assert (d.strategy_size_usd, d.target_position_usd, d.side) == (0.0, 0.0, Side.FLAT)
    assert d.reasons == ["cascade_exit"]
