"""Liquidation-cascade risk (seed 000 §11.1 EnhancedCascadeDetector) and its size multiplier."""

from dataclasses import dataclass, field
from typing import Any

from schemas.config import CascadeConfig
from schemas.enums import CascadeRecommendation
from schemas.messages import Antigravity, OnChainSignal
from sizing.refs import InputRef, ref_dict

COMPONENTS = ("funding_risk", "oi_risk", "volume_risk", "whale_risk", "netflow_risk")


@dataclass(frozen=True, slots=True)
class CascadeIndicators:
    funding_rate: float
    oi_change_pct: float
    volume_ratio: float
    onchain_whale_pressure: float
    exchange_netflow_zscore: float
    liquidation_volume_24h: float | None = None


@dataclass(frozen=True, slots=True)
class CascadeAssessment:
    """The latest cascade view of a symbol: what `cascade[symbol]` holds."""

    risk_score: float
    recommendation: CascadeRecommendation
    components: dict[str, float]
    dominant_factor: str
    threshold_breaches: tuple[str, ...]
    timestamp_ns: int
    source: InputRef | None
    _diag: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def last_event_ns(self) -> int:
        """Each input replaces the entry whole: its own time is the entry's (entry_expiry)."""
        return self.timestamp_ns

    def diagnostics(self) -> dict[str, Any]:
        """A fresh dict the caller may extend (its base is built once per assessment)."""
        if self._diag is None:
            diag = {
                "risk_score": self.risk_score,
                "recommendation": self.recommendation,
                "components": self.components,
                "dominant_factor": self.dominant_factor,
                "threshold_breaches": list(self.threshold_breaches),
                "as_of_ns": self.timestamp_ns,
            }
            object.__setattr__(self, "_diag", diag)
            return dict(diag)
        return dict(self._diag)

    def as_dict(self) -> dict[str, Any]:
        return {**self.diagnostics(), "source": ref_dict(self.source)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CascadeAssessment":
        return cls(
            risk_score=float(data["risk_score"]),
            recommendation=CascadeRecommendation(data["recommendation"]),
            components={k: float(v) for k, v in data["components"].items()},
            dominant_factor=str(data["dominant_factor"]),
            threshold_breaches=tuple(data["threshold_breaches"]),
            timestamp_ns=int(data["as_of_ns"]),
            source=InputRef.from_dict(data.get("source")),
        )


def from_antigravity(ag: Antigravity) -> CascadeIndicators:
    """Seed 000's `map_l1_to_cascade_indicators`, exactly."""
    return CascadeIndicators(
        funding_rate=ag.coherence * 0.01,
        oi_change_pct=(ag.entropy - 0.5) * -0.2,
        volume_ratio=ag.energy_density * 10.0,
        onchain_whale_pressure=ag.schwarzschild_radius,
        exchange_netflow_zscore=(ag.hawking_temperature - 0.5) * 4.0,
    )


def indicators_of(signal: OnChainSignal) -> CascadeIndicators:
    if signal.antigravity is not None:
        return from_antigravity(signal.antigravity)
    # The model validator guarantees all five are present in this branch.
    return CascadeIndicators(
        funding_rate=signal.funding_rate or 0.0,
        oi_change_pct=signal.oi_change_pct or 0.0,
        volume_ratio=signal.volume_ratio or 0.0,
        onchain_whale_pressure=signal.onchain_whale_pressure or 0.0,
        exchange_netflow_zscore=signal.exchange_netflow_zscore or 0.0,
        liquidation_volume_24h=signal.liquidation_volume_24h,
    )


def risk_components(ind: CascadeIndicators, cfg: CascadeConfig) -> dict[str, float]:
    """The five component risks in [0, 1], each zero below its threshold."""
    funding = abs(ind.funding_rate)
    whale = ind.onchain_whale_pressure
    netflow = abs(ind.exchange_netflow_zscore)
    return {
        "funding_risk": min(1.0, funding / cfg.funding_rate_cap)
        if funding > cfg.funding_rate_threshold
        else 0.0,
        "oi_risk": min(1.0, abs(ind.oi_change_pct) / cfg.oi_drop_cap)
        if ind.oi_change_pct < -cfg.oi_drop_threshold
        else 0.0,
        "volume_risk": min(1.0, ind.volume_ratio / cfg.volume_spike_cap)
        if ind.volume_ratio > cfg.volume_spike_threshold
        else 0.0,
        "whale_risk": whale if whale > cfg.whale_pressure_threshold else 0.0,
        "netflow_risk": min(1.0, netflow / cfg.netflow_zscore_cap)
        if netflow > cfg.netflow_zscore_threshold
        else 0.0,
    }


def recommend(risk: float, cfg: CascadeConfig) -> CascadeRecommendation:
    if risk > cfg.exit_above:
        return CascadeRecommendation.EXIT
    if risk > cfg.reduce_75_above:
        return CascadeRecommendation.REDUCE_75
    if risk > cfg.reduce_50_above:
        return CascadeRecommendation.REDUCE_50
    return CascadeRecommendation.MONITOR


def assess(
    ind: CascadeIndicators, cfg: CascadeConfig, timestamp_ns: int, source: InputRef | None = None
) -> CascadeAssessment:
    """Weighted multi-factor cascade risk with the seed's diagnostics."""
    comp = risk_components(ind, cfg)
    w = cfg.weights
    risk = min(
        1.0,
        w.funding * comp["funding_risk"]
        + w.oi_drop * comp["oi_risk"]
        + w.volume_spike * comp["volume_risk"]
        + w.whale_pressure * comp["whale_risk"]
        + w.netflow * comp["netflow_risk"],
    )
    # The seed's max() names 'funding_risk' when nothing is elevated; 'none' says what is true.
    dominant = max(comp, key=comp.__getitem__) if any(comp.values()) else "none"
    return CascadeAssessment(
        risk_score=risk,
        recommendation=recommend(risk, cfg),
        components=comp,
        dominant_factor=dominant,
        threshold_breaches=tuple(k for k, v in comp.items() if v > 0.5),
        timestamp_ns=timestamp_ns,
        source=source,
    )


def multiplier(recommendation: CascadeRecommendation, cfg: CascadeConfig) -> float:
    return cfg.multipliers[recommendation]
