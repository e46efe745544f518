"""Signal independence (seed 003 §4a): effective count n²/ΣC² and who speaks with one voice."""

import gc
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.config import IndependenceConfig
from sizing import signal_independence
from sizing.rolling_samples import Completed, Samples, completed_stats, identical_so_far

CFG = IndependenceConfig()

# Two zero-mean series of equal norm with Σuv = 0 over 12 periods: Pearson r(u, v) = 0.
U = [1.0, -1.0] * 6
V = [1.0, 1.0, -1.0, -1.0] * 3
W = [1.0, -1.0, -1.0, 1.0] * 3  # orthogonal to both


def mix(rho: float) -> list[float]:
    """A series whose Pearson correlation with U is `rho`."""
    k = math.sqrt(1.0 - rho * rho)
    return [rho * u + k * v for u, v in zip(U, V, strict=True)]


def sampled(series: dict[str, list[float]], cfg: IndependenceConfig = CFG) -> dict[str, Samples]:
    """Record each value in its own period; one more period opens so all of them complete."""
    samples: dict[str, Samples] = {}
    length = max(map(len, series.values()))
    for period in range(length + 1):
        for name, values in series.items():
            value = values[period] if period < len(values) else 0.0
            samples = signal_independence.record(samples, name, value, period, cfg)
    return samples


def test_defaults_are_the_seed_numbers():
    """500 periods of 60 s, r over ≥ 10 of them, degenerate above 0.8."""
    assert (CFG.window, CFG.period_s, CFG.min_samples, CFG.degenerate_above) == (
        500,
        60.0,
        10,
        0.8,
    )


def test_identical_strategies_count_as_one_voice():
    """r = 1: one voice, one effective strategy, no scaling."""
    out = signal_independence.assess(sampled({"a": U, "b": list(U)}), CFG)
    assert (out.strategies, out.voices, out.effective, out.scale) == (2, 1, 1.0, 1.0)
    assert out.degenerate_pairs == (("a", "b", pytest.approx(1.0)),)


def test_uncorrelated_strategies_count_in_full():
    """r = 0: effective 2, scale 1."""
    out = signal_independence.assess(sampled({"a": U, "b": V}), CFG)
    assert (out.strategies, out.voices, out.scale) == (2, 2, 1.0)
    assert out.effective == pytest.approx(2.0)
    assert out.degenerate_pairs == ()


@pytest.mark.parametrize("rho", [0.3, 0.5, 0.7, -0.5])
def test_partly_correlated_pair_counts_two_over_one_plus_rho_squared(rho):
    """effective = 2²/(2 + 2ρ²) = 2/(1 + ρ²), size scaled by √(effective / 2)."""
    out = signal_independence.assess(sampled({"a": U, "b": mix(rho)}), CFG)
    effective = 2.0 / (1.0 + rho * rho)
    assert out.voices == 2
    assert out.effective == pytest.approx(effective, rel=1e-9)
    assert out.scale == pytest.approx(math.sqrt(effective / 2.0), rel=1e-9)
    assert out.degenerate_pairs == ()


def test_three_strategies_use_every_pairs_correlation():
    """n²/ΣC² over a 3×3 matrix with one correlated pair: 9 / (3 + 2·0.25)."""
    out = signal_independence.assess(sampled({"a": U, "b": mix(0.5), "c": W}), CFG)
    assert out.voices == 3
    assert out.effective == pytest.approx(9.0 / 3.5, rel=1e-9)
    assert out.scale == pytest.approx(math.sqrt(3.0 / 3.5), rel=1e-9)


@pytest.mark.parametrize(
    ("rho", "listed", "voices"),
    [(0.85, True, 1), (0.81, True, 1), (0.79, False, 2), (-0.85, True, 2), (-1.0, True, 2)],
)
def test_pairs_past_0_8_are_listed_degenerate_and_positive_ones_join(rho, listed, voices):
    """|r| > 0.8 is listed; only r > 0.8 makes the pair one voice."""
    out = signal_independence.assess(sampled({"a": U, "b": mix(rho)}), CFG)
    assert bool(out.degenerate_pairs) is listed
    if listed:
        ((a, b, r),) = out.degenerate_pairs
        assert (a, b, r) == ("a", "b", pytest.approx(rho, rel=1e-9))
    assert out.voices == voices


def test_anti_correlated_pair_stays_two_voices_worth_one_strategy():
    """r = −1: two voices, effective 4/(2 + 2) = 1, scale √½."""
    out = signal_independence.assess(sampled({"a": U, "b": [-u for u in U]}), CFG)
    assert (out.voices, out.effective) == (2, pytest.approx(1.0))
    assert out.scale == pytest.approx(math.sqrt(0.5))


def test_fewer_than_min_samples_give_no_correlation():
    """Nine completed periods: r is unknown, the pair counts as independent."""
    out = signal_independence.assess(sampled({"a": U[:9], "b": mix(0.5)[:9]}), CFG)
    assert (out.voices, out.effective, out.scale) == (2, 2.0, 1.0)


def test_in_warm_up_identical_completed_periods_make_one_voice():
    """Before min_samples, agreeing on every completed period is degeneracy."""
    out = signal_independence.assess(sampled({"a": [0.1, 0.2], "b": [0.1, 0.2]}), CFG)
    assert (out.voices, out.effective) == (1, 1.0)


def test_same_voice_in_warm_up_is_identical_so_far_open_period_included():
    """One common open period with equal values is enough; a different value is not."""
    samples = signal_independence.record({}, "a", 0.1, 0, CFG)
    samples = signal_independence.record(samples, "b", 0.1, 0, CFG)
    assert signal_independence.same_voice(samples, "a", "b", CFG)
    differing = signal_independence.record(samples, "b", 0.2, 0, CFG)
    assert not signal_independence.same_voice(differing, "a", "b", CFG)
    assert not signal_independence.same_voice(samples, "a", "missing", CFG)


def test_same_voice_by_completed_correlation_despite_different_open_values():
    """r > 0.8 over completed periods joins the pair whatever the open period holds."""
    samples = sampled({"a": U, "b": mix(0.9)})
    samples = signal_independence.record(samples, "b", 5.0, 12, CFG)
    assert signal_independence.same_voice(samples, "a", "b", CFG)
    assert not signal_independence.same_voice(sampled({"a": U, "b": V}), "a", "b", CFG)


def test_record_overwrites_the_open_period_and_completes_it_on_the_next():
    """The open period takes the latest net; a later period completes it."""
    samples = signal_independence.record({}, "a", 0.1, 0, CFG)
    samples = signal_independence.record(samples, "a", 0.3, 0, CFG)
    samples = signal_independence.record(samples, "a", -0.2, 1, CFG)
    assert samples["a"].completed.points == ((0, 0.3),)
    assert (samples["a"].period, samples["a"].value) == (1, -0.2)


def test_record_drops_strategies_silent_for_a_window():
    """A strategy whose last period is older than the window is forgotten."""
    cfg = IndependenceConfig(window=5)
    samples = signal_independence.record({}, "old", 0.1, 0, cfg)
    kept = signal_independence.record(samples, "new", 0.1, 5, cfg)
    dropped = signal_independence.record(samples, "new", 0.1, 6, cfg)
    assert set(kept) == {"old", "new"}
    assert set(dropped) == {"new"}


def test_completed_periods_are_kept_to_the_window():
    """Only the last `window` completed periods remain."""
    cfg = IndependenceConfig(window=3)
    samples = sampled({"a": [1.0, 2.0, 3.0, 4.0, 5.0]}, cfg)
    assert samples["a"].completed.points == ((2, 3.0), (3, 4.0), (4, 5.0))


@pytest.mark.parametrize(
    ("members", "joined", "groups"),
    [
        (["a", "b", "c"], set(), [["a"], ["b"], ["c"]]),
        (["c", "a", "b", "d"], {("a", "c"), ("d", "b")}, [["a", "c"], ["b", "d"]]),
        (["a", "b", "c", "d"], {("b", "c"), ("a", "b")}, [["a", "b", "c"], ["d"]]),
        (["a", "b", "c", "d"], {("c", "d"), ("a", "d")}, [["a", "c", "d"], ["b"]]),
        ([], set(), []),
    ],
)
def test_groups_are_connected_components_sorted_by_name(members, joined, groups):
    """Union-find: joined pairs chain; each group and the list are in name order."""
    assert signal_independence.groups(members, joined) == groups


def test_empty_samples_have_no_voices_and_no_scaling():
    """No strategy sampled: nothing to scale."""
    out = signal_independence.assess({}, CFG)
    assert (out.strategies, out.voices, out.effective, out.scale) == (0, 0, 0.0, 1.0)


def test_diagnostics_name_the_seed_fields():
    """nominal and effective count, scale and the degenerate pairs as lists."""
    out = signal_independence.assess(sampled({"a": U, "b": list(U)}), CFG)
    diag = out.diagnostics()
    assert diag["nominal_count"] == 1 and diag["effective_count"] == 1.0
    assert diag["degenerate_pairs"] == [["a", "b", pytest.approx(1.0)]]


def test_assess_is_the_same_on_a_rebuilt_map():
    """The memo answers from contents: equal samples rebuilt from lists give equal results."""
    samples = sampled({"a": U, "b": mix(0.5)})
    rebuilt = {n: Samples.from_list(s.as_list()) for n, s in samples.items()}
    assert signal_independence.assess(rebuilt, CFG) == signal_independence.assess(samples, CFG)


@given(
    st.lists(
        st.tuples(st.integers(0, 600), st.floats(allow_nan=False, allow_infinity=False)),
        max_size=60,
    )
)
def test_packed_samples_come_back_equal_bit_for_bit(recorded: list[tuple[int, float]]):
    """A book's samples go to its changelog as binary columns and return identical."""
    samples, period = Samples(), 28_000_000
    for gap, value in recorded:
        period += gap
        samples = samples.record(period, value, 500)
    back = Samples.from_packed(samples.as_packed())
    assert back == samples
    assert [math.copysign(1.0, v) for _, v in back.all_points()] == [
        math.copysign(1.0, v) for _, v in samples.all_points()
    ]


def test_assess_under_a_larger_min_samples_does_not_reuse_an_earlier_correlation():
    """assess is a function of (samples, cfg): the call before it does not change its answer."""
    strict = IndependenceConfig(min_samples=20)
    fresh = signal_independence.assess(sampled({"a": U, "b": mix(0.5)}), strict)
    assert fresh.effective == 2.0  # 12 completed periods < 20: no r
    samples = sampled({"a": U, "b": mix(0.5)})
    assert signal_independence.assess(samples, CFG).effective == pytest.approx(1.6)
    assert signal_independence.assess(samples, strict) == fresh


def test_pair_stats_under_the_same_minimum_are_stable():
    """The cache answers what a fresh computation would, for the same minimum."""
    a = Completed(tuple(enumerate(U)))
    b = Completed(tuple(enumerate(mix(0.5))))
    first = completed_stats(a, b, "b", 10)
    assert first.r == pytest.approx(0.5, rel=1e-9)
    assert completed_stats(a, b, "b", 10) == first
    assert completed_stats(Completed(a.points), b, "b", 10) == first


def test_strategies_identical_in_their_only_period_count_as_one_voice():
    """Warm-up twins are one voice in the ensemble, so one in the effective count too."""
    samples = sampled({"x": U, "y": mix(0.5)})
    for name in ("a", "b"):
        samples = signal_independence.record(samples, name, 0.1, 12, CFG)
    assert signal_independence.same_voice(samples, "a", "b", CFG)
    out = signal_independence.assess(samples, CFG)
    assert out.voices == 3
    assert out.effective == pytest.approx(9.0 / 3.5)


def test_pair_caches_do_not_keep_older_periods_alive() -> None:
    def live() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if type(o) is Completed)

    before = live()
    a, b = Completed(((0, 1.0),)), Completed(((0, 2.0),))
    for i in range(1, 500):  # two series closing periods in turn, each cached against the other
        a = Completed((*a.points, (i, float(i % 7))))
        completed_stats(a, b, "b", 3)
        b = Completed((*b.points, (i, float(i % 5))))
        completed_stats(b, a, "a", 3)
    assert live() - before <= 2


VALUES = st.sampled_from([-1.0, 0.0, 1.0])


@given(
    st.lists(st.lists(VALUES, max_size=3), min_size=5, max_size=5),
    st.lists(st.tuples(st.integers(0, 4), VALUES), max_size=30),
)
def test_warm_up_joins_checked_again_only_for_the_signalling_series_equal_a_full_check(
    histories: list[list[float]], signals: list[tuple[int, float]]
):
    """Within a period each signal moves one series; the memo must answer as a full check."""
    names = [f"s{i}" for i in range(5)]
    samples = {}
    for name, history in zip(names, histories, strict=True):
        series = Samples()
        for period, value in enumerate(history, start=3 - len(history)):
            series = series.record(period, value, 500)
        samples[name] = series.record(3, 0.0, 500)  # every one open in period 3
    known = signal_independence.assess_pairs(samples, CFG, None).verdicts
    for i, value in signals:
        samples = {**samples, names[i]: samples[names[i]].record(3, value, 500)}
        got = signal_independence.assess_pairs(samples, CFG, known)
        full = {p for p in known.unknown if identical_so_far(samples[p[0]], samples[p[1]])}
        assert got.joined == known.joined | full
