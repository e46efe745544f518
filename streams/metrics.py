"""Prometheus metrics of the worker (names follow seed 000 §12 where it has one)."""

from collections import OrderedDict
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

INPUTS = Counter("himari_l3_inputs_total", "Input records consumed", ["topic"])
DEAD_LETTERS = Counter(
    "himari_l3_dead_letters_total",
    "Inputs rejected to the dead-letter topic",
    ["topic", "error_type"],
)
REDELIVERED = Counter(
    "himari_l3_redelivered_triggers_total",
    "Triggers seen again after a restart: answer sent again (resent) or already on the broker",
    ["answer_topic", "outcome"],
)
REWINDS = Counter(
    "himari_l3_input_rewinds_total",
    "Times faust skipped an input partition's records and was rewound to them",
    ["topic", "reason"],
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
ENSEMBLE_TOTAL = Gauge(
    "himari_l3_ensemble_weight_total_usd", "Gross target of the portfolio's book", ["portfolio_id"]
)
ENSEMBLE_UTILISATION = Gauge(
    "himari_l3_ensemble_utilization_pct", "Gross target over the portfolio budget", ["portfolio_id"]
)
ENSEMBLE_STRATEGIES = Gauge(
    "himari_l3_ensemble_strategies", "Strategies with a live view", ["portfolio_id"]
)
ENSEMBLE_WEIGHT = Gauge(
    "himari_l3_ensemble_weight_current", "Current ensemble weight per strategy", ["strategy_id"]
)
ENSEMBLE_DRIFT = Histogram(
    "himari_l3_ensemble_weight_drift_pct",
    "Ensemble weight drift percentage",
    ["strategy_id"],
    buckets=(1, 5, 10, 20, 50, 100),
)
BUDGET_VIOLATIONS = Counter(
    "himari_l3_risk_budget_violations_total", "Budget cuts by level", ["level"]
)
BUDGET_UTILISATION = Gauge(
    "himari_l3_risk_budget_utilization_pct",
    "Budget use by level",
    ["level", "identifier"],
)
CORRELATION_ALERTS = Counter(
    "himari_l3_correlation_alerts_total",
    "Decisions cut because correlated exposure shares a budget",
)
TRADING_STATE = Gauge(
    "himari_l3_trading_state", "0 ACTIVE, 1 REDUCING, 2 HALTED (kill switch)", ["portfolio_id"]
)
KILL_SWITCH_RESETS = Counter(
    "himari_l3_kill_switch_resets_total", "Kill-switch reset commands", ["outcome"]
)
CONFIG_RELOADS = Counter(
    "himari_l3_config_reloads_total", "Configuration reload attempts", ["status"]
)


# Series labelled by symbol, strategy or portfolio come and go with the keys: each metric keeps
# its most recently used ones only, so a churning universe cannot grow the registry for good.
MAX_SERIES_PER_METRIC = 2_000
_CHILDREN: dict[Any, OrderedDict[tuple[str, ...], Any]] = {}


def child(metric: Any, *labels: str) -> Any:
    """The labelled series, resolved once: `labels()` takes a lock and hashes on every call."""
    series = _CHILDREN.get(metric)
    if series is None:
        series = _CHILDREN[metric] = OrderedDict()
    found = series.get(labels)
    if found is not None:
        series.move_to_end(labels)
        return found
    if len(series) >= MAX_SERIES_PER_METRIC:
        oldest, _ = series.popitem(last=False)
        metric.remove(*oldest)
    found = series[labels] = metric.labels(*labels)
    return found


def record_decision(decision: dict[str, Any]) -> None:
    child(DECISIONS, decision["side"]).inc()
    for reason in decision["reasons"]:
        child(REASONS, reason).inc()
        if reason in _BUDGET_LEVELS:
            child(BUDGET_VIOLATIONS, _BUDGET_LEVELS[reason]).inc()
    if "sentiment_contradiction" in decision["reasons"]:
        child(SENTIMENT_ADJUSTMENTS, "decrease").inc()
    if "correlation_budget" in decision["reasons"]:
        CORRELATION_ALERTS.inc()
    _record_portfolio(decision)


_STATE_LEVEL = {"ACTIVE": 0, "REDUCING": 1, "HALTED": 2}
_BUDGET_LEVELS = {
    "position_budget": "position",
    "strategy_budget": "strategy",
    "portfolio_budget": "portfolio",
    "capital_limit": "capital",
    "correlation_budget": "correlation",
}


def _record_portfolio(decision: dict[str, Any]) -> None:
    pid, comp = decision["portfolio_id"], decision["components"]
    budgets, ens = comp["budgets"], comp["ensemble"]
    child(TRADING_STATE, pid).set(_STATE_LEVEL[decision["trading_state"]])
    child(ENSEMBLE_TOTAL, pid).set(budgets["portfolio"]["used_usd"])
    child(ENSEMBLE_UTILISATION, pid).set(100.0 * budgets["portfolio"]["utilisation"])
    child(ENSEMBLE_STRATEGIES, pid).set(len(ens["weights"]))
    strategy = decision["strategy_id"]
    child(ENSEMBLE_WEIGHT, strategy).set(ens["weights"].get(strategy, 0.0))
    change = ens["drift"]["weight_changes"].get(strategy)
    if change:
        child(ENSEMBLE_DRIFT, strategy).observe(100.0 * abs(change))
    child(BUDGET_UTILISATION, "position", decision["symbol"]).set(
        100.0 * budgets["position"]["utilisation"]
    )
    child(BUDGET_UTILISATION, "strategy", strategy).set(100.0 * budgets["strategy"]["utilisation"])
    child(BUDGET_UTILISATION, "portfolio", pid).set(100.0 * budgets["portfolio"]["utilisation"])


def record_cascade(symbol: str, components: dict[str, float]) -> None:
    for name, value in components.items():
        child(CASCADE_RISK, symbol, name).set(value)


def record_regime(symbol: str, before: int, after: int, confirmations: int) -> None:
    if after > before:
        REGIME_FALSE_FLIPS.inc(after - before)
    child(REGIME_PROGRESS, symbol).set(confirmations)
