"""Stage 2: the portfolio's target position in a symbol after a strategy's signal.

Ensemble → signal independence → capital limit → position budget → correlation budget →
portfolio budget → concentration gate → trading state. After the ensemble every step only
ever shrinks |target|, so each budget holds once it has been applied.
"""

from typing import Any, Final, final

from schemas.config import SizingConfig
from schemas.enums import Reason, Side, TradingState
from sizing import (
    book_membership,
    correlation_monitor,
    stage2_diagnostics,
    stage2_ensemble,
    stage2_limits,
    stage2_risk,
    swing_governor,
)
from sizing.members import FLAT, LONG, MISSING_PRICE, SHORT
from sizing.portfolio_book import BookUpdate, PortfolioBook
from sizing.portfolio_state import PortfolioState
from sizing.refs import InputRef
from sizing.stage2_input import Stage1Input, direction, guard_price
from sizing.stage2_steps import Steps
from sizing.values import Value

__all__ = ["PortfolioSize", "Stage1Input", "decide", "refuse", "size"]


@final
class PortfolioSize(Value):
    __slots__ = (
        "components",
        "reasons",
        "side",
        "strategy_size_usd",
        "target_position_usd",
        "target_quantity",
        "trading_state",
        "update",
        "waterfall",
    )

    def __init__(
        self,
        strategy_size_usd: float,
        target_position_usd: float,
        target_quantity: float,
        side: Side,
        trading_state: TradingState,
        waterfall: list[dict[str, Any]],
        reasons: list[str],
        components: dict[str, Any],
        update: BookUpdate,
    ) -> None:
        self.strategy_size_usd: Final = strategy_size_usd
        self.target_position_usd: Final = target_position_usd
        self.target_quantity: Final = target_quantity
        self.side: Final = side
        self.trading_state: Final = trading_state
        self.waterfall: Final = waterfall
        self.reasons: Final = reasons
        self.components: Final = components  # ensemble, budgets and risk
        self.update: Final = update  # for the caller to commit: `book.apply(update)`


def side_of(target_usd: float) -> Side:
    if target_usd > 0.0:
        return LONG
    return SHORT if target_usd < 0.0 else FLAT


def _equity(portfolio: PortfolioState | None, cfg: SizingConfig, reasons: list[str]) -> float:
    if portfolio is None:
        reasons.append(Reason.NO_PORTFOLIO_SNAPSHOT)
        return cfg.portfolio_value_usd
    return portfolio.equity_usd


def _guard_snapshot(
    s1: Stage1Input, portfolio: PortfolioState | None, cfg: SizingConfig
) -> Reason | None:
    age_s = 0.0 if portfolio is None else (s1.timestamp_ns - portfolio.timestamp_ns) / 1e9
    return Reason.STALE_PORTFOLIO_SNAPSHOT if age_s > cfg.max_snapshot_age_s else None


def size(
    s1: Stage1Input,
    portfolio: PortfolioState | None,
    book: PortfolioBook | None,
    cfg: SizingConfig,
    source: InputRef | None = None,
    refused: Reason | None = None,
) -> PortfolioSize:
    """Size one stage-1 result into the symbol's target; the book is read, not changed.

    `refused`: a reason that fails the decision closed whatever the steps say."""
    if book is None:
        book = PortfolioBook()
    period = correlation_monitor.period_of(s1.timestamp_ns, cfg.independence.period_s)
    evicted = book_membership.evictions(book, s1.strategy_id, period, cfg)
    if evicted:
        book = book.without(evicted)
    reasons = list(s1.reasons)
    admitted = book_membership.admits(book, s1.strategy_id, cfg)
    if not admitted:  # its view is left out; the symbol keeps the other strategies' views
        reasons.append(Reason.BOOK_FULL)
    equity = _equity(portfolio, cfg, reasons)
    steps = Steps.from_stage1(s1.waterfall, direction(s1.action) * equity)
    ens = stage2_ensemble.apply(s1, book, equity, steps, reasons, cfg, period, admitted)
    lim = stage2_limits.apply(s1, book, equity, steps, reasons, cfg)
    risk = stage2_risk.apply(s1, portfolio, book, equity, lim.limit, steps, reasons, cfg)
    failed = guard_price(s1) or refused or _guard_snapshot(s1, portfolio, cfg)
    if failed is not None:  # fail closed, after the book has taken the strategy's view
        steps.set_if_changed(failed.value, 0.0, reasons, failed)
        reasons.append(failed)

    final = steps.size
    target = final / equity
    gross_usd = (lim.others_gross + abs(target)) * equity
    marks = swing_governor.record(
        book.swings.get(s1.symbol, ()), s1.timestamp_ns, target, cfg.swing
    )
    update = BookUpdate(
        s1.symbol, s1.strategy_id, ens.wish, target, marks, ens.weights, lim.prices, ens.samples,
        ens.verdicts, source, s1.timestamp_ns, s1.decision_id, gross_usd, ens.strategy_gross, ens.strategy_net,
        evicted,
    )  # fmt: skip
    reasons = list(dict.fromkeys(reasons))
    components = stage2_diagnostics.components(
        portfolio, book, equity, final, gross_usd, ens, lim, risk, reasons, cfg, evicted
    )
    return PortfolioSize(
        strategy_size_usd=s1.fraction * equity,
        target_position_usd=final,
        target_quantity=final / s1.price if failed is not MISSING_PRICE else 0.0,
        side=side_of(final),
        trading_state=risk.state,
        waterfall=steps.as_list(),
        reasons=reasons,
        components=components,
        update=update,
    )


def refuse(
    s1: Stage1Input, portfolio: PortfolioState | None, cfg: SizingConfig, source: InputRef | None
) -> PortfolioSize:
    """The decision for a portfolio that its partition has no room for: flat, its update unused."""
    return size(s1, portfolio, PortfolioBook(), cfg, source, Reason.PORTFOLIO_LIMIT)


def decide(
    s1: Stage1Input,
    portfolio: PortfolioState | None,
    book: PortfolioBook,
    cfg: SizingConfig,
    source: InputRef | None = None,
) -> PortfolioSize:
    """`size`, then its update committed to `book`."""
    result = size(s1, portfolio, book, cfg, source)
    book.apply(result.update)
    return result
