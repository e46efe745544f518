"""Stage 1 end to end: sentiment → Kelly → conformal → regime → cascade, and its guard clauses."""

import math

import pytest
from factories import CFG, signal, view

from schemas.config import SizingConfig
from schemas.enums import CascadeRecommendation as Rec
from schemas.enums import Reason, Regime
from sizing import strategy_sizing
from sizing.kelly import OutcomeStats
from sizing.regime_hysteresis import RegimeState
from sizing.strategy_sizing import SymbolView

# Each scenario: signal fields, view arguments → expected waterfall [(step, fraction, mult)],
# final fraction and reasons. Numbers are hand-computed from the seed formulas.
SCENARIOS = {
    "buy_trending_up": (
        {"confidence": 0.7},  # p 0.7, f* 0.4, base 0.1
        {"regime": Regime.TRENDING_UP},
        [
            ("kelly", 0.1, None),
            ("conformal", 0.1, 1.0),
            ("regime", 0.12, 1.2),
            ("cascade", 0.12, 1.0),
        ],
        0.12,
        (),
    ),
    "sell_continuous_everything_bites": (
        {
            "action": "SELL",
            "symbol": "ETH",
            "price": 2500.0,
            "confidence": 0.8,
            "expected_return": -0.03,
            "predicted_volatility": 0.1,
        },  # f* 2.4, base 0.6
        {"regime": Regime.HIGH_VOLATILITY, "rec": Rec.REDUCE_50, "residuals": (0.04,) * 10},
        [
            ("kelly", 0.6, None),
            ("kelly_cap", 0.15, 0.25),
            ("conformal", 0.075, 0.5),
            ("regime", 0.045, 0.6),
            ("cascade", 0.0225, 0.5),
        ],
        0.0225,
        (
            Reason.POSITION_BUDGET,
            Reason.CONFORMAL_WIDTH,
            Reason.REGIME_REDUCTION,
            Reason.CASCADE_REDUCE_50,
        ),
    ),
    "strong_buy_against_sentiment_with_history": (
        # c 0.6 − 0.15 = 0.45; α 10.5, β 9.5, p 0.525, b 3, f* 0.36667, base 0.091667
        {
            "action": "STRONG_BUY",
            "confidence": 0.6,
            "sentiment_trend": "BEARISH",
            "sentiment_strength": 1.0,
        },
        {"rec": Rec.REDUCE_75, "posterior": OutcomeStats(6, 4, 0.18, 0.04)},
        [
            ("kelly", 0.0916667, None),
            ("conformal", 0.0916667, 1.0),
            ("regime", 0.0916667, 1.0),
            ("cascade", 0.0229167, 0.25),
        ],
        0.0229167,
        (Reason.SENTIMENT_CONTRADICTION, Reason.CASCADE_REDUCE_75),
    ),
    "full_confidence_capped_twice": (
        {"confidence": 1.0},  # f* 1, base 0.25
        {"regime": Regime.TRENDING_UP},
        [
            ("kelly", 0.25, None),
            ("kelly_cap", 0.15, 0.6),
            ("conformal", 0.15, 1.0),
            ("regime", 0.18, 1.2),
            ("cascade", 0.18, 1.0),
            ("position_budget", 0.15, 0.15 / 0.18),
        ],
        0.15,
        (Reason.POSITION_BUDGET,),
    ),
    "crisis_regime": (
        {"confidence": 0.7},
        {"regime": Regime.CRISIS},
        [
            ("kelly", 0.1, None),
            ("conformal", 0.1, 1.0),
            ("regime", 0.02, 0.2),
            ("cascade", 0.02, 1.0),
        ],
        0.02,
        (Reason.REGIME_REDUCTION,),
    ),
    "exit_recommendation": (
        {"confidence": 0.7},
        {"rec": Rec.EXIT},
        [
            ("kelly", 0.1, None),
            ("conformal", 0.1, 1.0),
            ("regime", 0.1, 1.0),
            ("cascade", 0.0, 0.0),
        ],
        0.0,
        (Reason.CASCADE_EXIT,),
    ),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_stage1_scenario(name):
    fields, view_args, steps, final, reasons = SCENARIOS[name]
    result = strategy_sizing.size(signal(**fields), view(**view_args), CFG)
    got = [(s.step, s.fraction, s.multiplier) for s in result.waterfall]
    assert [g[0] for g in got] == [e[0] for e in steps]
    for (_, frac, mult), (_, e_frac, e_mult) in zip(got, steps, strict=True):
        assert frac == pytest.approx(e_frac, rel=1e-5)
        assert mult == (None if e_mult is None else pytest.approx(e_mult, rel=1e-5))
    assert result.fraction == pytest.approx(final, rel=1e-5)
    assert result.reasons == reasons


@pytest.mark.parametrize("name", [n for n in SCENARIOS if n != "exit_recommendation"])
def test_product_of_step_multipliers_equals_final_over_kelly_base(name):
    fields, view_args, *_ = SCENARIOS[name]
    result = strategy_sizing.size(signal(**fields), view(**view_args), CFG)
    base = result.waterfall[0]
    assert base.step == "kelly"
    product = math.prod(s.multiplier for s in result.waterfall[1:])
    assert product == pytest.approx(result.fraction / base.fraction, rel=1e-12)
    assert result.waterfall[-1].fraction == result.fraction


def test_exit_recommendation_returns_zero_size():
    result = strategy_sizing.size(signal(confidence=0.95), view(rec=Rec.EXIT), CFG)
    assert result.fraction == 0.0
    assert result.recommendation is Rec.EXIT
    assert math.prod(s.multiplier for s in result.waterfall[1:]) == 0.0


def test_reports_confirmed_regime_and_recommendation():
    result = strategy_sizing.size(signal(), view(Regime.TRENDING_DOWN, Rec.REDUCE_50), CFG)
    assert (result.regime, result.recommendation) == (Regime.TRENDING_DOWN, Rec.REDUCE_50)
    assert result.components["regime"]["multiplier"] == 0.8
    assert result.components["cascade"]["multiplier"] == 0.5


NO_CONFIRMED = SymbolView(None, RegimeState(), None, None, None)


@pytest.mark.parametrize(
    ("fields", "the_view", "cfg", "reason", "step"),
    [
        ({"action": "HOLD"}, view(), CFG, Reason.HOLD, "hold"),
        ({"action": "hold"}, view(regime=None, rec=None), CFG, Reason.HOLD, "hold"),  # HOLD first
        ({}, view(regime=None), CFG, Reason.NO_REGIME, "regime"),
        ({}, view(regime=None, rec=None), CFG, Reason.NO_REGIME, "regime"),
        ({}, NO_CONFIRMED, CFG, Reason.NO_REGIME, "regime"),
        ({}, view(rec=None), CFG, Reason.NO_CASCADE, "cascade"),
        ({"confidence": 0.0}, view(), CFG, Reason.ZERO_CONFIDENCE, "sentiment"),
        ({"confidence": 0.5}, view(), CFG, Reason.NON_POSITIVE_EDGE, "kelly"),
        ({"confidence": 0.3}, view(), CFG, Reason.NON_POSITIVE_EDGE, "kelly"),
    ],
)
def test_guard_clause_fails_closed_with_reason(fields, the_view, cfg, reason, step):
    result = strategy_sizing.size(signal(**fields), the_view, cfg)
    assert result.fraction == 0.0
    assert result.reasons == (reason,)
    assert [(s.step, s.fraction) for s in result.waterfall] == [(step, 0.0)]


def test_missing_regime_is_sized_neutrally_when_not_required():
    cfg = SizingConfig(require_regime=False)
    result = strategy_sizing.size(signal(confidence=0.7), view(regime=None), cfg)
    assert result.fraction == pytest.approx(0.1)
    assert result.regime is None


def test_missing_cascade_is_sized_neutrally_when_not_required():
    cfg = SizingConfig(require_cascade=False)
    result = strategy_sizing.size(signal(confidence=0.7), view(rec=None), cfg)
    assert result.fraction == pytest.approx(0.1)
    assert result.recommendation is None


def test_regime_candidate_does_not_change_the_multiplier_until_confirmed():
    pending = RegimeState(current=Regime.RANGING, candidate=Regime.CRISIS, confirmation_count=2)
    the_view = view()
    the_view = SymbolView(the_view.cascade, pending, None, None, None)
    result = strategy_sizing.size(signal(confidence=0.7), the_view, CFG)
    assert result.fraction == pytest.approx(0.1)
    assert result.components["regime"]["confirmation_progress"] == "2/3"
