"""Models of what the service emits: decisions, dead letters and the internal sized record."""

from typing import Any

from pydantic import BaseModel, ConfigDict

from schemas.enums import Action, CascadeRecommendation, Regime, Side, TradingState


class InputRef(BaseModel):
    """Where an input sits in Kafka: the unit of lineage and of offset fencing."""

    model_config = ConfigDict(frozen=True)

    topic: str
    partition: int
    offset: int


class WaterfallStep(BaseModel):
    model_config = ConfigDict(frozen=True)

    step: str
    size_usd: float
    multiplier: float | None = None


class FractionStep(BaseModel):
    """A stage-1 waterfall step in fractions of equity (stage 2 turns them into USD)."""

    model_config = ConfigDict(frozen=True)

    step: str
    fraction: float
    multiplier: float | None = None


class Lineage(BaseModel):
    """The trigger and, for each table entry read, the last input applied to it."""

    model_config = ConfigDict(frozen=True)

    trigger: InputRef
    reads: dict[str, InputRef | None]
    config_versions: dict[str, str] | None = None


class SizingDecision(BaseModel):
    """One per valid tactical signal, on `himari.l3.decisions`, keyed by symbol."""

    model_config = ConfigDict(frozen=True)

    decision_id: str
    correlation_id: str
    schema_version: int
    strategy_id: str
    symbol: str
    portfolio_id: str
    timestamp_ns: int
    action: Action
    side: Side
    strategy_size_usd: float
    target_position_usd: float
    target_quantity: float
    recommendation: CascadeRecommendation | None
    regime: Regime | None
    trading_state: TradingState
    reasons: list[str]
    waterfall: list[WaterfallStep]
    components: dict[str, Any]
    lineage: Lineage
    config_version: str
    processed_at_ns: int


class DeadLetter(BaseModel):
    """A rejected input, on `himari.l3.deadletter`, keyed by the original key."""

    model_config = ConfigDict(frozen=True)

    source_topic: str
    partition: int
    offset: int
    key: str | None
    error_type: str
    error: str
    raw: str
    # "utf-8", "base64", or "base64-truncated": the start of an input too large to keep whole
    # (streams.decoding.raw_text).
    raw_encoding: str = "utf-8"
    received_at_ns: int


class SizedSignal(BaseModel):
    """Stage-1 result on the internal `himari.l3.sized` topic, keyed by portfolio_id."""

    model_config = ConfigDict(frozen=True)

    decision_id: str
    correlation_id: str
    trigger: InputRef
    strategy_id: str
    symbol: str
    portfolio_id: str
    timestamp_ns: int
    action: Action
    price: float
    fraction: float
    strategy_fraction: float  # before the symbol-wide steps (regime, cascade)
    symbol_multiplier: float  # regime × cascade when sized; 0 when a required one was missing
    predicted_volatility: float | None = None
    waterfall: list[FractionStep]
    reasons: list[str]
    components: dict[str, Any]
    recommendation: CascadeRecommendation | None
    regime: Regime | None
    reads: dict[str, InputRef | None]
    config_version: str
