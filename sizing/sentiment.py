"""Sentiment penalty (seed 000 §11.3): contradicting sentiment lowers confidence."""

from dataclasses import dataclass
from typing import Any, Final, final

from schemas.config import SentimentConfig
from schemas.enums import Action, Trend
from sizing.members import BEARISH, BEARISH_ACTIONS, BULLISH, BULLISH_ACTIONS
from sizing.refs import InputRef, ref_dict
from sizing.values import Value


@dataclass(frozen=True, slots=True)
class SentimentReading:
    """What `sentiment[symbol]` holds, or a signal's own sentiment fields."""

    trend: Trend
    strength: float
    timestamp_ns: int
    source: InputRef | None

    @property
    def last_event_ns(self) -> int:
        """Each input replaces the entry whole: its own time is the entry's (entry_expiry)."""
        return self.timestamp_ns

    def as_dict(self) -> dict[str, Any]:
        return {
            "trend": self.trend,
            "strength": self.strength,
            "as_of_ns": self.timestamp_ns,
            "source": ref_dict(self.source),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SentimentReading":
        return cls(
            trend=Trend(data["trend"]),
            strength=float(data["strength"]),
            timestamp_ns=int(data["as_of_ns"]),
            source=InputRef.from_dict(data.get("source")),
        )


@final
class SentimentAdjustment(Value):
    __slots__ = ("confidence", "diagnostics", "penalty")

    def __init__(self, confidence: float, penalty: float, diagnostics: dict[str, Any]) -> None:
        self.confidence: Final = confidence
        self.penalty: Final = penalty
        self.diagnostics: Final = diagnostics


def contradicts(action: Action, trend: Trend) -> bool:
    return (action in BULLISH_ACTIONS and trend is BEARISH) or (
        action in BEARISH_ACTIONS and trend is BULLISH
    )


def adjust(
    confidence: float,
    action: Action,
    reading: SentimentReading | None,
    origin: str,
    cfg: SentimentConfig,
) -> SentimentAdjustment:
    """Confidence minus weight × strength when sentiment contradicts the action."""
    if reading is None:
        return SentimentAdjustment(confidence, 0.0, {"sentiment_adjustment": "N/A"})
    penalty = cfg.weight * reading.strength if contradicts(action, reading.trend) else 0.0
    adjusted = max(0.0, confidence - penalty)
    return SentimentAdjustment(
        adjusted,
        penalty,
        {
            "origin": origin,
            "sentiment_trend": reading.trend,
            "sentiment_strength": reading.strength,
            "alignment_penalty": penalty,
            "original_confidence": confidence,
            "adjusted_confidence": adjusted,
        },
    )
