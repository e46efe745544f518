"""Stage 2, first steps: the strategy budget on the new view, every strategy's view of the
symbol stacked (seed 000 §11.7), then the signal-independence scale (seed 003 §4a)."""

from typing import NamedTuple

from schemas.config import SizingConfig
from schemas.enums import Reason
from sizing import correlation_monitor, ensemble, signal_independence
from sizing.portfolio_book import PortfolioBook
from sizing.rolling_samples import Samples
from sizing.stage2_input import Stage1Input, direction
from sizing.stage2_steps import Steps


def strategy_budget(
    s1: Stage1Input, book: PortfolioBook, sign: float, cfg: SizingConfig
) -> tuple[float, float, float]:
    """The strategy's new view of the symbol, the share of it kept so the strategy's gross stays
    in its budget, and that gross afterwards (fractions of equity)."""
    wish = sign * s1.strategy_fraction
    others = book.views.strategy_gross(s1.strategy_id, excluding=s1.symbol)
    allowed = max(0.0, cfg.budgets.strategy_pct - others)
    kept = 1.0 if abs(wish) <= allowed else allowed / abs(wish)
    return wish * kept, kept, others + abs(wish) * kept


class EnsembleStep(NamedTuple):
    wish: float
    views: ensemble.Views
    samples: dict[str, Samples]
    voices: tuple[ensemble.Voice, ...]
    stacked: ensemble.Stack
    strategy_used_pct: float
    independence: signal_independence.Independence


def apply(
    s1: Stage1Input,
    book: PortfolioBook,
    equity: float,
    steps: Steps,
    reasons: list[str],
    cfg: SizingConfig,
) -> EnsembleStep:
    """Strategy budget on the new view, then every strategy's view stacked, then independence."""
    wish, kept, used = strategy_budget(s1, book, direction(s1.action), cfg)
    if kept < 1.0:
        steps.scale("strategy_budget", kept, reasons, Reason.STRATEGY_BUDGET)
    views = book.views.with_wish(s1.symbol, s1.strategy_id, wish)
    period = correlation_monitor.period_of(s1.timestamp_ns, cfg.independence.period_s)
    net = views.net.get(s1.strategy_id, 0.0)
    samples = signal_independence.record(
        book.samples, s1.strategy_id, net, period, cfg.independence
    )
    voices = ensemble.voices(views.by_symbol.get(s1.symbol, {}), samples, cfg.independence)
    stacked = ensemble.stack(voices, cfg.ensemble)
    steps.set("ensemble", stacked.target * s1.symbol_multiplier * equity)
    if stacked.penalised:
        reasons.append(Reason.ENSEMBLE_PENALTY)
    independence = signal_independence.assess(samples, cfg.independence)
    if independence.scale < 1.0:
        steps.scale("signal_independence", independence.scale, reasons, Reason.SIGNAL_INDEPENDENCE)
    return EnsembleStep(wish, views, samples, voices, stacked, used, independence)
