"""Pydantic models of every message in DESIGN §3, validated at the edge."""

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.enums import ActionField, RegimeField, TrendField

SUPPORTED_SCHEMA_VERSIONS = (1,)

Finite = Annotated[float, Field(ge=-1e15, le=1e15, allow_inf_nan=False)]
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, le=1e15, allow_inf_nan=False)]
# Table keys join names with "|", so a name may not contain one.
Name = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^|]+$")]
# Event time must be after 2000-01-01 and before 2100-01-01, so seconds or ms by mistake fail.
EventTimeNs = Annotated[int, Field(ge=946_684_800_000_000_000, lt=4_102_444_800_000_000_000)]


class InputMessage(BaseModel):
    """Fields every input carries."""

    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")

    timestamp_ns: EventTimeNs
    schema_version: Literal[1] = 1
    correlation_id: Annotated[str, Field(min_length=1, max_length=256)] | None = None


class Antigravity(BaseModel):
    """L1 antigravity metrics, mapped to cascade indicators as seed 000 does."""

    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")

    coherence: Unit
    entropy: Unit
    energy_density: Unit
    schwarzschild_radius: Unit
    hawking_temperature: Unit


_INDICATOR_FIELDS = (
    "funding_rate",
    "oi_change_pct",
    "volume_ratio",
    "onchain_whale_pressure",
    "exchange_netflow_zscore",
)


class OnChainSignal(InputMessage):
    symbol: Name
    funding_rate: Finite | None = None
    oi_change_pct: Annotated[float, Field(ge=-1.0, le=1e6, allow_inf_nan=False)] | None = None
    volume_ratio: Annotated[float, Field(ge=0.0, le=1e6, allow_inf_nan=False)] | None = None
    onchain_whale_pressure: Unit | None = None
    exchange_netflow_zscore: Finite | None = None
    liquidation_volume_24h: Annotated[float, Field(ge=0.0, le=1e15, allow_inf_nan=False)] | None = (
        None
    )
    antigravity: Antigravity | None = None

    @model_validator(mode="after")
    def _one_indicator_form(self) -> Self:
        missing = [name for name in _INDICATOR_FIELDS if getattr(self, name) is None]
        if self.antigravity is None and missing:
            raise ValueError(
                f"field '{missing[0]}' is required (give all five cascade indicators "
                "or an 'antigravity' object)"
            )
        if self.antigravity is not None and len(missing) < len(_INDICATOR_FIELDS):
            raise ValueError(
                "field 'antigravity' cannot be combined with explicit cascade indicators; "
                "send one form"
            )
        return self


class RegimeObservation(InputMessage):
    symbol: Name
    regime: RegimeField


class SentimentObservation(InputMessage):
    symbol: Name
    trend: TrendField
    strength: Unit


class TacticalSignal(InputMessage):
    strategy_id: Name
    symbol: Name
    action: ActionField
    confidence: Unit
    risk_score: Unit
    # Floors keep every derived figure finite: target_quantity = target / price.
    price: Annotated[float, Field(ge=1e-9, le=1e15, allow_inf_nan=False)]
    portfolio_id: Name = "default"
    regime: RegimeField | None = None
    expected_return: Annotated[float, Field(ge=-10.0, le=10.0, allow_inf_nan=False)] | None = None
    # f* = c·μ/σ²: a floor on σ keeps f* finite (it is capped by the position budget anyway).
    predicted_volatility: Annotated[float, Field(ge=1e-6, le=10.0, allow_inf_nan=False)] | None = (
        None
    )
    signal_strength: Finite | None = None
    sentiment_trend: TrendField | None = None
    sentiment_strength: Unit | None = None

    @model_validator(mode="after")
    def _sentiment_pair(self) -> Self:
        if (self.sentiment_trend is None) != (self.sentiment_strength is None):
            present, absent = (
                ("sentiment_trend", "sentiment_strength")
                if self.sentiment_strength is None
                else ("sentiment_strength", "sentiment_trend")
            )
            raise ValueError(f"field '{absent}' is required when '{present}' is given")
        return self


class TradeOutcome(InputMessage):
    strategy_id: Name
    symbol: Name
    realized_return: Annotated[float, Field(ge=-10.0, le=10.0, allow_inf_nan=False)]
    predicted_return: Annotated[float, Field(ge=-10.0, le=10.0, allow_inf_nan=False)] | None = None
    regime: RegimeField | None = None


class Position(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")

    quantity: Finite
    market_value_usd: Finite


class PortfolioSnapshot(InputMessage):
    portfolio_id: Name
    equity_usd: Positive
    positions: dict[Name, Position] = Field(default_factory=dict, max_length=10_000)
    realized_pnl_today_usd: Finite
    peak_equity_usd: Positive | None = None


class KillSwitchReset(InputMessage):
    """An operator's command (`himari-l3 reset-kill-switch`), kept on the control topic as the audit trail."""

    portfolio_id: Name
    command: Literal["RESET_KILL_SWITCH"]
    operator: Name
    reason: Annotated[str, Field(min_length=1, max_length=1000)]
