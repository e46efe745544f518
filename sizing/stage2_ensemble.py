"""Stage 2, first steps: the strategy budget on the new view, every strategy's view of the
symbol stacked (seed 000 §11.7), then the signal-independence scale (seed 003 §4a)."""

import math
from typing import Final, final

from schemas.config import SizingConfig
from sizing import ensemble, signal_independence
from sizing.members import ENSEMBLE_PENALTY, SIGNAL_INDEPENDENCE, STRATEGY_BUDGET
from sizing.portfolio_book import PortfolioBook
from sizing.rolling_samples import Samples
from sizing.stage2_input import Stage1Input, direction
from sizing.stage2_steps import Steps
from sizing.values import Value


def strategy_budget(
    s1: Stage1Input, others: list[float], sign: float, cfg: SizingConfig
) -> tuple[float, float, float]:
    """The strategy's new view of the symbol, the share of it kept so the strategy's gross stays
    in its budget, and that gross afterwards (fractions of equity)."""
    wish = sign * s1.strategy_fraction
    used = math.fsum(map(abs, others))
    allowed = max(0.0, cfg.budgets.strategy_pct - used)
    kept = 1.0 if abs(wish) <= allowed else allowed / abs(wish)
    return wish * kept, kept, used + abs(wish) * kept


@final
class EnsembleStep(Value):
    __slots__ = (
        "independence",
        "samples",
        "stacked",
        "strategy_gross",
        "strategy_net",
        "strategy_used_pct",
        "verdicts",
        "voices",
        "weights",
        "wish",
    )

    def __init__(
        self,
        wish: float,
        weights: dict[str, float],
        samples: dict[str, Samples],
        voices: tuple[ensemble.Voice, ...],
        stacked: ensemble.Stack,
        strategy_used_pct: float,
        independence: signal_independence.Independence,
        verdicts: signal_independence.PairVerdicts,
        strategy_gross: float,
        strategy_net: float,
    ) -> None:
        self.wish: Final = wish
        self.weights: Final = weights  # every strategy's weight once this wish is in
        self.samples: Final = samples
        self.voices: Final = voices
        self.stacked: Final = stacked
        self.strategy_used_pct: Final = strategy_used_pct
        self.independence: Final = independence
        self.verdicts: Final = verdicts
        # The strategy's sums over its views once this wish is in, for `Views.commit_wish`.
        self.strategy_gross: Final = strategy_gross
        self.strategy_net: Final = strategy_net


def _gross_with(views: ensemble.Views, strategy: str, own_gross: float | None) -> dict[str, float]:
    gross = dict(views.gross)
    if own_gross is not None:
        gross[strategy] = own_gross
    else:
        gross.pop(strategy, None)
    return gross


def apply(
    s1: Stage1Input,
    book: PortfolioBook,
    equity: float,
    steps: Steps,
    reasons: list[str],
    cfg: SizingConfig,
    period: int,
    admitted: bool = True,
) -> EnsembleStep:
    """Strategy budget on the new view, then every strategy's view stacked, then independence.

    The book is read, never written: its views are taken as they will be once this wish is in.
    A strategy the book has no place for (not `admitted`) stays out of it: no view, no sample.
    `period` is the signal's independence period.
    """
    views, strategy = book.views, s1.strategy_id
    others = views.others(strategy, s1.symbol)
    sign = direction(s1.action) if admitted else 0.0
    wish, kept, used = strategy_budget(s1, others, sign, cfg)
    if kept < 1.0:
        steps.scale("strategy_budget", kept, reasons, STRATEGY_BUDGET)
    own = [*others, wish] if wish != 0.0 else others
    own_gross, own_net = math.fsum(map(abs, own)), math.fsum(own)
    independence_cfg = cfg.independence
    held = book.samples.get(strategy)
    if admitted:
        samples = signal_independence.record(
            book.samples, strategy, own_net, period, independence_cfg
        )
    else:
        samples = book.samples
    # No period closed and no strategy came or went: the book's pair verdicts still hold.
    unchanged = not admitted or (held is not None and held.period == period)
    assessed = signal_independence.assess_pairs(
        samples, independence_cfg, book.pair_verdicts if unchanged else None
    )
    on_symbol = views.on_symbol_with(s1.symbol, strategy, wish)
    voices = ensemble.voices(on_symbol, samples, assessed.joined)
    stacked = ensemble.stack(voices, cfg.ensemble)
    steps.set("ensemble", stacked.target * s1.symbol_multiplier * equity)
    if stacked.penalised:
        reasons.append(ENSEMBLE_PENALTY)
    independence = assessed.independence
    if independence.scale < 1.0:
        steps.scale("signal_independence", independence.scale, reasons, SIGNAL_INDEPENDENCE)
    weights = ensemble.weights(_gross_with(views, strategy, own_gross if own else None))
    return EnsembleStep(
        wish, weights, samples, voices, stacked, used, independence, assessed.verdicts,
        own_gross, own_net,
    )  # fmt: skip
