"""Builders shared by the unit tests: valid messages and table views with sane defaults."""

from typing import Any

from schemas.config import SizingConfig
from schemas.enums import CascadeRecommendation, Regime
from schemas.messages import TacticalSignal
from sizing import cascade
from sizing.cascade import CascadeAssessment, CascadeIndicators
from sizing.conformal import ResidualWindow
from sizing.kelly import OutcomeStats
from sizing.regime_hysteresis import RegimeState
from sizing.sentiment import SentimentReading
from sizing.strategy_sizing import SymbolView

TS = 1_700_000_000_000_000_000
CFG = SizingConfig()

# Indicators that land in each recommendation band (risk computed by hand in test_cascade.py).
BAND_INDICATORS = {
    CascadeRecommendation.MONITOR: CascadeIndicators(0.0001, 0.01, 1.0, 0.2, 0.3),  # risk 0
    CascadeRecommendation.REDUCE_50: CascadeIndicators(0.0, -0.30, 1.0, 0.8, 0.0),  # 0.45
    CascadeRecommendation.REDUCE_75: CascadeIndicators(0.01, -0.30, 1.0, 0.9, 0.0),  # 0.675
    CascadeRecommendation.EXIT: CascadeIndicators(0.01, -0.30, 10.0, 1.0, 4.0),  # 1.0
}

_UNSET: Any = object()


def signal(**over: Any) -> TacticalSignal:
    fields: dict[str, Any] = {
        "timestamp_ns": TS,
        "strategy_id": "momentum",
        "symbol": "BTC",
        "action": "BUY",
        "confidence": 0.7,
        "risk_score": 0.2,
        "price": 50_000.0,
    }
    fields.update(over)
    return TacticalSignal(**fields)


def band(rec: CascadeRecommendation) -> CascadeAssessment:
    return cascade.assess(BAND_INDICATORS[rec], CFG.cascade, TS)


def view(
    regime: Regime | None = Regime.RANGING,
    rec: CascadeRecommendation | None = CascadeRecommendation.MONITOR,
    sentiment: SentimentReading | None = None,
    posterior: OutcomeStats | None = None,
    residuals: tuple[float, ...] | None = None,
) -> SymbolView:
    return SymbolView(
        cascade=None if rec is None else band(rec),
        regime=None if regime is None else RegimeState(current=regime, last_update_ns=TS),
        sentiment=sentiment,
        posterior=posterior,
        residuals=None if residuals is None else ResidualWindow(residuals),
    )
