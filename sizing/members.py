"""The enum members (and member sets) the core reads for every signal, as static constants.

Under mypyc `TradingState.HALTED` is a class-attribute lookup (about 80 ns) while a module-level
`Final` loads statically, and a signal reads a few dozen members. Cold paths keep `Reason.X`.
"""

from typing import Final

from schemas import enums
from schemas.enums import Action, Reason, Side, TradingState, Trend

ACTIVE: Final = TradingState.ACTIVE
REDUCING: Final = TradingState.REDUCING
HALTED: Final = TradingState.HALTED

LONG: Final = Side.LONG
SHORT: Final = Side.SHORT
FLAT: Final = Side.FLAT

HOLD_ACTION: Final = Action.HOLD  # not Reason.HOLD
BULLISH_ACTIONS: Final = enums.BULLISH_ACTIONS
BEARISH_ACTIONS: Final = enums.BEARISH_ACTIONS

BULLISH: Final = Trend.BULLISH
BEARISH: Final = Trend.BEARISH

STRATEGY_BUDGET: Final = Reason.STRATEGY_BUDGET
ENSEMBLE_PENALTY: Final = Reason.ENSEMBLE_PENALTY
SIGNAL_INDEPENDENCE: Final = Reason.SIGNAL_INDEPENDENCE
CAPITAL_LIMIT: Final = Reason.CAPITAL_LIMIT
POSITION_BUDGET: Final = Reason.POSITION_BUDGET
CORRELATION_BUDGET: Final = Reason.CORRELATION_BUDGET
PORTFOLIO_BUDGET: Final = Reason.PORTFOLIO_BUDGET
CONCENTRATION_GATE: Final = Reason.CONCENTRATION_GATE
POSITION_SWING: Final = Reason.POSITION_SWING
KILL_SWITCH: Final = Reason.KILL_SWITCH
TRADING_STATE_REDUCING: Final = Reason.TRADING_STATE_REDUCING
MISSING_PRICE: Final = Reason.MISSING_PRICE
SENTIMENT_CONTRADICTION: Final = Reason.SENTIMENT_CONTRADICTION
CONFORMAL_WIDTH: Final = Reason.CONFORMAL_WIDTH
NON_POSITIVE_EDGE: Final = Reason.NON_POSITIVE_EDGE
REGIME_REDUCTION: Final = Reason.REGIME_REDUCTION
