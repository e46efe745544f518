"""The decision's waterfall as stage 2 extends it: signed USD after each step, with multipliers.

A step's multiplier is its size over the one before (None after a zero), so the product of the
multipliers is the final size over the first whenever no size on the way was zero.
"""

import math
from typing import Any


class Steps:
    def __init__(self, items: list[dict[str, Any]], size: float) -> None:
        self.items = items
        self.size = size

    @classmethod
    def from_stage1(cls, waterfall: list[dict[str, Any]], factor: float) -> "Steps":
        """The sized record's fractions of equity, turned into signed USD (factor = ±equity)."""
        items = []
        size = 0.0
        for s in waterfall:
            size = float(s["fraction"]) * factor + 0.0
            mult = s["multiplier"]
            items.append({"step": s["step"], "size_usd": size, "multiplier": mult})
        return cls(items, size)

    def set(self, step: str, size: float) -> None:
        size += 0.0  # no negative zero on the wire
        mult = size / self.size if self.size != 0.0 else None
        self.items.append({"step": step, "size_usd": size, "multiplier": mult})
        self.size = size

    def set_if_changed(self, step: str, size: float, reasons: list[str], reason: str) -> None:
        if size != self.size:
            self.set(step, size)
            reasons.append(reason)

    def scale(self, step: str, factor: float, reasons: list[str], reason: str) -> None:
        self.set_if_changed(step, self.size * factor, reasons, reason)

    def cap(self, step: str, limit: float, reasons: list[str], reason: str) -> None:
        """|size| ≤ limit, keeping the sign."""
        if abs(self.size) > limit:
            self.set_if_changed(step, math.copysign(limit, self.size), reasons, reason)

    def as_list(self) -> list[dict[str, Any]]:
        return self.items
