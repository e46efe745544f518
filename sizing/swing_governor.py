"""Position swing governor (seed 003 §1b): how far a symbol's target moved in the last window.

The window is kept as high/low watermarks per tenth of it, so its size is bounded whatever the
signal rate; the swing is (high − low) / position limit, the proposed target included.
"""

from typing import NamedTuple

from schemas.config import SwingConfig

SLOTS = 10

Watermarks = tuple[tuple[int, float, float], ...]  # (slot, low, high), oldest first


class Swing(NamedTuple):
    swing: float
    low: float
    high: float
    exceeded: bool


def slot_of(timestamp_ns: int, cfg: SwingConfig) -> int:
    return int(timestamp_ns // int(cfg.window_s * 1e9 / SLOTS))


def _live(marks: Watermarks, slot: int) -> Watermarks:
    # Slots after `slot` stay: a late event must not erase newer watermarks.
    return tuple(m for m in marks if m[0] > slot - SLOTS)


def measure(
    marks: Watermarks, timestamp_ns: int, proposed: float, limit: float, cfg: SwingConfig
) -> Swing:
    """The swing if the symbol's target became `proposed` now (all figures in one unit)."""
    live = _live(marks, slot_of(timestamp_ns, cfg))
    low = min([proposed, *(m[1] for m in live)])
    high = max([proposed, *(m[2] for m in live)])
    swing = (high - low) / limit if limit > 0.0 else 0.0
    return Swing(swing, low, high, swing > cfg.max_swing)


def record(marks: Watermarks, timestamp_ns: int, target: float, cfg: SwingConfig) -> Watermarks:
    slot = slot_of(timestamp_ns, cfg)
    live = _live(marks, slot)
    same = [m for m in live if m[0] == slot]
    if same:
        _, low, high = same[0]
        return tuple(
            (slot, min(low, target), max(high, target)) if m[0] == slot else m for m in live
        )
    return tuple(sorted((*live, (slot, target, target))))[-SLOTS:]
