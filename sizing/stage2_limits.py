"""Stage 2, limits: capital-proportional limit (seed 003 §1a), position budget, correlated
exposure sharing one budget (seed 002), portfolio gross budget."""

import math
from typing import Final, final

from schemas.config import SizingConfig
from sizing import correlation_monitor, risk_limits
from sizing.correlation_monitor import PriceSeries
from sizing.members import CAPITAL_LIMIT, CORRELATION_BUDGET, PORTFOLIO_BUDGET, POSITION_BUDGET
from sizing.portfolio_book import PortfolioBook
from sizing.stage2_input import Stage1Input, guard_price
from sizing.stage2_steps import Steps
from sizing.values import Value


def volatility(
    s1: Stage1Input, prices: dict[str, PriceSeries], cfg: SizingConfig
) -> tuple[float | None, str]:
    if s1.predicted_volatility is not None:
        return s1.predicted_volatility, "signal"
    vol = correlation_monitor.realised_daily_vol(prices.get(s1.symbol), cfg.correlation)
    return vol, "none" if vol is None else "prices"


def correlated_held(
    s1: Stage1Input,
    target: float,
    book: PortfolioBook,
    prices: dict[str, PriceSeries],
    cfg: SizingConfig,
) -> dict[str, float]:
    """Other symbols held on the same side whose returns correlate above the limit."""
    out = {}
    for other, held in book.targets.items():
        if other == s1.symbol or held * target <= 0.0:
            continue
        r = correlation_monitor.correlation(prices, s1.symbol, other, cfg.correlation)
        if r is not None and r > cfg.correlation.max_correlation:
            out[other] = r
    return out


@final
class LimitsStep(Value):
    __slots__ = (
        "capital",
        "cluster_usd",
        "correlated",
        "limit",
        "others_gross",
        "portfolio_limit",
        "position_limit",
        "prices",
    )

    def __init__(
        self,
        capital: risk_limits.CapitalLimit,
        position_limit: float,
        limit: float,
        prices: dict[str, PriceSeries],
        correlated: dict[str, float],
        cluster_usd: float,
        portfolio_limit: float,
        others_gross: float,
    ) -> None:
        self.capital: Final = capital
        self.position_limit: Final = position_limit
        self.limit: Final = limit  # the tighter of the position budget and the capital limit
        self.prices: Final = prices
        self.correlated: Final = correlated
        self.cluster_usd: Final = cluster_usd
        self.portfolio_limit: Final = portfolio_limit
        # Σ|target| of the book's other symbols, a fraction of equity.
        self.others_gross: Final = others_gross


def apply(
    s1: Stage1Input,
    book: PortfolioBook,
    equity: float,
    steps: Steps,
    reasons: list[str],
    cfg: SizingConfig,
) -> LimitsStep:
    """Capital limit, position budget, correlated exposure sharing one budget, portfolio gross."""
    prices = book.prices
    if guard_price(s1) is None:  # this price may close a period: realised vol must count it
        prices = correlation_monitor.record_price(
            book.prices, s1.symbol, s1.price, s1.timestamp_ns, cfg.correlation
        )
    vol, vol_source = volatility(s1, prices, cfg)
    capital = risk_limits.capital_limit(equity, vol, vol_source, cfg.capital_limit)
    position_limit = cfg.budgets.position_pct * equity
    limit = position_limit
    if cfg.capital_limit.enabled:
        steps.cap("capital_limit", capital.max_notional_usd, reasons, CAPITAL_LIMIT)
        limit = min(limit, capital.max_notional_usd)
    steps.cap("position_budget", position_limit, reasons, POSITION_BUDGET)

    correlated = correlated_held(s1, steps.size, book, prices, cfg)
    cluster_usd = math.fsum([abs(book.targets[o]) for o in correlated]) * equity
    if correlated:
        headroom = max(0.0, limit - cluster_usd)
        steps.cap("correlation_budget", headroom, reasons, CORRELATION_BUDGET)

    symbol = s1.symbol
    others = math.fsum([abs(t) for s, t in book.targets.items() if s != symbol])
    portfolio_limit = cfg.budgets.portfolio_pct * equity
    steps.cap(
        "portfolio_budget",
        max(0.0, portfolio_limit - others * equity),
        reasons,
        PORTFOLIO_BUDGET,
    )
    return LimitsStep(
        capital, position_limit, limit, prices, correlated, cluster_usd, portfolio_limit, others
    )
