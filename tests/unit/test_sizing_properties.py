"""Properties of the full stage-1 + stage-2 path over generated signals, tables and equity."""

import math

from factories import CFG, TS, signal
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from schemas.config import BudgetConfig, SizingConfig
from schemas.enums import BEARISH_ACTIONS, BULLISH_ACTIONS, Action, Regime, Side, Trend
from sizing import cascade, portfolio_sizing, records, regime_hysteresis, strategy_sizing
from sizing.cascade import CascadeIndicators
from sizing.conformal import ResidualWindow
from sizing.kelly import OutcomeStats
from sizing.portfolio_state import PortfolioState
from sizing.refs import InputRef
from sizing.regime_hysteresis import RegimeState
from sizing.sentiment import SentimentReading
from sizing.strategy_sizing import SymbolView

PROPS = settings(max_examples=300, deadline=None)
TRIGGER = InputRef("himari.l2.tactical", 0, 1)
unit = st.floats(0.0, 1.0)
regimes = st.sampled_from(list(Regime))
trading = st.sampled_from(sorted(BULLISH_ACTIONS | BEARISH_ACTIONS))

indicators = st.builds(
    CascadeIndicators,
    funding_rate=st.floats(-0.03, 0.03),
    oi_change_pct=st.floats(-1.0, 1.0),
    volume_ratio=st.floats(0.0, 30.0),
    onchain_whale_pressure=unit,
    exchange_netflow_zscore=st.floats(-8.0, 8.0),
)


@st.composite
def posteriors(draw):
    wins, losses = draw(st.integers(0, 60)), draw(st.integers(0, 60))
    avg_win, avg_loss = draw(st.floats(1e-4, 0.2)), draw(st.floats(1e-4, 0.2))
    return OutcomeStats(wins, losses, wins * avg_win, losses * avg_loss)


residual_windows = st.lists(st.floats(0.0, 0.5), max_size=30).map(tuple)


@st.composite
def signal_fields(draw, actions=None):
    actions = st.sampled_from(list(Action)) if actions is None else actions
    fields = {
        "action": draw(actions).value,
        "confidence": draw(unit),
        "risk_score": draw(unit),
        "price": draw(st.floats(0.01, 1e6)),
    }
    if draw(st.booleans()):
        fields["expected_return"] = draw(st.floats(-0.5, 0.5))
        fields["predicted_volatility"] = draw(st.floats(0.005, 2.0))
    if draw(st.booleans()):
        fields["sentiment_trend"] = draw(st.sampled_from(list(Trend))).value
        fields["sentiment_strength"] = draw(unit)
    return fields


@st.composite
def views(draw, regime=None, ind=None):
    r = draw(st.one_of(regimes, st.none()) if regime is None else regime)
    i = draw(st.one_of(indicators, st.none()) if ind is None else ind)
    reading = draw(
        st.one_of(
            st.none(),
            st.builds(SentimentReading, st.sampled_from(list(Trend)), unit, st.just(TS), st.none()),
        )
    )
    res = draw(st.one_of(st.none(), residual_windows))
    return SymbolView(
        cascade=None if i is None else cascade.assess(i, CFG.cascade, TS),
        regime=None if r is None else RegimeState(current=r),
        sentiment=reading,
        posterior=draw(st.one_of(st.none(), posteriors())),
        residuals=None if res is None else ResidualWindow(res),
    )


equities = st.one_of(st.none(), st.floats(1e3, 1e9))


def run(fields, view, equity, cfg=CFG):
    sig = signal(**fields)
    s1 = strategy_sizing.size(sig, view, cfg)
    sized = records.sized_record(sig, TRIGGER, s1, view, "v")
    snap = None if equity is None else PortfolioState(equity, {}, 0.0, None, TS, None)
    return s1, portfolio_sizing.size(records.stage1_input(sized), snap, None, cfg)


@PROPS
@given(signal_fields(), views(), equities, st.floats(0.0, 1.0))
def test_size_is_bounded_by_budget_and_signed_by_action(fields, view, equity, pct):
    cfg = SizingConfig(budgets=BudgetConfig(position_pct=pct))
    _, out = run(fields, view, equity, cfg)
    used = cfg.portfolio_value_usd if equity is None else equity
    assert 0.0 <= out.strategy_size_usd <= pct * used
    assert abs(out.target_position_usd) <= pct * used
    action = Action(fields["action"])
    if action in BULLISH_ACTIONS:
        assert out.target_position_usd >= 0.0 and out.target_quantity >= 0.0
    elif action in BEARISH_ACTIONS:
        assert out.target_position_usd <= 0.0 and out.target_quantity <= 0.0
    assert (out.side is Side.FLAT) == (out.target_position_usd == 0.0)


@PROPS
@given(signal_fields(trading), views())
def test_step_multipliers_multiply_to_final_over_base(fields, view):
    s1, _ = run(fields, view, None)
    if len(s1.waterfall) == 1:  # a guard clause: one zero step, nothing to multiply
        assert s1.fraction == 0.0 and s1.waterfall[0].multiplier is None
        return
    base = s1.waterfall[0]
    assert base.step == "kelly" and base.fraction > 0.0
    assert s1.waterfall[-1].fraction == s1.fraction
    # A subnormal size (an edge of 5e-324) cannot carry a ×1.2 multiplier: 1.2 × 5e-324 == 5e-324.
    assume(base.fraction > 1e-300)
    product = math.prod(s.multiplier for s in s1.waterfall[1:])
    assert math.isclose(product, s1.fraction / base.fraction, rel_tol=1e-9)


EXIT_INDICATORS = st.builds(  # risk ≥ 0.2 + 0.25 + 0.15 + 0.25·0.9 = 0.825 > 0.8
    CascadeIndicators,
    funding_rate=st.floats(0.01, 0.03),
    oi_change_pct=st.floats(-1.0, -0.3),
    volume_ratio=st.floats(10.0, 30.0),
    onchain_whale_pressure=st.floats(0.9, 1.0),
    exchange_netflow_zscore=st.floats(-8.0, 8.0),
)


@st.composite
def zero_cases(draw):
    """A scenario that must size zero: HOLD, cascade EXIT, zero confidence or no edge."""
    kind = draw(st.sampled_from(["hold", "exit", "zero_confidence", "wrong_way_mu", "losing_odds"]))
    fields = draw(signal_fields(trading))
    view = draw(views(regime=regimes))
    if kind == "hold":
        fields["action"] = "HOLD"
    elif kind == "exit":
        view = draw(views(regime=regimes, ind=EXIT_INDICATORS))
    elif kind == "zero_confidence":
        fields["confidence"] = 0.0
    elif kind == "wrong_way_mu":  # μ against the action → edge ≤ 0
        sign = -1.0 if Action(fields["action"]) in BULLISH_ACTIONS else 1.0
        fields["expected_return"] = sign * draw(st.floats(0.0, 0.5))
        fields["predicted_volatility"] = draw(st.floats(0.005, 2.0))
    else:  # c ≤ 0.5, losses ≥ wins, avg win ≤ avg loss → p ≤ 0.5, b ≤ 1 → f* ≤ 0
        fields.pop("expected_return", None)
        fields.pop("predicted_volatility", None)
        fields["confidence"] = draw(st.floats(0.0, 0.5))
        wins = draw(st.integers(0, 30))
        losses = wins + draw(st.integers(0, 30))
        avg_loss = draw(st.floats(1e-3, 0.2))
        avg_win = avg_loss * draw(st.floats(0.1, 1.0))
        view = SymbolView(
            view.cascade,
            view.regime,
            view.sentiment,
            OutcomeStats(wins, losses, wins * avg_win, losses * avg_loss),
            None,
        )
    return fields, view


@PROPS
@given(zero_cases(), equities)
def test_hold_exit_zero_confidence_and_no_edge_size_zero(case, equity):
    fields, view = case
    s1, out = run(fields, view, equity, SizingConfig(require_cascade=False))
    assert s1.fraction == 0.0
    assert (out.strategy_size_usd, out.target_position_usd, out.side) == (0.0, 0.0, Side.FLAT)


@PROPS
@given(signal_fields(trading), views(), equities, unit, unit)
def test_size_is_non_decreasing_in_confidence(fields, view, equity, c1, c2):
    lo, hi = sorted((c1, c2))
    _, small = run({**fields, "confidence": lo}, view, equity)
    _, large = run({**fields, "confidence": hi}, view, equity)
    assert small.strategy_size_usd <= large.strategy_size_usd
    assert abs(small.target_position_usd) <= abs(large.target_position_usd)


@PROPS
@given(signal_fields(trading), views(regime=regimes), residual_windows, st.floats(1.0, 50.0))
def test_size_is_non_increasing_in_conformal_width(fields, view, residuals, factor):
    def with_residuals(res):
        return SymbolView(
            view.cascade, view.regime, view.sentiment, view.posterior, ResidualWindow(res)
        )

    _, tight = run(fields, with_residuals(residuals), None)
    _, wide = run(fields, with_residuals(tuple(r * factor for r in residuals)), None)
    assert wide.strategy_size_usd <= tight.strategy_size_usd


deltas = st.floats(0.0, 5.0)


@PROPS
@given(
    signal_fields(trading),
    views(regime=regimes),
    indicators,
    st.tuples(deltas, deltas, deltas, unit, deltas),
)
def test_size_is_non_increasing_in_cascade_risk(fields, view, ind, increments):
    d_f, d_oi, d_vol, d_wh, d_z = increments
    riskier = CascadeIndicators(
        funding_rate=math.copysign(abs(ind.funding_rate) + d_f / 100, ind.funding_rate),
        oi_change_pct=ind.oi_change_pct - d_oi / 10,
        volume_ratio=ind.volume_ratio + d_vol,
        onchain_whale_pressure=min(1.0, ind.onchain_whale_pressure + d_wh),
        exchange_netflow_zscore=math.copysign(
            abs(ind.exchange_netflow_zscore) + d_z, ind.exchange_netflow_zscore
        ),
    )
    calm, risky = (cascade.assess(i, CFG.cascade, TS) for i in (ind, riskier))
    assert risky.risk_score >= calm.risk_score

    def with_cascade(assessment):
        return SymbolView(assessment, view.regime, view.sentiment, view.posterior, view.residuals)

    _, out_calm = run(fields, with_cascade(calm), None)
    _, out_risky = run(fields, with_cascade(risky), None)
    assert out_risky.strategy_size_usd <= out_calm.strategy_size_usd


@PROPS
@given(st.lists(regimes, min_size=2, max_size=2, unique=True), st.integers(1, 40))
def test_alternating_regime_feed_never_confirms_a_switch(pair, n):
    a, b = pair
    state = regime_hysteresis.update(RegimeState(), a, TS, CFG.regime)
    for i in range(n):
        state = regime_hysteresis.update(state, b if i % 2 == 0 else a, TS + i + 1, CFG.regime)
        assert state.current is a
    assert len(state.transitions) <= 1
    assert state.false_flip_count == n // 2


@PROPS
@given(st.lists(regimes, min_size=1, max_size=60))
def test_regime_switches_only_after_three_consecutive_observations(feed):
    state = RegimeState()
    for i, observed in enumerate(feed):
        before = state.current
        state = regime_hysteresis.update(state, observed, TS + i, CFG.regime)
        fresh_run = i >= 3 and feed[i - 3] is not observed and feed[i - 2 : i + 1] == [observed] * 3
        if before is not None and state.current is not before:
            assert i >= 3 and feed[i - 2 : i + 1] == [observed] * 3
        if fresh_run and before is not observed:
            assert state.current is observed  # the third consecutive observation confirms


@PROPS
@given(signal_fields(), views(), equities)
def test_same_input_and_state_give_equal_output(fields, view, equity):
    snapshot = repr(view)  # a deep value print: compiled (mypyc) entries cannot be deep-copied
    first = run(fields, view, equity)
    second = run(fields, view, equity)
    assert first == second
    assert repr(view) == snapshot  # the core does not mutate the state it reads
