"""Stage 2, last steps: concentration gate (seed 004 §3), then the trading state, the most
restrictive of kill switch (seed 003 §1c) and swing governor (seed 003 §1b)."""

from typing import Final, final

from schemas.config import SizingConfig
from schemas.enums import TradingState
from sizing import kill_switch, risk_limits, swing_governor
from sizing.members import (
    ACTIVE,
    CONCENTRATION_GATE,
    HALTED,
    KILL_SWITCH,
    POSITION_SWING,
    REDUCING,
    TRADING_STATE_REDUCING,
)
from sizing.portfolio_book import PortfolioBook
from sizing.portfolio_state import PortfolioState
from sizing.stage2_input import Stage1Input
from sizing.stage2_steps import Steps
from sizing.values import Value


@final
class RiskStep(Value):
    __slots__ = ("current", "net_delta", "state", "swing", "verdict")

    def __init__(
        self,
        state: TradingState,
        verdict: kill_switch.Verdict,
        swing: swing_governor.Swing,
        net_delta: float,
        current: float,
    ) -> None:
        self.state: Final = state
        self.verdict: Final = verdict
        self.swing: Final = swing
        self.net_delta: Final = net_delta
        self.current: Final = current


def apply(
    s1: Stage1Input,
    portfolio: PortfolioState | None,
    book: PortfolioBook,
    equity: float,
    limit: float,
    steps: Steps,
    reasons: list[str],
    cfg: SizingConfig,
) -> RiskStep:
    """Concentration gate, then the most restrictive of kill switch and swing governor."""
    current = 0.0 if portfolio is None else portfolio.position_usd(s1.symbol)
    net_delta = 0.0 if portfolio is None else portfolio.net_market_value_usd / equity
    gated = risk_limits.concentration_gate(steps.size, current, net_delta, cfg.concentration)
    steps.set_if_changed("concentration_gate", gated, reasons, CONCENTRATION_GATE)

    kill = None if portfolio is None else portfolio.kill
    verdict = kill_switch.evaluate(kill, s1.timestamp_ns, cfg.kill_switch)
    marks = book.swings.get(s1.symbol, ())
    swing = swing_governor.measure(
        marks, s1.timestamp_ns, steps.size / equity, limit / equity, cfg.swing
    )
    swing_state = REDUCING if swing.exceeded else ACTIVE
    state = risk_limits.most_restrictive(verdict.state, swing_state)
    restricted = risk_limits.restrict(steps.size, current, state)
    if restricted != steps.size:
        if swing.exceeded:
            reasons.append(POSITION_SWING)
        why = KILL_SWITCH if state is HALTED else TRADING_STATE_REDUCING
        steps.set_if_changed("trading_state", restricted, reasons, why)
    return RiskStep(state, verdict, swing, net_delta, current)
