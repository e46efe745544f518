"""Which strategies a portfolio's book holds: idle ones leave it, and it holds at most
`ensemble.max_strategies`, so its record, its weight snapshots and the pairwise independence
work stay bounded however many strategies come and go. Pure.
"""

import math

from schemas.config import SizingConfig
from sizing.portfolio_book import PortfolioBook


def idle_periods(cfg: SizingConfig) -> int:
    """`strategy_idle_s` in independence periods, the clock the samples keep."""
    return max(1, math.ceil(cfg.ensemble.strategy_idle_s / cfg.independence.period_s))


def idle_strategies(
    book: PortfolioBook, strategy: str, period: int, cfg: SizingConfig
) -> tuple[str, ...]:
    """The book's strategies (not `strategy`) with no signal in the last `strategy_idle_s`.

    A strategy with views and no samples (silent past the samples' window) is idle too.
    """
    since = period - idle_periods(cfg)
    idle = []
    for name in book.strategies():
        held = book.samples.get(name)
        if name != strategy and (held is None or held.period is None or held.period < since):
            idle.append(name)
    return tuple(sorted(idle))


def evictions(
    book: PortfolioBook, strategy: str, period: int, cfg: SizingConfig
) -> tuple[str, ...]:
    """`idle_strategies`, looked for once per strategy per period: when its own samples move
    to a new period. A function of the book's state, so a recovered book evicts the same."""
    held = book.samples.get(strategy)
    if held is not None and held.period == period:
        return ()
    return idle_strategies(book, strategy, period, cfg)


def admits(book: PortfolioBook, strategy: str, cfg: SizingConfig) -> bool:
    """Whether `strategy` may take a place in the book (it holds one, or one is free)."""
    if strategy in book.samples or strategy in book.views.by_strategy:
        return True
    return len(book.strategies()) < cfg.ensemble.max_strategies
