"""Enumerations of the contract; parsing is case-insensitive and never defaults."""

import reprlib
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator


class Regime(StrEnum):
    TRENDING_UP = "TRENDING_UP"
    TRENDING_DOWN = "TRENDING_DOWN"
    RANGING = "RANGING"
    HIGH_VOLATILITY = "HIGH_VOLATILITY"
    CRISIS = "CRISIS"


class Action(StrEnum):
    STRONG_BUY = "STRONG_BUY"
    BUY = "BUY"
    HOLD = "HOLD"
    SELL = "SELL"
    STRONG_SELL = "STRONG_SELL"


class Trend(StrEnum):
    BULLISH = "BULLISH"
    BEARISH = "BEARISH"
    NEUTRAL = "NEUTRAL"


class Side(StrEnum):
    LONG = "LONG"
    SHORT = "SHORT"
    FLAT = "FLAT"


class CascadeRecommendation(StrEnum):
    EXIT = "EXIT"
    REDUCE_75 = "REDUCE_75%"
    REDUCE_50 = "REDUCE_50%"
    MONITOR = "MONITOR"


class TradingState(StrEnum):
    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"


# L2 names its flight-to-safety regime CRISIS_FLIGHT; L3 treats it as CRISIS (seed 000 §11.4).
_REGIME_ALIASES = {"CRISIS_FLIGHT": "CRISIS"}


# A hostile name can be 60,000 characters long: a reason shows its ends only.
_SHORT = reprlib.Repr()
_SHORT.maxstring = 40


def _parser(enum: type[StrEnum], aliases: dict[str, str] | None = None) -> Callable[[Any], Any]:
    """A case-insensitive parser that rejects unknown names instead of defaulting."""
    names = ", ".join(m.value for m in enum)
    label = enum.__name__.lower()
    # A dict, not `enum(key)`: that call runs the Enum machinery in Python, per message field.
    members: dict[str, Any] = {m.value: m for m in enum}
    members.update({alias: enum(name) for alias, name in (aliases or {}).items()})

    def parse(value: Any) -> Any:
        if isinstance(value, enum) or not isinstance(value, str):
            return value
        found = members.get(value.strip().upper())
        if found is None:
            shown = _SHORT.repr(value)
            raise ValueError(f"unknown {label} {shown}; expected one of {names}")
        return found

    return parse


_parse_regime = _parser(Regime, _REGIME_ALIASES)


def parse_regime(value: str) -> "Regime":
    """Map an L2 regime name to a Regime; unknown names raise ValueError."""
    result: Regime = _parse_regime(value)
    return result


RegimeField = Annotated[Regime, BeforeValidator(_parse_regime)]
ActionField = Annotated[Action, BeforeValidator(_parser(Action))]
TrendField = Annotated[Trend, BeforeValidator(_parser(Trend))]

BULLISH_ACTIONS = frozenset({Action.STRONG_BUY, Action.BUY})
BEARISH_ACTIONS = frozenset({Action.STRONG_SELL, Action.SELL})


class Reason(StrEnum):
    """Machine codes in a decision's `reasons`: why the size is what it is."""

    HOLD = "hold"
    ZERO_CONFIDENCE = "zero_confidence"
    NON_POSITIVE_EDGE = "non_positive_edge"
    NO_REGIME = "no_regime"
    NO_CASCADE = "no_cascade"
    SENTIMENT_CONTRADICTION = "sentiment_contradiction"
    CONFORMAL_WIDTH = "conformal_width"
    REGIME_REDUCTION = "regime_reduction"
    CASCADE_EXIT = "cascade_exit"
    CASCADE_REDUCE_75 = "cascade_reduce_75"
    CASCADE_REDUCE_50 = "cascade_reduce_50"
    POSITION_BUDGET = "position_budget"
    NO_PORTFOLIO_SNAPSHOT = "no_portfolio_snapshot"
    STALE_PORTFOLIO_SNAPSHOT = "stale_portfolio_snapshot"
    MISSING_PRICE = "missing_price"
    STRATEGY_BUDGET = "strategy_budget"
    ENSEMBLE_PENALTY = "ensemble_penalty"
    SIGNAL_INDEPENDENCE = "signal_independence"
    CAPITAL_LIMIT = "capital_limit"
    CORRELATION_BUDGET = "correlation_budget"
    PORTFOLIO_BUDGET = "portfolio_budget"
    CONCENTRATION_GATE = "concentration_gate"
    POSITION_SWING = "position_swing"
    TRADING_STATE_REDUCING = "trading_state_reducing"
    KILL_SWITCH = "kill_switch"
    BOOK_FULL = "book_full"
    PORTFOLIO_LIMIT = "portfolio_limit"
