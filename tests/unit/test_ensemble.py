"""Ensemble (seed 000 §11.7): strategies' views per symbol, stacking, weights and drift."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.config import EnsembleConfig, IndependenceConfig
from sizing import ensemble, signal_independence
from sizing.ensemble import Stack, Views, Voice

CFG = EnsembleConfig()
IND = IndependenceConfig()
PROPS = settings(max_examples=200, deadline=None)


def views_of(*wishes: tuple[str, str, float]) -> Views:
    views = Views()
    for symbol, strategy, wish in wishes:
        views.set_wish(symbol, strategy, wish)
    return views


def test_defaults_are_the_seed_numbers():
    """Second strategy at 0.7, drift alert past 20 %."""
    assert (CFG.second_strategy_penalty, CFG.drift_alert_pct) == (0.7, 0.20)


def test_set_wish_indexes_by_symbol_and_by_strategy():
    """Each view sits under its symbol and under its strategy; sums are per strategy."""
    views = views_of(("BTC", "mom", 0.10), ("ETH", "mom", -0.05), ("BTC", "rev", -0.02))
    assert views.by_symbol == {"BTC": {"mom": 0.10, "rev": -0.02}, "ETH": {"mom": -0.05}}
    assert views.by_strategy == {"mom": {"BTC": 0.10, "ETH": -0.05}, "rev": {"BTC": -0.02}}
    assert views.gross == {"mom": pytest.approx(0.15), "rev": 0.02}
    assert views.net == {"mom": pytest.approx(0.05), "rev": -0.02}


def test_a_new_wish_replaces_the_strategys_view_of_the_symbol():
    """One view per (strategy, symbol): the latest."""
    views = views_of(("BTC", "mom", 0.10), ("BTC", "mom", -0.04))
    assert views.by_symbol == {"BTC": {"mom": -0.04}}
    assert (views.gross, views.net) == ({"mom": 0.04}, {"mom": -0.04})


def test_a_zero_wish_drops_the_view_and_an_emptied_strategy():
    """Flat views are not kept; a strategy with no view leaves gross and net."""
    views = views_of(("BTC", "mom", 0.10), ("ETH", "rev", 0.03), ("BTC", "mom", 0.0))
    assert views.by_symbol == {"ETH": {"rev": 0.03}}
    assert views.by_strategy == {"rev": {"ETH": 0.03}}
    assert (views.gross, views.net) == ({"rev": 0.03}, {"rev": 0.03})


def test_strategy_gross_excludes_the_symbol_being_decided():
    """The strategy's other symbols only: the budget left for this one."""
    views = views_of(("BTC", "mom", 0.10), ("ETH", "mom", -0.05), ("SOL", "mom", 0.20))
    assert views.strategy_gross("mom", excluding="BTC") == pytest.approx(0.25)
    assert views.strategy_gross("mom", excluding="XRP") == pytest.approx(0.35)
    assert views.strategy_gross("unknown", excluding="BTC") == 0.0


def test_on_symbol_with_previews_a_wish_without_changing_the_views():
    """Stage 2 reads the symbol's views as they will be; only the commit changes them."""
    views = views_of(("BTC", "mom", 0.10), ("BTC", "rev", -0.02))
    assert views.on_symbol_with("BTC", "rev", 0.0) == {"mom": 0.10}
    assert views.on_symbol_with("BTC", "new", 0.05) == {"mom": 0.10, "rev": -0.02, "new": 0.05}
    assert views == views_of(("BTC", "mom", 0.10), ("BTC", "rev", -0.02))


def test_a_copy_of_the_views_is_independent():
    views = views_of(("BTC", "mom", 0.10))
    copy = views.copy()
    copy.set_wish("BTC", "mom", 0.2)
    assert views == views_of(("BTC", "mom", 0.10))


wish_events = st.lists(
    st.tuples(
        st.sampled_from(["BTC", "ETH", "SOL"]),
        st.sampled_from(["a", "b", "c"]),
        st.one_of(st.just(0.0), st.floats(-0.4, 0.4)),
    ),
    max_size=40,
)


@PROPS
@given(wish_events)
def test_views_rebuilt_from_by_symbol_equal_the_incremental_ones(events):
    """fsum is exact whatever the order: Views.of(by_symbol) equals the views that wrote it."""
    views = views_of(*events)
    assert Views.of(views.by_symbol) == views
    for strategy, own in views.by_strategy.items():
        assert views.gross[strategy] == math.fsum(abs(w) for w in own.values())
        assert views.net[strategy] == math.fsum(own.values())


def test_single_voice_counts_in_full():
    """One strategy on the symbol: no penalty."""
    vs = ensemble.voices({"mom": 0.1}, {}, frozenset())
    assert vs == (Voice(("mom",), 0.1),)
    assert ensemble.stack(vs, CFG) == Stack(0.1, vs, False)


def test_no_voice_stacks_to_zero():
    """No view on the symbol: target 0, no penalty."""
    assert ensemble.stack((), CFG) == Stack(0.0, (), False)


# voices' wishes (strongest first) → stacked target
STACK_TABLE = [
    ((10_000.0, 6_000.0), 14_200.0),  # seed 000 §11.7: 10k + 0.7 × 6k
    ((0.10, 0.06), 0.142),
    ((0.10, -0.06), 0.058),  # a dissenting voice subtracts at the penalty
    ((-0.10, 0.04, 0.02), -0.058),
    ((0.10, 0.10), 0.17),
]


@pytest.mark.parametrize(("wishes", "target"), STACK_TABLE)
def test_strongest_voice_counts_in_full_the_others_at_0_7(wishes, target):
    """target = strongest + 0.7 × Σ others."""
    vs = tuple(Voice((f"s{i}",), w) for i, w in enumerate(wishes))
    out = ensemble.stack(vs, CFG)
    assert out.target == pytest.approx(target, rel=1e-12)
    assert out.penalised


def test_voices_are_ordered_strongest_first_whatever_the_sign():
    """Sorted by |wish|, ties by name."""
    vs = ensemble.voices({"a": 0.02, "b": -0.10, "c": 0.06, "d": 0.06}, {}, frozenset())
    assert [v.strategies for v in vs] == [("b",), ("c",), ("d",), ("a",)]
    assert ensemble.stack(vs, CFG).target == pytest.approx(-0.10 + 0.7 * 0.14)


def test_the_penalty_follows_its_config():
    """A penalty of 0.5 halves every further voice."""
    vs = ensemble.voices({"a": 0.10, "b": 0.06}, {}, frozenset())
    out = ensemble.stack(vs, EnsembleConfig(second_strategy_penalty=0.5))
    assert out.target == pytest.approx(0.13)


def test_degenerate_strategies_speak_with_one_voice_their_mean():
    """Identical so far: one voice with the mean view, so no penalty and no double count."""
    samples = signal_independence.record({}, "a", 0.1, 0, IND)
    samples = signal_independence.record(samples, "b", 0.1, 0, IND)
    samples = signal_independence.record(samples, "c", -0.3, 0, IND)
    joined = signal_independence.assess_pairs(samples, IND, None).joined
    vs = ensemble.voices({"a": 0.12, "b": 0.08, "c": 0.05}, samples, joined)
    assert [(v.strategies, v.wish) for v in vs] == [
        (("a", "b"), pytest.approx(0.10)),
        (("c",), 0.05),
    ]
    assert ensemble.stack(vs, CFG).target == pytest.approx(0.10 + 0.7 * 0.05)


# gross per strategy → weights
WEIGHT_TABLE = [
    ({"a": 0.3, "b": 0.1}, {"a": 0.75, "b": 0.25}),
    ({"a": 0.2}, {"a": 1.0}),
    ({}, {}),
]


@pytest.mark.parametrize(("gross", "weights"), WEIGHT_TABLE)
def test_weights_are_each_strategys_share_of_gross_views(gross, weights):
    """weight = gross / Σ gross; no views, no weights."""
    views = views_of(*((("BTC", s, g)) for s, g in gross.items()))
    assert ensemble.weights(views.gross) == pytest.approx(weights)


def test_weights_count_short_views_by_their_size():
    """Gross is Σ|view|: a short view weighs like a long one."""
    views = views_of(("BTC", "a", 0.1), ("ETH", "a", -0.1), ("BTC", "b", -0.2))
    assert ensemble.weights(views.gross) == pytest.approx({"a": 0.5, "b": 0.5})


def test_first_weights_have_nothing_to_drift_from():
    """No previous weights: no drift."""
    out = ensemble.drift({}, {"a": 0.6, "b": 0.4}, CFG)
    assert out == {"weight_changes": {}, "drifted_strategies": [], "max_drift_pct": 0.0}


# previous, current → drifted strategies, max drift in %
DRIFT_TABLE = [
    ({"a": 0.5, "b": 0.5}, {"a": 0.55, "b": 0.45}, [], 10.0),
    ({"a": 0.5, "b": 0.5}, {"a": 0.65, "b": 0.35}, ["a", "b"], 30.0),
    ({"a": 0.8, "b": 0.2}, {"a": 0.75, "b": 0.25}, ["b"], 25.0),  # relative to the last weight
    ({"a": 0.5, "b": 0.5}, {"a": 0.45, "b": 0.3, "c": 0.25}, ["b", "c"], 40.0),  # c: |Δ| = 25 %
    ({"a": 0.6, "b": 0.4}, {"a": 0.85, "c": 0.15}, ["a", "b"], 100.0),  # b gone: −100 %
    ({"a": 0.5, "b": 0.5}, {"a": 0.5, "b": 0.5}, [], 0.0),
]


@pytest.mark.parametrize(("previous", "current", "drifted", "max_pct"), DRIFT_TABLE)
def test_drift_past_20_percent_of_the_last_weight_is_flagged(previous, current, drifted, max_pct):
    """Relative change per strategy, absolute for a new one; > 20 % flags the strategy."""
    out = ensemble.drift(previous, current, CFG)
    assert out["drifted_strategies"] == drifted
    assert out["max_drift_pct"] == pytest.approx(max_pct, rel=1e-9)
    names = sorted(previous.keys() | current.keys())
    assert list(out["weight_changes"]) == names
    for name in names:
        delta = current.get(name, 0.0) - previous.get(name, 0.0)
        assert out["weight_changes"][name] == pytest.approx(delta)


def test_new_strategy_drift_is_its_absolute_weight():
    """A strategy with no last weight drifts by its whole new weight."""
    out = ensemble.drift({"a": 1.0}, {"a": 0.9, "c": 0.1}, CFG)
    assert out["drifted_strategies"] == []
    assert out["weight_changes"]["c"] == pytest.approx(0.1)
    assert out["max_drift_pct"] == pytest.approx(10.0)
