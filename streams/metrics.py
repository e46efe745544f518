"""Prometheus metrics of the worker (names follow seed 000 §12 where it has one)."""

from typing import Any

from prometheus_client import Counter, Gauge, Histogram

INPUTS = Counter("himari_l3_inputs_total", "Input records consumed", ["topic"])
DEAD_LETTERS = Counter(
    "himari_l3_dead_letters_total",
    "Inputs rejected to the dead-letter topic",
    ["topic", "error_type"],
)
DECISIONS = Counter("himari_l3_decisions_total", "Sizing decisions emitted", ["side"])
REASONS = Counter(
    "himari_l3_decision_reasons_total", "Reason codes on emitted decisions", ["reason"]
)
CASCADE_RISK = Gauge(
    "himari_l3_cascade_risk_components",
    "Individual cascade risk components",
    ["symbol", "component"],
)
REGIME_FALSE_FLIPS = Counter(
    "himari_l3_regime_false_flips_total", "Regime candidate flips that did not confirm"
)
REGIME_PROGRESS = Gauge(
    "himari_l3_regime_confirmation_progress", "Regime confirmation progress", ["symbol"]
)
SENTIMENT_ADJUSTMENTS = Counter(
    "himari_l3_sentiment_adjustments_total", "Sentiment-based confidence adjustments", ["direction"]
)
LATENCY = Histogram(
    "himari_l3_signal_to_decision_seconds",
    "Event time of a tactical signal to its decision being handed to the producer",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CONFIG_RELOADS = Counter(
    "himari_l3_config_reloads_total", "Configuration reload attempts", ["status"]
)


def record_decision(decision: dict[str, Any]) -> None:
    DECISIONS.labels(decision["side"]).inc()
    for reason in decision["reasons"]:
        REASONS.labels(reason).inc()
    if "sentiment_contradiction" in decision["reasons"]:
        SENTIMENT_ADJUSTMENTS.labels("decrease").inc()


def record_cascade(symbol: str, components: dict[str, float]) -> None:
    for name, value in components.items():
        CASCADE_RISK.labels(symbol, name).set(value)


def record_regime(symbol: str, before: int, after: int, confirmations: int) -> None:
    if after > before:
        REGIME_FALSE_FLIPS.inc(after - before)
    REGIME_PROGRESS.labels(symbol).set(confirmations)
