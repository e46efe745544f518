"""Position swing governor (seed 003 §1b): how far a symbol's target moved in the last window.

The window is kept as high/low watermarks per tenth of it, so its size is bounded whatever the
signal rate; the swing is (high − low) / position limit, the proposed target included.
"""

from typing import Final, final

from schemas.config import SwingConfig
from sizing.values import Value

SLOTS = 10

Watermarks = tuple[tuple[int, float, float], ...]  # (slot, low, high), oldest first


@final
class Swing(Value):
    __slots__ = ("exceeded", "high", "low", "swing")

    def __init__(self, swing: float, low: float, high: float, exceeded: bool) -> None:
        self.swing: Final = swing
        self.low: Final = low
        self.high: Final = high
        self.exceeded: Final = exceeded


def slot_of(timestamp_ns: int, cfg: SwingConfig) -> int:
    return int(timestamp_ns // int(cfg.window_s * 1e9 / SLOTS))


def measure(
    marks: Watermarks, timestamp_ns: int, proposed: float, limit: float, cfg: SwingConfig
) -> Swing:
    """The swing if the symbol's target became `proposed` now (all figures in one unit)."""
    oldest = slot_of(timestamp_ns, cfg) - SLOTS  # slots after now stay: a late event erases nothing
    low = high = proposed
    for slot, lo, hi in marks:
        if slot > oldest:
            low = min(low, lo)
            high = max(high, hi)
    swing = (high - low) / limit if limit > 0.0 else 0.0
    return Swing(swing, low, high, swing > cfg.max_swing)


def record(marks: Watermarks, timestamp_ns: int, target: float, cfg: SwingConfig) -> Watermarks:
    now = slot_of(timestamp_ns, cfg)
    if marks and marks[-1][0] == now and marks[0][0] > now - SLOTS:  # the usual case
        _, low, high = marks[-1]
        if low <= target <= high:
            return marks
        return (*marks[:-1], (now, min(low, target), max(high, target)))
    live = [m for m in marks if m[0] > now - SLOTS]
    for i, (slot, low, high) in enumerate(live):
        if slot == now:
            live[i] = (slot, min(low, target), max(high, target))
            return tuple(live)
    live.append((now, target, target))
    live.sort()
    return tuple(live[-SLOTS:])
