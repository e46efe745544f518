"""The bundled demo scenario: deterministic, valid on the wire, and it tells its five acts."""

from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import BaseModel

from himari_l3.demo.scenario import (
    ACT_MS,
    JSONL_PATH,
    PORTFOLIOS,
    START_PRICES,
    STRATEGIES,
    SYMBOLS,
    VALIDATION_START_NS,
    ScenarioEvent,
    build_scenario,
    read_jsonl,
    stamped,
    write_jsonl,
)
from schemas.config import CascadeConfig, RegimeConfig
from schemas.enums import BULLISH_ACTIONS, Action, CascadeRecommendation, Regime, Trend
from schemas.messages import (
    OnChainSignal,
    RegimeObservation,
    SentimentObservation,
    TacticalSignal,
    TradeOutcome,
)
from schemas.topics import CONTRACT, INPUT_TOPICS, Topic
from sizing import cascade, regime_hysteresis
from sizing.regime_hysteresis import RegimeState

Parsed = list[tuple[ScenarioEvent, Any]]


@pytest.fixture(scope="module")
def events() -> list[ScenarioEvent]:
    return build_scenario()


@pytest.fixture(scope="module")
def parsed(events: list[ScenarioEvent]) -> Parsed:
    """Every event decoded the way the service decodes it: JSON bytes into the topic's model."""
    out = []
    for e in events:
        model = CONTRACT[e.topic].model
        assert model is not None
        wire = orjson.dumps(stamped(e, VALIDATION_START_NS))
        out.append((e, model.model_validate_json(wire)))
    return out


def _of(parsed: Parsed, kind: type[BaseModel], symbol: str | None = None) -> list[Any]:
    return [
        (e.at_ms, m)
        for e, m in parsed
        if isinstance(m, kind) and (symbol is None or getattr(m, "symbol", None) == symbol)
    ]


def _regime_history(parsed: Parsed, symbol: str) -> list[tuple[int, RegimeState]]:
    cfg, state, history = RegimeConfig(), RegimeState(), []
    for at, obs in _of(parsed, RegimeObservation, symbol):
        state = regime_hysteresis.update(state, obs.regime, obs.timestamp_ns, cfg)
        history.append((at, state))
    return history


def _act(at_ms: int) -> int:
    return at_ms // ACT_MS + 1


def test_bundled_jsonl_equals_build_scenario(events: list[ScenarioEvent]) -> None:
    assert read_jsonl(JSONL_PATH) == events


def test_build_is_deterministic_per_seed(events: list[ScenarioEvent]) -> None:
    assert build_scenario(7) == events
    assert build_scenario(8) != events


def test_write_then_read_round_trips(tmp_path: Path, events: list[ScenarioEvent]) -> None:
    path = tmp_path / "s.jsonl"
    write_jsonl(events[:50], path)
    lines = path.read_bytes().splitlines()
    assert len(lines) == 50
    assert set(orjson.loads(lines[0])) == {"at_ms", "topic", "value"}
    assert read_jsonl(path) == events[:50]


def test_stamped_adds_event_time_in_ns(events: list[ScenarioEvent]) -> None:
    event = events[-1]
    doc = stamped(event, 1_000_000_000_000_000_000)
    assert doc["timestamp_ns"] == 1_000_000_000_000_000_000 + event.at_ms * 1_000_000
    assert "timestamp_ns" not in event.value
    assert {k: v for k, v in doc.items() if k != "timestamp_ns"} == event.value


def test_every_event_validates_against_its_topic_model(parsed: Parsed) -> None:
    assert {e.topic for e, _ in parsed} == set(INPUT_TOPICS)


def test_every_event_carries_its_topic_key_field(events: list[ScenarioEvent]) -> None:
    for e in events:
        key = CONTRACT[e.topic].key_field
        assert key is not None
        assert isinstance(e.value.get(key), str)
        assert e.value[key]


def test_scenario_size_span_and_cast(events: list[ScenarioEvent]) -> None:
    assert 600 <= len(events) <= 1500
    assert events[0].at_ms == 0
    assert 55_000 <= events[-1].at_ms < 60_000
    assert {e.value.get("symbol") for e in events} - {None} == set(SYMBOLS)
    tactical = [e.value for e in events if e.topic is Topic.TACTICAL]
    assert {v["strategy_id"] for v in tactical} == set(STRATEGIES)
    assert {v.get("portfolio_id", "default") for v in tactical} == set(PORTFOLIOS)
    assert any("expected_return" in v and "predicted_volatility" in v for v in tactical)
    snapshots = [e.value["portfolio_id"] for e in events if e.topic is Topic.PORTFOLIO]
    assert set(snapshots) == set(PORTFOLIOS)


def test_events_are_sorted_by_at_ms(events: list[ScenarioEvent]) -> None:
    assert all(a.at_ms <= b.at_ms for a, b in pairwise(events))


def test_each_symbol_sees_regime_and_onchain_before_its_first_signal(
    events: list[ScenarioEvent],
) -> None:
    for symbol in SYMBOLS:
        topics = [e.topic for e in events if e.value.get("symbol") == symbol]
        first_signal = topics.index(Topic.TACTICAL)
        assert topics.index(Topic.REGIME) < first_signal
        assert topics.index(Topic.ONCHAIN) < first_signal


def test_tactical_signals_carry_unique_correlation_ids(parsed: Parsed) -> None:
    ids = [s.correlation_id for _, s in _of(parsed, TacticalSignal)]
    assert all(i is not None and i.startswith("demo-") for i in ids)
    assert len(set(ids)) == len(ids)


def test_prices_random_walk_near_realistic_levels(parsed: Parsed) -> None:
    for symbol, start in START_PRICES.items():
        prices = [s.price for _, s in _of(parsed, TacticalSignal, symbol)]
        assert abs(prices[0] / start - 1) < 0.01
        assert all(0.75 < p / start < 1.25 for p in prices)
        assert all(abs(b / a - 1) < 0.05 for a, b in pairwise(prices))
        assert len(set(prices)) > len(prices) // 2


def test_sol_cascade_escalates_from_reduce_50_to_reduce_75_to_exit(parsed: Parsed) -> None:
    cfg = CascadeConfig()
    readings = [
        (at, sig, cascade.assess(cascade.indicators_of(sig), cfg, sig.timestamp_ns))
        for at, sig in _of(parsed, OnChainSignal, "SOL-USD")
    ]
    recs = [a.recommendation for _, _, a in readings]
    first = {r: recs.index(r) for r in set(recs)}
    exit_, r75, r50 = (
        CascadeRecommendation.EXIT,
        CascadeRecommendation.REDUCE_75,
        CascadeRecommendation.REDUCE_50,
    )
    assert first[r50] < first[r75] < first[exit_]
    assert all(_act(readings[first[r]][0]) == 3 for r in (r50, r75, exit_))
    assert any(sig.antigravity is not None for _, sig, _ in readings)
    peak = next(sig for _, sig, a in readings if a.recommendation is exit_)
    assert peak.funding_rate is not None and peak.funding_rate > 0.003
    assert peak.oi_change_pct is not None and -0.30 <= peak.oi_change_pct < -0.10
    assert peak.volume_ratio is not None and peak.volume_ratio > 5
    assert peak.onchain_whale_pressure is not None and peak.onchain_whale_pressure > 0.7
    assert peak.exchange_netflow_zscore is not None and peak.exchange_netflow_zscore > 2
    # Everyone else stays calm throughout.
    for symbol in ("BTC-USD", "ETH-USD"):
        for _, sig in _of(parsed, OnChainSignal, symbol):
            assessed = cascade.assess(cascade.indicators_of(sig), cfg, sig.timestamp_ns)
            assert assessed.recommendation is CascadeRecommendation.MONITOR


def test_sol_crisis_flight_observations_confirm_crisis(
    parsed: Parsed, events: list[ScenarioEvent]
) -> None:
    raw = {e.value["regime"] for e in events if e.topic is Topic.REGIME}
    assert {"CRISIS_FLIGHT", "crisis_flight"} <= raw
    crisis = [at for at, s in _regime_history(parsed, "SOL-USD") if s.current is Regime.CRISIS]
    assert crisis
    assert _act(crisis[0]) == 3


def test_eth_confirms_trending_down_after_three_consecutive_observations(
    parsed: Parsed,
) -> None:
    observed = [o.regime for _, o in _of(parsed, RegimeObservation, "ETH-USD")]
    history = _regime_history(parsed, "ETH-USD")
    flip = next(i for i, (_, s) in enumerate(history) if s.current is Regime.TRENDING_DOWN)
    assert observed[flip - 2 : flip + 1] == [Regime.TRENDING_DOWN] * 3
    assert history[flip - 1][1].current is Regime.TRENDING_UP
    flip_at = history[flip][0]
    assert _act(flip_at) == 2
    after = [s.action for at, s in _of(parsed, TacticalSignal, "ETH-USD") if flip_at < at]
    assert after and after[0] in {Action.SELL, Action.STRONG_SELL}


def test_regime_flip_has_false_candidates(parsed: Parsed) -> None:
    for symbol in SYMBOLS:
        history = _regime_history(parsed, symbol)
        before = [s for at, s in history if _act(at) < 3]
        assert before[-1].false_flip_count >= 1, symbol
        assert before[-1].current in {Regime.TRENDING_UP, Regime.TRENDING_DOWN}


def test_bearish_sentiment_meets_buy_signals_on_btc(parsed: Parsed) -> None:
    readings = _of(parsed, SentimentObservation, "BTC-USD")
    bearish = [(at, o) for at, o in readings if o.trend is Trend.BEARISH]
    assert bearish
    assert all(0.6 <= o.strength <= 0.9 for _, o in bearish)
    against = 0
    for at, signal in _of(parsed, TacticalSignal, "BTC-USD"):
        latest = [o for t, o in readings if t <= at]
        if signal.action in BULLISH_ACTIONS and latest and latest[-1].trend is Trend.BEARISH:
            against += 1
    assert against >= 10
    own = [s for _, s in _of(parsed, TacticalSignal) if s.sentiment_trend is not None]
    assert any(s.sentiment_trend is Trend.BEARISH and s.action in BULLISH_ACTIONS for s in own)


def test_outcomes_exist_for_every_strategy_and_turn_from_wins_to_losses(parsed: Parsed) -> None:
    outcomes = _of(parsed, TradeOutcome)
    assert {o.strategy_id for _, o in outcomes} == set(STRATEGIES)
    assert sum(o.predicted_return is not None for _, o in outcomes) > len(outcomes) // 2

    def win_rate(act: int) -> float:
        returns = [o.realized_return for at, o in outcomes if _act(at) == act]
        return sum(r > 0 for r in returns) / len(returns)

    assert win_rate(1) > 0.6
    assert win_rate(5) < 0.5


def test_recovery_confirms_ranging_and_holds(parsed: Parsed) -> None:
    for symbol in SYMBOLS:
        assert _regime_history(parsed, symbol)[-1][1].current is Regime.RANGING
    last_act = Counter(s.action for at, s in _of(parsed, TacticalSignal) if _act(at) == 5)
    assert last_act.most_common(1)[0][0] is Action.HOLD
