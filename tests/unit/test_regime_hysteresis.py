"""Seed 000 §11.2 regime hysteresis, with our deviation: the first observation is adopted."""

import pydantic
import pytest
from factories import CFG, TS

from schemas.enums import Regime, parse_regime
from schemas.messages import RegimeObservation
from sizing import regime_hysteresis, state_updates
from sizing.refs import InputRef
from sizing.regime_hysteresis import RegimeState

UP, DOWN, RNG, HV, CR = (
    Regime.TRENDING_UP,
    Regime.TRENDING_DOWN,
    Regime.RANGING,
    Regime.HIGH_VOLATILITY,
    Regime.CRISIS,
)


def feed(regimes, state=None, start_ns=TS):
    state = state or RegimeState()
    for i, regime in enumerate(regimes):
        state = regime_hysteresis.update(state, regime, start_ns + i, CFG.regime)
    return state


def test_state_starts_with_no_regime_and_adopts_the_first_observation():
    assert RegimeState().current is None
    state = feed([HV])
    assert (state.current, state.candidate, state.confirmation_count) == (HV, None, 0)
    assert state.false_flip_count == 0


# Observations after the first one (RANGING) → current, candidate, count, false flips
SEQUENCES = [
    ([RNG], RNG, None, 0, 0),
    ([HV], RNG, HV, 1, 0),
    ([HV, HV], RNG, HV, 2, 0),
    ([HV, HV, HV], HV, None, 0, 0),  # confirmed on exactly the third
    ([HV, HV, HV, HV], HV, None, 0, 0),
    ([HV, RNG], RNG, None, 0, 1),  # candidate reverted to current: a false flip
    ([HV, HV, RNG], RNG, None, 0, 1),
    ([HV, UP], RNG, UP, 1, 1),  # candidate abandoned for another: a false flip
    ([HV, HV, UP, UP, UP], UP, None, 0, 1),
    ([HV, RNG, HV, RNG], RNG, None, 0, 2),
    ([HV, UP, DOWN, CR], RNG, CR, 1, 3),
    ([HV, HV, RNG, HV, HV, HV], HV, None, 0, 1),
    ([CR, CR, CR, RNG], CR, RNG, 1, 0),
    ([CR, CR, CR, RNG, RNG, RNG], RNG, None, 0, 0),
]


@pytest.mark.parametrize(("seq", "current", "candidate", "count", "flips"), SEQUENCES)
def test_hysteresis_sequence(seq, current, candidate, count, flips):
    state = feed([RNG, *seq])
    assert state.current is current
    assert state.candidate is candidate
    assert state.confirmation_count == count
    assert state.false_flip_count == flips


def test_confirmation_records_a_transition_at_the_confirming_timestamp():
    state = feed([RNG, HV, HV, HV], start_ns=TS)
    last = state.transitions[-1]
    assert (last.from_regime, last.to_regime, last.timestamp_ns) == (RNG, HV, TS + 3)
    assert last.as_dict() == {"timestamp_ns": TS + 3, "from": "RANGING", "to": "HIGH_VOLATILITY"}


def test_unconfirmed_candidates_record_no_transition():
    before = feed([RNG])
    after = feed([HV, HV, RNG, UP], state=before)
    assert after.transitions == before.transitions


def test_transition_history_keeps_the_last_ten():
    cycle = [UP, DOWN, HV, CR, RNG]
    targets = [cycle[i % 5] for i in range(12)]  # 12 confirmed switches after RANGING
    seq = [RNG] + [r for r in targets for _ in range(3)]
    state = feed(seq, start_ns=0)
    assert len(state.transitions) == 10
    expected_to = targets[-10:]
    expected_from = ([RNG, *targets])[-11:-1]
    assert [t.to_regime for t in state.transitions] == expected_to
    assert [t.from_regime for t in state.transitions] == expected_from
    assert [t.timestamp_ns for t in state.transitions] == [3 * (i + 1) for i in range(2, 12)]


def test_diagnostics_show_progress_and_false_flips():
    state = feed([RNG, HV, UP, UP])
    diag = state.diagnostics(CFG.regime.hysteresis_periods)
    assert diag["current_regime"] is RNG
    assert diag["candidate_regime"] is UP
    assert diag["confirmation_progress"] == "2/3"
    assert diag["false_flip_count"] == 1


def test_update_leaves_the_input_state_untouched_and_stamps_source():
    start = feed([RNG])
    src = InputRef("himari.l2.regime", 0, 7)
    new = regime_hysteresis.update(start, HV, TS + 99, CFG.regime, src)
    assert start == feed([RNG])
    assert (new.last_update_ns, new.source) == (TS + 99, src)


def test_a_late_observation_leaves_the_stamp_at_the_latest_event_time():
    start = regime_hysteresis.update(RegimeState(), RNG, TS + 50, CFG.regime)
    late = regime_hysteresis.update(start, RNG, TS, CFG.regime)
    assert late.last_update_ns == late.last_event_ns == TS + 50


def test_state_round_trips_through_its_table_form():
    state = feed([RNG, HV, HV, HV, UP])
    assert RegimeState.from_dict(state.as_dict()) == state


@pytest.mark.parametrize(
    ("regime", "mult"), [(UP, 1.2), (DOWN, 0.8), (RNG, 1.0), (HV, 0.6), (CR, 0.2)]
)
def test_regime_multiplier(regime, mult):
    assert regime_hysteresis.multiplier(regime, CFG.regime) == mult


@pytest.mark.parametrize("name", ["CRISIS_FLIGHT", "crisis_flight", " Crisis_Flight ", "CRISIS"])
def test_crisis_flight_is_crisis(name):
    msg = RegimeObservation(timestamp_ns=TS, symbol="BTC", regime=name)
    assert msg.regime is CR
    assert parse_regime(name) is CR
    state = state_updates.on_regime(msg, None, CFG, InputRef("himari.l2.regime", 0, 1))
    assert state.current is CR
    assert regime_hysteresis.multiplier(state.current, CFG.regime) == 0.2


@pytest.mark.parametrize("name", ["trending_up", "Trending_Down", "ranging", "HIGH_volatility"])
def test_regime_names_parse_case_insensitively(name):
    msg = RegimeObservation(timestamp_ns=TS, symbol="BTC", regime=name)
    assert msg.regime.value == name.upper()


@pytest.mark.parametrize("name", ["BULL_MARKET", "SIDEWAYS", "", "CRISIS-FLIGHT", "TRENDING"])
def test_unknown_regime_is_an_error_not_ranging(name):
    with pytest.raises(pydantic.ValidationError) as err:
        RegimeObservation(timestamp_ns=TS, symbol="BTC", regime=name)
    assert "regime" in str(err.value)
    with pytest.raises(ValueError, match="unknown regime"):
        parse_regime(name)


def test_unknown_regime_in_tactical_signal_names_the_field():
    from factories import signal

    with pytest.raises(pydantic.ValidationError) as err:
        signal(regime="MOONING")
    assert "regime" in str(err.value)
