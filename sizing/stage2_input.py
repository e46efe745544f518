"""What stage 2 reads of a stage-1 result (the `himari.l3.sized` record), decoded."""

import math
from typing import Any, Final, final

from schemas.enums import Action, Reason
from sizing.members import BEARISH_ACTIONS, BULLISH_ACTIONS, MISSING_PRICE
from sizing.values import Value


@final
class Stage1Input(Value):
    """What stage 2 needs of a stage-1 result (decoded from `himari.l3.sized`)."""

    __slots__ = (
        "action",
        "decision_id",
        "fraction",
        "predicted_volatility",
        "price",
        "reasons",
        "strategy_fraction",
        "strategy_id",
        "symbol",
        "symbol_multiplier",
        "timestamp_ns",
        "waterfall",
    )

    def __init__(
        self,
        strategy_id: str,
        symbol: str,
        decision_id: str,
        timestamp_ns: int,
        action: Action,
        price: float,
        fraction: float,
        strategy_fraction: float,
        symbol_multiplier: float,
        predicted_volatility: float | None,
        waterfall: list[dict[str, Any]],
        reasons: tuple[str, ...],
    ) -> None:
        self.strategy_id: Final = strategy_id
        self.symbol: Final = symbol
        self.decision_id: Final = decision_id
        self.timestamp_ns: Final = timestamp_ns
        self.action: Final = action
        self.price: Final = price
        self.fraction: Final = fraction
        self.strategy_fraction: Final = strategy_fraction
        self.symbol_multiplier: Final = symbol_multiplier
        self.predicted_volatility: Final = predicted_volatility
        # The sized record's steps as decoded; stage 2 reads them once, into its own.
        self.waterfall: Final = waterfall
        self.reasons: Final = reasons


def direction(action: Action) -> float:
    if action in BULLISH_ACTIONS:
        return 1.0
    return -1.0 if action in BEARISH_ACTIONS else 0.0


def guard_price(s1: Stage1Input) -> Reason | None:
    return None if math.isfinite(s1.price) and s1.price > 0.0 else MISSING_PRICE
