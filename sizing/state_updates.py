"""Apply one per-symbol input to the table entry it changes; pure, returns the new entry."""

from dataclasses import dataclass

from schemas.config import SizingConfig
from schemas.enums import Regime
from schemas.messages import OnChainSignal, RegimeObservation, SentimentObservation, TradeOutcome
from sizing import cascade, conformal, kelly, regime_hysteresis
from sizing.cascade import CascadeAssessment
from sizing.conformal import ResidualWindow
from sizing.entry_expiry import Expiry
from sizing.kelly import OutcomeStats
from sizing.refs import InputRef
from sizing.regime_hysteresis import RegimeState
from sizing.sentiment import SentimentReading
from sizing.track_record import TrackRecord


def posterior_key(strategy_id: str, symbol: str, regime: Regime) -> str:
    return f"{strategy_id}|{symbol}|{regime.value}"


def track_key(strategy_id: str, symbol: str) -> str:
    """The key of `track_record[strategy|symbol]`: the pair's posteriors and residuals."""
    return f"{strategy_id}|{symbol}"


residual_key = track_key  # the residual window lives in the pair's track record


def on_onchain(msg: OnChainSignal, cfg: SizingConfig, source: InputRef) -> CascadeAssessment:
    return cascade.assess(cascade.indicators_of(msg), cfg.cascade, msg.timestamp_ns, source)


def on_regime(
    msg: RegimeObservation, state: RegimeState | None, cfg: SizingConfig, source: InputRef
) -> RegimeState:
    return regime_hysteresis.update(
        state or RegimeState(), msg.regime, msg.timestamp_ns, cfg.regime, source
    )


def on_sentiment(msg: SentimentObservation, source: InputRef) -> SentimentReading:
    return SentimentReading(msg.trend, msg.strength, msg.timestamp_ns, source)


@dataclass(frozen=True, slots=True)
class OutcomeUpdate:
    """The entries an outcome changes; `posterior_key` is None when no regime is known."""

    posterior_key: str | None
    posterior: OutcomeStats | None
    residual_key: str
    residuals: ResidualWindow


def outcome_regime(msg: TradeOutcome, regime_state: RegimeState | None) -> Regime | None:
    """The outcome's own regime, else the symbol's confirmed regime when it is applied."""
    if msg.regime is not None:
        return msg.regime
    return None if regime_state is None else regime_state.current


def on_outcome(
    msg: TradeOutcome,
    regime: Regime | None,
    stats: OutcomeStats | None,
    window: ResidualWindow | None,
    cfg: SizingConfig,
    source: InputRef,
) -> OutcomeUpdate:
    r_key = residual_key(msg.strategy_id, msg.symbol)
    new_window = conformal.add_residual(
        window or ResidualWindow(), msg.predicted_return, msg.realized_return, cfg.conformal, source
    )
    if regime is None:
        return OutcomeUpdate(None, None, r_key, new_window)
    p_key = posterior_key(msg.strategy_id, msg.symbol, regime)
    new_stats = kelly.apply_outcome(stats or OutcomeStats(), msg.realized_return, source)
    return OutcomeUpdate(p_key, new_stats, r_key, new_window)


def track_outcome(
    msg: TradeOutcome,
    regime: Regime | None,
    track: TrackRecord | None,
    cfg: SizingConfig,
    source: InputRef,
) -> TrackRecord:
    """The pair's track record with one more outcome: posterior and residuals together."""
    track = track or TrackRecord()
    update = on_outcome(msg, regime, track.posterior(regime), track.residuals, cfg, source)
    return track.with_outcome(regime, update.posterior, update.residuals, source, msg.timestamp_ns)


def track_record_expiry(cfg: SizingConfig) -> Expiry:
    return Expiry(cfg.expiry.track_record_idle_s, cfg.expiry.sweep_every_s)


def symbol_state_expiry(cfg: SizingConfig) -> Expiry:
    return Expiry(cfg.expiry.symbol_state_idle_s, cfg.expiry.sweep_every_s)
