"""State inputs through the registered handlers: what lands in each table, and offset fencing.

Handler-level (see agent_harness): faust Messages in, the app's real tables inspected.
"""

import pytest
from agent_harness import TS0, Shell, onchain, outcome, regime, sentiment, snapshot

from schemas.enums import CascadeRecommendation, Regime, Trend
from schemas.messages import OnChainSignal
from schemas.topics import Topic
from sizing import cascade
from sizing.refs import InputRef
from sizing.track_record import TrackRecord
from streams.tables import fenced


def ref_of(message) -> InputRef:
    return InputRef(message.topic, message.partition, message.offset)


def track(shell: Shell) -> TrackRecord:
    return shell.rt.tables.track_record.data["momentum_v2|BTC-USD"]


def test_onchain_signal_updates_cascade_table_with_its_offset() -> None:
    shell = Shell()
    doc = onchain("SOL-USD", funding_rate=0.01, oi_change_pct=-0.3, onchain_whale_pressure=0.9)
    msg = shell.feed(Topic.ONCHAIN, doc, partition=5, offset=41)

    entry = shell.rt.tables.cascade.data["SOL-USD"]
    assert entry.source == InputRef("himari.l1.onchain", 5, 41) == ref_of(msg)
    indicators = cascade.indicators_of(OnChainSignal.model_validate(doc))
    assert entry == cascade.assess(indicators, shell.rt.sizing.cascade, TS0, entry.source)
    assert entry.recommendation is CascadeRecommendation.REDUCE_75


def test_antigravity_form_is_mapped_to_the_five_indicators() -> None:
    shell = Shell()
    ag = {
        "coherence": 0.75,
        "entropy": 0.9,
        "energy_density": 0.75,
        "schwarzschild_radius": 0.85,
        "hawking_temperature": 0.9,
    }
    shell.feed(Topic.ONCHAIN, {"symbol": "SOL-USD", "timestamp_ns": TS0, "antigravity": ag})
    entry = shell.rt.tables.cascade.data["SOL-USD"]
    # coherence·0.01 = 0.0075 > 0.003; volume 7.5 > 5; whale 0.85 > 0.7; netflow 1.6 < 2.
    assert entry.components["funding_risk"] == pytest.approx(0.75)
    assert entry.components["volume_risk"] == pytest.approx(0.75)
    assert entry.components["whale_risk"] == pytest.approx(0.85)
    assert entry.components["netflow_risk"] == 0.0


def test_regime_observation_goes_through_hysteresis_in_the_table() -> None:
    shell = Shell()
    table = shell.rt.tables.regime
    shell.feed(Topic.REGIME, regime("TRENDING_UP"))
    assert table.data["BTC-USD"].current is Regime.TRENDING_UP

    shell.feed(Topic.REGIME, regime("HIGH_VOLATILITY"))  # a lone candidate: a false flip
    shell.feed(Topic.REGIME, regime("TRENDING_UP"))
    assert table.data["BTC-USD"].current is Regime.TRENDING_UP
    assert table.data["BTC-USD"].false_flip_count == 1

    for _ in range(2):
        shell.feed(Topic.REGIME, regime("crisis_flight"))  # lower case, aliased to CRISIS
        assert table.data["BTC-USD"].current is Regime.TRENDING_UP
    last = shell.feed(Topic.REGIME, regime("CRISIS_FLIGHT"))
    state = table.data["BTC-USD"]
    assert state.current is Regime.CRISIS
    assert [t.to_regime for t in state.transitions] == [Regime.TRENDING_UP, Regime.CRISIS]
    assert state.source == ref_of(last)


def test_sentiment_observation_is_kept_per_symbol() -> None:
    shell = Shell()
    msg = shell.feed(
        Topic.SENTIMENT,
        {"symbol": "ETH-USD", "trend": "bearish", "strength": 0.8, "timestamp_ns": TS0},
    )
    reading = shell.rt.tables.sentiment.data["ETH-USD"]
    assert (reading.trend, reading.strength, reading.source) == (Trend.BEARISH, 0.8, ref_of(msg))


def test_outcome_updates_posterior_under_the_confirmed_regime_and_the_residuals_in_one_entry() -> (
    None
):
    shell = Shell()
    shell.feed(Topic.REGIME, regime("TRENDING_DOWN"))
    msg = shell.feed(Topic.OUTCOMES, outcome(0.01, predicted_return=0.004))
    stats = track(shell).posteriors["TRENDING_DOWN"]
    assert (stats.wins, stats.losses, stats.win_sum, stats.source) == (1, 0, 0.01, ref_of(msg))
    window = track(shell).residuals
    assert window.residuals == pytest.approx((0.006,))
    assert window.source == ref_of(msg)


def test_outcome_with_its_own_regime_uses_that_regime() -> None:
    shell = Shell()
    shell.feed(Topic.REGIME, regime("TRENDING_UP"))
    shell.feed(Topic.OUTCOMES, outcome(-0.02, regime="RANGING"))
    assert track(shell).posteriors["RANGING"].losses == 1
    assert list(track(shell).posteriors) == ["RANGING"]


def test_outcome_without_any_regime_updates_only_the_residuals() -> None:
    shell = Shell()
    shell.feed(Topic.OUTCOMES, outcome(0.01, predicted_return=0.0))
    assert track(shell).posteriors == {}
    assert track(shell).residuals.residuals == (0.01,)


def test_redelivered_outcome_is_not_applied_twice() -> None:
    shell = Shell()
    shell.feed(Topic.REGIME, regime("TRENDING_UP"))
    first = shell.feed(Topic.OUTCOMES, outcome(0.02, predicted_return=0.01))
    shell.deliver()
    shell.handle(first)  # the same record again, as after a restart before its ack
    assert shell.deliver() == []
    stats = track(shell).posteriors["TRENDING_UP"]
    assert (stats.wins, stats.win_sum) == (1, 0.02)
    assert track(shell).residuals.residuals == pytest.approx((0.01,))


def test_redelivered_outcome_is_fenced_by_state_recovered_from_the_changelog() -> None:
    crashed = Shell()
    crashed.feed(Topic.REGIME, regime("TRENDING_UP"))
    outcome_msg = crashed.feed(Topic.OUTCOMES, outcome(-0.01, predicted_return=0.01))
    changelog = crashed.deliver()  # delivered, then killed before the ack
    restarted = Shell()
    restarted.restore(changelog)
    restarted.handle(outcome_msg)
    assert restarted.deliver() == []
    stats = track(restarted).posteriors["TRENDING_UP"]
    assert (stats.losses, stats.loss_sum, stats.source) == (1, 0.01, ref_of(outcome_msg))
    assert len(track(restarted).residuals.residuals) == 1


def test_an_idle_track_record_expires_as_a_tombstone_sent_before_the_sweep_mark() -> None:
    shell = Shell()
    idle_ns = round(shell.rt.sizing.expiry.track_record_idle_s * 1e9)
    shell.feed(Topic.OUTCOMES, outcome(0.01, regime="RANGING"))
    first = shell.deliver()
    later = shell.feed(
        Topic.OUTCOMES, outcome(0.02, regime="RANGING", strategy_id="other", ts=TS0 + 2 * idle_ns)
    )
    sent = [(s.key.decode(), s.value) for s in shell.deliver()]
    assert [(k, v is None) for k, v in sent] == [
        ("momentum_v2|BTC-USD", True),
        ("other|BTC-USD", False),
        (f"|swept|{later.partition}", False),
    ]
    assert set(shell.rt.tables.track_record.data) == {"other|BTC-USD", sent[-1][0]}
    restarted = Shell()
    restarted.restore(first + shell.producer.sent[len(first) :])
    assert set(restarted.rt.tables.track_record.data) == set(shell.rt.tables.track_record.data)


@pytest.mark.parametrize(
    ("topic", "table", "doc"),
    [
        (Topic.ONCHAIN, "cascade", onchain),
        (Topic.REGIME, "regime", lambda **kw: regime("RANGING", **kw)),
        (Topic.SENTIMENT, "sentiment", sentiment),
    ],
)
def test_a_symbol_idle_past_its_expiry_loses_that_entry(topic, table, doc) -> None:
    shell = Shell()
    idle_ns = round(shell.rt.sizing.expiry.symbol_state_idle_s * 1e9)
    shell.feed(topic, doc(symbol="OLD-USD"), partition=1)
    shell.feed(topic, doc(symbol="NEW-USD", ts=TS0 + 2 * idle_ns), partition=1)
    assert set(getattr(shell.rt.tables, table).data) == {"NEW-USD", "|swept|1"}


def test_an_outcome_at_or_before_the_sweep_mark_is_not_applied_again() -> None:
    shell = Shell()
    first = shell.feed(Topic.OUTCOMES, outcome(0.01, regime="RANGING"))
    shell.deliver()
    shell.rt.tables.track_record.data.pop("momentum_v2|BTC-USD")  # as if it had expired since
    shell.handle(first)
    assert shell.deliver() == []


@pytest.mark.parametrize(
    ("topic", "first", "later"),
    [
        (Topic.ONCHAIN, onchain(), onchain(funding_rate=0.01)),
        (Topic.REGIME, regime("TRENDING_UP"), regime("RANGING")),
        (Topic.PORTFOLIO, snapshot(100_000.0), snapshot(200_000.0)),
    ],
)
def test_input_at_or_below_the_applied_offset_is_fenced(topic, first, later) -> None:
    shell = Shell()
    applied = shell.feed(topic, first, partition=2, offset=10)
    table = {Topic.ONCHAIN: "cascade", Topic.REGIME: "regime", Topic.PORTFOLIO: "portfolio"}[topic]
    key = next(iter(getattr(shell.rt.tables, table).data))
    before = getattr(shell.rt.tables, table).data[key]
    for offset in (10, 9):
        shell.feed(topic, later, partition=2, offset=offset)
        assert getattr(shell.rt.tables, table).data[key] == before
    assert fenced(before, ref_of(applied))
    shell.feed(topic, later, partition=2, offset=11)
    assert getattr(shell.rt.tables, table).data[key] != before


def test_snapshot_updates_portfolio_table_with_its_offset() -> None:
    shell = Shell()
    msg = shell.feed(Topic.PORTFOLIO, snapshot(321_000.0, "fund-b"))
    state = shell.rt.tables.portfolio.data["fund-b"]
    assert (state.equity_usd, state.source) == (321_000.0, ref_of(msg))
    assert state.positions == {"BTC-USD": (1.0, 50_000.0)}


def test_outcome_redelivered_after_a_regime_change_is_not_applied_twice() -> None:
    shell = Shell()
    shell.feed(Topic.REGIME, regime("TRENDING_UP"))
    first = shell.feed(Topic.OUTCOMES, outcome(0.02))
    for _ in range(3):
        shell.feed(Topic.REGIME, regime("TRENDING_DOWN"))
    shell.handle(first)  # redelivered: the batch was never acked
    counted = sum(s.wins for s in track(shell).posteriors.values())
    assert counted == 1
