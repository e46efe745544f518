"""`components.ensemble`, `components.budgets` and `components.risk` of a decision."""

from typing import TYPE_CHECKING, Any

from schemas.config import SizingConfig
from schemas.enums import Reason
from sizing import ensemble
from sizing.members import CONCENTRATION_GATE
from sizing.portfolio_book import PortfolioBook
from sizing.portfolio_state import PortfolioState

if TYPE_CHECKING:
    from sizing.stage2_ensemble import EnsembleStep
    from sizing.stage2_limits import LimitsStep
    from sizing.stage2_risk import RiskStep

BUDGET_REASONS = frozenset(
    {
        Reason.POSITION_BUDGET,
        Reason.STRATEGY_BUDGET,
        Reason.PORTFOLIO_BUDGET,
        Reason.CORRELATION_BUDGET,
        Reason.CAPITAL_LIMIT,
    }
)


def use(used: float, limit: float) -> dict[str, float]:
    return {"limit_usd": limit, "used_usd": used, "utilisation": used / limit if limit > 0 else 0.0}


def components(
    portfolio: PortfolioState | None,
    book: PortfolioBook,
    equity: float,
    final: float,
    gross_usd: float,
    ens: "EnsembleStep",
    lim: "LimitsStep",
    risk: "RiskStep",
    reasons: list[str],  # without repeats
    cfg: SizingConfig,
    evicted: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "ensemble": {
            "strategy_wish_pct": ens.wish,
            "voices": [{"strategies": list(v.strategies), "wish_pct": v.wish} for v in ens.voices],
            "stacked_pct": ens.stacked.target,
            "weights": ens.weights,
            "drift": ensemble.drift(book.weights, ens.weights, cfg.ensemble),
            "independence": ens.independence.diagnostics(),
            "book": {
                "strategies": len(ens.samples),
                "max_strategies": cfg.ensemble.max_strategies,
                "evicted_idle": list(evicted),
                "full": Reason.BOOK_FULL in reasons,
            },
            "correlation": {
                "correlated": lim.correlated,
                "cluster_exposure_usd": lim.cluster_usd,
                "max_correlation": cfg.correlation.max_correlation,
            },
        },
        "budgets": {
            "equity_usd": equity,
            "equity_source": "config" if portfolio is None else "snapshot",
            "position": use(abs(final), lim.position_limit),
            "strategy": use(ens.strategy_used_pct * equity, cfg.budgets.strategy_pct * equity),
            "portfolio": use(gross_usd, lim.portfolio_limit),
            "capital_limit": lim.capital.diagnostics,
            "breaches": [r for r in reasons if r in BUDGET_REASONS],
        },
        "risk": {
            "trading_state": risk.state,
            "kill_switch": risk.verdict.diagnostics,
            "swing": {
                "swing": risk.swing.swing,
                "low_pct": risk.swing.low,
                "high_pct": risk.swing.high,
                "max_swing": cfg.swing.max_swing,
                "exceeded": risk.swing.exceeded,
            },
            "concentration": {
                "net_delta_pct": risk.net_delta,
                "limit_pct": cfg.concentration.max_net_delta_pct,
                "blocked": CONCENTRATION_GATE in reasons,
            },
            "current_position_usd": risk.current,
            "snapshot_as_of_ns": None if portfolio is None else portfolio.timestamp_ns,
        },
    }
