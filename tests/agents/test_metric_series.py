"""Metric series labelled by symbol or strategy are capped per metric: churn cannot grow them."""

import pytest
from prometheus_client import CollectorRegistry, Gauge

from streams import metrics


def test_least_recently_used_series_go_once_a_metric_holds_its_maximum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(metrics, "MAX_SERIES_PER_METRIC", 3)
    gauge = Gauge(
        "test_weight", "a per-strategy gauge", ["strategy_id"], registry=CollectorRegistry()
    )
    for name in ("a", "b", "c"):
        metrics.child(gauge, name).set(1.0)
    metrics.child(gauge, "a").set(2.0)  # used again: "b" is now the oldest
    metrics.child(gauge, "d").set(1.0)
    held = {s.labels["strategy_id"]: s.value for s in gauge.collect()[0].samples}
    assert held == {"a": 2.0, "c": 1.0, "d": 1.0}
