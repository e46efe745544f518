"""Position swing governor (seed 003 §1b): high − low of a symbol's target over 300 s."""

import pytest
from factories import TS

from schemas.config import SwingConfig
from sizing import swing_governor
from sizing.swing_governor import SLOTS, Swing

CFG = SwingConfig()
SEC = 1_000_000_000
SLOT_NS = int(CFG.window_s * 1e9 / SLOTS)  # 30 s
T0 = TS // SLOT_NS * SLOT_NS  # the start of a slot


def marks_of(*events: tuple[int, float], cfg: SwingConfig = CFG) -> swing_governor.Watermarks:
    marks: swing_governor.Watermarks = ()
    for ts, target in events:
        marks = swing_governor.record(marks, ts, target, cfg)
    return marks


def test_defaults_are_a_300_s_window_in_10_slots_and_a_max_swing_of_1_5():
    """Seed 003 §1b numbers."""
    assert (CFG.window_s, SLOTS, CFG.max_swing, SLOT_NS) == (300.0, 10, 1.5, 30 * SEC)


def test_with_no_history_the_swing_is_zero():
    """Only the proposed target: high = low."""
    assert swing_governor.measure((), T0, 0.1, 0.15, CFG) == Swing(0.0, 0.1, 0.1, False)


# recorded (seconds after T0, target), measure at seconds, proposed, limit → swing, exceeded
SWING_TABLE = [
    ([(0, 0.0), (40, 0.10)], 60, -0.05, 0.15, 1.0, False),
    ([(0, 0.0), (40, 0.10)], 60, -0.15, 0.15, 0.25 / 0.15, True),
    ([(0, 1.0)], 10, -0.5, 1.0, 1.5, False),  # exactly at the limit is not past it
    ([(0, 1.0)], 10, -0.5, 0.5, 3.0, True),
    ([(0, -0.5), (31, 1.0)], 60, 0.0, 1.0, 1.5, False),  # the window's low and high
    ([(0, 0.0), (40, 0.10)], 60, 0.05, 0.0, 0.0, False),  # no limit: no swing
]


@pytest.mark.parametrize(("events", "at", "proposed", "limit", "swing", "exceeded"), SWING_TABLE)
def test_swing_is_high_minus_low_over_the_limit_proposed_included(
    events, at, proposed, limit, swing, exceeded
):
    """swing = (max − min of the window's targets and the proposed one) / limit; > 1.5 exceeds."""
    marks = marks_of(*((T0 + s * SEC, t) for s, t in events))
    out = swing_governor.measure(marks, T0 + at * SEC, proposed, limit, CFG)
    assert out.swing == pytest.approx(swing, rel=1e-12)
    assert out.exceeded is exceeded


def test_targets_in_one_slot_share_one_watermark():
    """A slot keeps its low and high, not every target."""
    marks = marks_of((T0, 0.2), (T0 + SEC, -0.1), (T0 + 29 * SEC, 0.05))
    assert marks == ((T0 // SLOT_NS, -0.1, 0.2),)


@pytest.mark.parametrize(
    ("after_s", "live"), [(269, True), (299, True), (300, False), (900, False)]
)
def test_slots_expire_once_the_window_has_passed(after_s, live):
    """A slot counts while it lies within the last 10 slots of the measuring time."""
    marks = marks_of((T0, 1.0))
    out = swing_governor.measure(marks, T0 + after_s * SEC, 0.0, 1.0, CFG)
    assert out.swing == (1.0 if live else 0.0)


def test_recording_drops_expired_slots():
    """The watermarks hold the window only."""
    marks = marks_of((T0, 1.0), (T0 + 300 * SEC, 0.0))
    assert marks == ((T0 // SLOT_NS + 10, 0.0, 0.0),)


def test_watermarks_stay_bounded_whatever_the_signal_rate():
    """At most 10 slots, the newest, oldest first."""
    marks = marks_of(*((T0 + i * 31 * SEC, float(i)) for i in range(40)))
    assert len(marks) <= SLOTS
    slots = [m[0] for m in marks]
    assert slots == sorted(slots)
    assert marks[-1][1:] == (39.0, 39.0)


def test_a_late_event_does_not_erase_newer_slots():
    """A target older than the newest slot adds its own slot and keeps the newer ones."""
    marks = marks_of((T0 + 120 * SEC, 1.0), (T0 + 150 * SEC, -1.0))
    late = swing_governor.record(marks, T0, 0.25, CFG)
    assert [m[0] for m in late] == [T0 // SLOT_NS, T0 // SLOT_NS + 4, T0 // SLOT_NS + 5]
    out = swing_governor.measure(late, T0 + 160 * SEC, 0.0, 1.0, CFG)
    assert (out.low, out.high) == (-1.0, 1.0)


def test_a_late_event_older_than_the_window_keeps_the_newer_slots():
    """Even a late event a whole window old does not push newer watermarks out."""
    marks = marks_of(*((T0 + i * 30 * SEC, float(i)) for i in range(10)))
    late = swing_governor.record(marks, T0 - 600 * SEC, -5.0, CFG)
    assert late == marks
    out = swing_governor.measure(late, T0 + 280 * SEC, 4.5, 10.0, CFG)
    assert (out.low, out.high) == (0.0, 9.0)


def test_window_follows_its_config():
    """A 60 s window: slots of 6 s, so a target 60 s old has expired."""
    cfg = SwingConfig(window_s=60.0)
    marks = marks_of((T0, 1.0), cfg=cfg)
    assert swing_governor.measure(marks, T0 + 54 * SEC, 0.0, 1.0, cfg).swing == 1.0
    assert swing_governor.measure(marks, T0 + 60 * SEC, 0.0, 1.0, cfg).swing == 0.0
