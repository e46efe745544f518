"""What stage 2 reads of a stage-1 result (the `himari.l3.sized` record), decoded."""

import math
from typing import NamedTuple

from schemas.enums import BEARISH_ACTIONS, BULLISH_ACTIONS, Action, Reason


class Stage1Input(NamedTuple):
    """What stage 2 needs of a stage-1 result (decoded from `himari.l3.sized`)."""

    strategy_id: str
    symbol: str
    decision_id: str
    timestamp_ns: int
    action: Action
    price: float
    fraction: float
    strategy_fraction: float
    symbol_multiplier: float
    predicted_volatility: float | None
    waterfall: tuple[tuple[str, float, float | None], ...]
    reasons: tuple[str, ...]


def direction(action: Action) -> float:
    if action in BULLISH_ACTIONS:
        return 1.0
    return -1.0 if action in BEARISH_ACTIONS else 0.0


def guard_price(s1: Stage1Input) -> Reason | None:
    return None if math.isfinite(s1.price) and s1.price > 0.0 else Reason.MISSING_PRICE
