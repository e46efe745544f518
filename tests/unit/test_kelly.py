"""Bayesian Kelly per (strategy, symbol, regime): binary and continuous forms, fraction and cap."""

import pytest
from factories import CFG, TS, signal, view

from schemas.enums import Reason, Regime
from schemas.messages import TradeOutcome
from sizing import kelly, state_updates, strategy_sizing
from sizing.kelly import OutcomeStats
from sizing.refs import InputRef
from sizing.regime_hysteresis import RegimeState

# wins, win_sum, losses, loss_sum, confidence → alpha, beta, p, b, f*
BINARY = [
    (0, 0.0, 0, 0.0, 0.6, 6.0, 4.0, 0.6, 1.0, 0.2),
    (6, 0.12, 4, 0.04, 0.6, 12.0, 8.0, 0.6, 2.0, 0.4),
    (0, 0.0, 0, 0.0, 0.5, 5.0, 5.0, 0.5, 1.0, 0.0),
    (0, 0.0, 10, 0.10, 0.7, 7.0, 13.0, 0.35, 1.0, -0.3),  # no win yet: b stays 1
    (10, 0.50, 0, 0.0, 0.5, 15.0, 5.0, 0.75, 1.0, 0.5),  # no loss yet: b stays 1
    (20, 0.60, 2, 0.02, 0.9, 29.0, 3.0, 0.90625, 3.0, 0.875),
    (6, 0.18, 4, 0.04, 0.45, 10.5, 9.5, 0.525, 3.0, 0.525 - 0.475 / 3),
    (3, 0.03, 7, 0.14, 0.5, 8.0, 12.0, 0.4, 0.5, -0.8),
    (0, 0.0, 0, 0.0, 1.0, 10.0, 0.0, 1.0, 1.0, 1.0),
]


@pytest.mark.parametrize(("w", "ws", "losses", "ls", "c", "a", "bt", "p", "b", "f"), BINARY)
def test_binary_posterior_payoff_and_f_star(*, w, ws, losses, ls, c, a, bt, p, b, f):
    est = kelly.binary(OutcomeStats(w, losses, ws, ls), c, CFG.kelly)
    d = est.diagnostics
    assert (d["posterior_alpha"], d["posterior_beta"]) == pytest.approx((a, bt))
    assert d["win_probability"] == pytest.approx(p)
    assert d["payoff_ratio"] == pytest.approx(b)
    assert est.f_star == pytest.approx(f, abs=1e-12)


@pytest.mark.parametrize(
    ("action", "c", "mu", "sigma", "f"),
    [
        ("BUY", 0.5, 0.01, 0.2, 0.125),
        ("BUY", 0.8, 0.02, 0.1, 1.6),
        ("STRONG_BUY", 0.9, 0.003, 0.05, 1.08),
        ("SELL", 0.6, -0.02, 0.2, 0.3),  # μ taken in the signal's direction
        ("STRONG_SELL", 0.5, -0.004, 0.1, 0.2),
        ("SELL", 0.6, 0.02, 0.2, -0.3),
        ("BUY", 0.6, -0.01, 0.2, -0.15),
    ],
)
def test_continuous_f_star_is_c_mu_over_sigma_squared(action, c, mu, sigma, f):
    sig = signal(action=action, confidence=c, expected_return=mu, predicted_volatility=sigma)
    result = strategy_sizing.size(sig, view(), CFG)
    assert result.components["kelly"]["form"] == "continuous"
    assert result.components["kelly"]["f_star"] == pytest.approx(f)


def stage1(sig, posterior=None):
    return strategy_sizing.size(sig, view(posterior=posterior), CFG)


# Neutral view (RANGING, MONITOR, no residuals): fraction = 0.25 · max(0, f*), capped at 0.15.
@pytest.mark.parametrize(
    ("sig_fields", "posterior", "fraction", "reasons"),
    [
        ({"confidence": 0.6}, None, 0.05, ()),
        ({"confidence": 0.6}, OutcomeStats(6, 4, 0.12, 0.04), 0.1, ()),
        ({"confidence": 0.5}, OutcomeStats(10, 0, 0.5, 0.0), 0.125, ()),
        ({"confidence": 0.9}, OutcomeStats(20, 2, 0.6, 0.02), 0.15, (Reason.POSITION_BUDGET,)),
        ({"confidence": 1.0}, None, 0.15, (Reason.POSITION_BUDGET,)),
        (
            {"confidence": 0.5, "expected_return": 0.01, "predicted_volatility": 0.2},
            None,
            0.03125,
            (),
        ),
        (
            {"confidence": 0.8, "expected_return": 0.02, "predicted_volatility": 0.1},
            None,
            0.15,
            (Reason.POSITION_BUDGET,),
        ),
        (
            {
                "action": "SELL",
                "confidence": 0.6,
                "expected_return": -0.02,
                "predicted_volatility": 0.2,
            },
            None,
            0.075,
            (),
        ),
    ],
)
def test_fraction_is_quarter_kelly_capped_at_position_budget(
    sig_fields, posterior, fraction, reasons
):
    result = stage1(signal(**sig_fields), posterior)
    assert result.fraction == pytest.approx(fraction)
    assert result.reasons == reasons
    assert result.components["kelly"]["kelly_fraction"] == 0.25


@pytest.mark.parametrize(
    ("sig_fields", "posterior"),
    [
        ({"confidence": 0.5}, None),  # f* = 0
        ({"confidence": 0.7}, OutcomeStats(0, 10, 0.0, 0.10)),  # f* = −0.3
        ({"confidence": 0.5}, OutcomeStats(3, 7, 0.03, 0.14)),  # f* = −0.8
        (
            {
                "action": "SELL",
                "confidence": 0.6,
                "expected_return": 0.02,
                "predicted_volatility": 0.2,
            },
            None,
        ),
        ({"confidence": 0.6, "expected_return": -0.01, "predicted_volatility": 0.2}, None),
        ({"confidence": 0.9, "expected_return": 0.0, "predicted_volatility": 0.2}, None),
    ],
)
def test_non_positive_edge_sizes_zero(sig_fields, posterior):
    result = stage1(signal(**sig_fields), posterior)
    assert result.fraction == 0.0
    assert result.reasons == (Reason.NON_POSITIVE_EDGE,)
    assert result.components["kelly"]["fraction"] == 0.0


def test_continuous_form_ignores_the_posterior():
    sig = signal(confidence=0.5, expected_return=0.01, predicted_volatility=0.2)
    bad_record = OutcomeStats(0, 50, 0.0, 1.0)
    assert stage1(sig, bad_record).fraction == pytest.approx(0.03125)


def test_expected_return_without_volatility_uses_the_binary_form():
    result = stage1(signal(confidence=0.6, expected_return=0.05))
    assert result.components["kelly"]["form"] == "binary"
    assert result.fraction == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("ret", "expected"),
    [
        (0.02, OutcomeStats(wins=1, win_sum=0.02)),
        (-0.01, OutcomeStats(losses=1, loss_sum=0.01)),
        (0.0, OutcomeStats(scratches=1)),
    ],
)
def test_outcome_counts_a_win_a_loss_or_a_scratch(ret, expected):
    assert kelly.apply_outcome(OutcomeStats(), ret, None) == expected


def outcome(**over):
    fields = {
        "timestamp_ns": TS,
        "strategy_id": "momentum",
        "symbol": "BTC",
        "realized_return": 0.02,
    }
    return TradeOutcome(**{**fields, **over})


def test_posterior_is_keyed_by_strategy_symbol_and_regime():
    src = InputRef("himari.l3.outcomes", 0, 9)
    msg = outcome(regime="TRENDING_UP")
    regime = state_updates.outcome_regime(msg, RegimeState(current=Regime.RANGING))
    update = state_updates.on_outcome(msg, regime, None, None, CFG, src)
    assert regime is Regime.TRENDING_UP  # the outcome's own regime wins
    assert update.posterior_key == "momentum|BTC|TRENDING_UP"
    assert update.posterior == OutcomeStats(wins=1, win_sum=0.02, source=src)


def test_outcome_without_regime_uses_the_confirmed_regime_or_skips_the_posterior():
    msg = outcome(realized_return=-0.01)
    assert state_updates.outcome_regime(msg, RegimeState(current=Regime.CRISIS)) is Regime.CRISIS
    assert state_updates.outcome_regime(msg, None) is None
    update = state_updates.on_outcome(msg, None, None, None, CFG, InputRef("t", 0, 1))
    assert (update.posterior_key, update.posterior) == (None, None)
