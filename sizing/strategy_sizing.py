"""Stage 1: size one tactical signal as a fraction of equity, stage by stage."""

from dataclasses import dataclass
from typing import Any, Final, final

from schemas.config import SizingConfig
from schemas.enums import CascadeRecommendation, Reason, Regime
from schemas.messages import TacticalSignal
from sizing import cascade, conformal, kelly, regime_hysteresis, sentiment
from sizing.cascade import CascadeAssessment
from sizing.conformal import ResidualWindow
from sizing.kelly import OutcomeStats
from sizing.members import (
    BULLISH_ACTIONS,
    CONFORMAL_WIDTH,
    HOLD_ACTION,
    NON_POSITIVE_EDGE,
    POSITION_BUDGET,
    REGIME_REDUCTION,
    SENTIMENT_CONTRADICTION,
)
from sizing.regime_hysteresis import RegimeState
from sizing.sentiment import SentimentReading
from sizing.values import Value

_CASCADE_REASONS = {
    CascadeRecommendation.EXIT: Reason.CASCADE_EXIT,
    CascadeRecommendation.REDUCE_75: Reason.CASCADE_REDUCE_75,
    CascadeRecommendation.REDUCE_50: Reason.CASCADE_REDUCE_50,
}


@dataclass(frozen=True, slots=True)
class SymbolView:
    """The table entries a signal is joined with, as of the moment it is sized."""

    cascade: CascadeAssessment | None
    regime: RegimeState | None
    sentiment: SentimentReading | None
    posterior: OutcomeStats | None
    residuals: ResidualWindow | None


@final
class Step(Value):
    __slots__ = ("fraction", "multiplier", "step")

    def __init__(self, step: str, fraction: float, multiplier: float | None) -> None:
        self.step: Final = step
        self.fraction: Final = fraction
        self.multiplier: Final = multiplier

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, "fraction": self.fraction, "multiplier": self.multiplier}


@final
class StrategySize(Value):
    """Stage-1 result: the strategy's size as a fraction of equity, and why."""

    __slots__ = (
        "components",
        "fraction",
        "reasons",
        "recommendation",
        "regime",
        "strategy_fraction",
        "symbol_multiplier",
        "waterfall",
    )

    def __init__(
        self,
        fraction: float,
        waterfall: tuple[Step, ...],
        reasons: tuple[Reason, ...],
        components: dict[str, Any],
        recommendation: CascadeRecommendation | None,
        regime: Regime | None,
        strategy_fraction: float,
        symbol_multiplier: float,
    ) -> None:
        self.fraction: Final = fraction
        self.waterfall: Final = waterfall
        self.reasons: Final = reasons
        self.components: Final = components
        self.recommendation: Final = recommendation
        self.regime: Final = regime
        # Stage 2 re-weighs every strategy's view of the symbol by the symbol's state of the
        # moment: the fraction after Kelly and conformal, before the symbol-wide steps, and
        # regime × cascade now (0 when either is required and missing).
        self.strategy_fraction: Final = strategy_fraction
        self.symbol_multiplier: Final = symbol_multiplier


def confirmed_regime(view: SymbolView) -> Regime | None:
    return None if view.regime is None else view.regime.current


def _signal_diagnostics(signal: TacticalSignal) -> dict[str, Any]:
    return {
        "confidence": signal.confidence,
        "risk_score": signal.risk_score,
        "l2_regime": signal.regime,
        "signal_strength": signal.signal_strength,
    }


def _context(signal: TacticalSignal, view: SymbolView, cfg: SizingConfig) -> dict[str, Any]:
    """Each stage's diagnostics known before sizing; a regime or cascade entry gets its multiplier later."""
    comp: dict[str, Any] = {"signal": _signal_diagnostics(signal)}
    if view.regime is not None:
        comp["regime"] = view.regime.diagnostics(cfg.regime.hysteresis_periods)
    if view.cascade is not None:
        comp["cascade"] = view.cascade.diagnostics()
    return comp


def _multipliers(view: SymbolView, cfg: SizingConfig) -> tuple[float, float]:
    regime = confirmed_regime(view)
    rec = None if view.cascade is None else view.cascade.recommendation
    r_mult = 1.0 if regime is None else regime_hysteresis.multiplier(regime, cfg.regime)
    c_mult = 1.0 if rec is None else cascade.multiplier(rec, cfg.cascade)
    return r_mult, c_mult


def symbol_multiplier(view: SymbolView, cfg: SizingConfig) -> float:
    """Regime × cascade; zero (fail closed) when a required one is missing."""
    if (view.regime is None and cfg.require_regime) or (
        view.cascade is None and cfg.require_cascade
    ):
        return 0.0
    r_mult, c_mult = _multipliers(view, cfg)
    return r_mult * c_mult


def _zero(
    reason: Reason, step: str, comp: dict[str, Any], view: SymbolView, cfg: SizingConfig
) -> StrategySize:
    rec = None if view.cascade is None else view.cascade.recommendation
    return StrategySize(
        0.0,
        (Step(step, 0.0, None),),
        (reason,),
        comp,
        rec,
        confirmed_regime(view),
        0.0,
        symbol_multiplier(view, cfg),
    )


def _sentiment_reading(
    signal: TacticalSignal, view: SymbolView
) -> tuple[SentimentReading | None, str]:
    if signal.sentiment_trend is not None and signal.sentiment_strength is not None:
        own = SentimentReading(
            signal.sentiment_trend, signal.sentiment_strength, signal.timestamp_ns, None
        )
        return own, "signal"
    return view.sentiment, "table"


def _kelly(
    signal: TacticalSignal, confidence: float, view: SymbolView, cfg: SizingConfig
) -> kelly.KellyEstimate:
    mu, sigma = signal.expected_return, signal.predicted_volatility
    if mu is not None and sigma is not None:
        direction = 1.0 if signal.action in BULLISH_ACTIONS else -1.0
        return kelly.continuous(confidence, direction * mu, sigma)
    return kelly.binary(view.posterior or OutcomeStats(), confidence, cfg.kelly)


def size(signal: TacticalSignal, view: SymbolView, cfg: SizingConfig) -> StrategySize:
    """Sentiment → Kelly → conformal → regime → cascade → position budget; fails closed."""
    comp = _context(signal, view, cfg)
    if signal.action is HOLD_ACTION:
        return _zero(Reason.HOLD, "hold", comp, view, cfg)
    regime = confirmed_regime(view)
    if regime is None and cfg.require_regime:
        return _zero(Reason.NO_REGIME, "regime", comp, view, cfg)
    if view.cascade is None and cfg.require_cascade:
        return _zero(Reason.NO_CASCADE, "cascade", comp, view, cfg)

    reading, origin = _sentiment_reading(signal, view)
    adj = sentiment.adjust(signal.confidence, signal.action, reading, origin, cfg.sentiment)
    comp["sentiment"] = adj.diagnostics
    reasons: list[Reason] = [SENTIMENT_CONTRADICTION] if adj.penalty > 0.0 else []
    if adj.confidence <= 0.0:
        return _zero(Reason.ZERO_CONFIDENCE, "sentiment", comp, view, cfg)

    est = _kelly(signal, adj.confidence, view, cfg)
    base = cfg.kelly.kelly_fraction * est.f_star
    comp["kelly"] = {
        **est.diagnostics,
        "kelly_fraction": cfg.kelly.kelly_fraction,
        "fraction": base,
    }
    if base <= 0.0:
        comp["kelly"]["fraction"] = 0.0
        return _zero(NON_POSITIVE_EDGE, "kelly", comp, view, cfg)

    cap = cfg.budgets.position_pct
    steps = [Step("kelly", base, None)]
    if base > cap:
        reasons.append(POSITION_BUDGET)
        steps.append(Step("kelly_cap", cap, cap / base))
    fraction = min(base, cap)

    conf = conformal.scale(view.residuals, cfg.conformal)
    comp["conformal"] = conf.diagnostics
    fraction *= conf.scale
    steps.append(Step("conformal", fraction, conf.scale))
    if conf.scale < 1.0:
        reasons.append(CONFORMAL_WIDTH)

    strategy_fraction = fraction
    r_mult, c_mult = _multipliers(view, cfg)
    comp.setdefault("regime", {})["multiplier"] = r_mult  # a fresh dict from _context
    fraction *= r_mult
    steps.append(Step("regime", fraction, r_mult))
    if r_mult < 1.0:
        reasons.append(REGIME_REDUCTION)

    rec = None if view.cascade is None else view.cascade.recommendation
    comp.setdefault("cascade", {})["multiplier"] = c_mult  # a fresh dict from _context
    fraction *= c_mult
    steps.append(Step("cascade", fraction, c_mult))
    if rec in _CASCADE_REASONS:
        reasons.append(_CASCADE_REASONS[rec])

    # The regime multiplier can exceed 1, so the budget is enforced once more at the end.
    if fraction > cap:
        steps.append(Step("position_budget", cap, cap / fraction))
        fraction = cap
        if POSITION_BUDGET not in reasons:
            reasons.append(POSITION_BUDGET)
    return StrategySize(
        fraction,
        tuple(steps),
        tuple(reasons),
        comp,
        rec,
        regime,
        strategy_fraction,
        r_mult * c_mult,
    )
