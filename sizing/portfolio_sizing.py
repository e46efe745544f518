"""Stage 2: the portfolio's target position in a symbol after a strategy's signal.

Ensemble → signal independence → capital limit → position budget → correlation budget →
portfolio budget → concentration gate → trading state. Every step only ever shrinks |target|
after the ensemble, so each budget holds once it has been applied.
"""

import math
from typing import Any, NamedTuple

from schemas.config import SizingConfig
from schemas.enums import BEARISH_ACTIONS, BULLISH_ACTIONS, Action, Reason, Side, TradingState
from sizing import (
    correlation_monitor,
    ensemble,
    kill_switch,
    risk_limits,
    signal_independence,
    stage2_diagnostics,
    swing_governor,
)
from sizing.correlation_monitor import PriceSeries
from sizing.portfolio_book import PortfolioBook, WeightSnapshot
from sizing.portfolio_state import PortfolioState
from sizing.refs import InputRef
from sizing.rolling_samples import Samples
from sizing.stage2_steps import Steps


class Stage1Input(NamedTuple):
    """What stage 2 needs of a stage-1 result (decoded from `himari.l3.sized`)."""

    strategy_id: str
    symbol: str
    decision_id: str
    timestamp_ns: int
    action: Action
    price: float
    fraction: float
    strategy_fraction: float
    symbol_multiplier: float
    predicted_volatility: float | None
    waterfall: tuple[tuple[str, float, float | None], ...]
    reasons: tuple[str, ...]


class PortfolioSize(NamedTuple):
    strategy_size_usd: float
    target_position_usd: float
    target_quantity: float
    side: Side
    trading_state: TradingState
    waterfall: list[dict[str, Any]]
    reasons: list[str]
    components: dict[str, Any]  # ensemble, budgets and risk
    book: PortfolioBook
    weight_snapshot: WeightSnapshot


def direction(action: Action) -> float:
    if action in BULLISH_ACTIONS:
        return 1.0
    return -1.0 if action in BEARISH_ACTIONS else 0.0


def side_of(target_usd: float) -> Side:
    if target_usd > 0.0:
        return Side.LONG
    return Side.SHORT if target_usd < 0.0 else Side.FLAT


def _equity(portfolio: PortfolioState | None, cfg: SizingConfig, reasons: list[str]) -> float:
    if portfolio is None:
        reasons.append(Reason.NO_PORTFOLIO_SNAPSHOT)
        return cfg.portfolio_value_usd
    return portfolio.equity_usd


def _guard_price(s1: Stage1Input) -> Reason | None:
    return None if math.isfinite(s1.price) and s1.price > 0.0 else Reason.MISSING_PRICE


def _guard_snapshot(
    s1: Stage1Input, portfolio: PortfolioState | None, cfg: SizingConfig
) -> Reason | None:
    age_s = 0.0 if portfolio is None else (s1.timestamp_ns - portfolio.timestamp_ns) / 1e9
    return Reason.STALE_PORTFOLIO_SNAPSHOT if age_s > cfg.max_snapshot_age_s else None


def _strategy_budget(
    s1: Stage1Input, book: PortfolioBook, sign: float, cfg: SizingConfig
) -> tuple[float, float, float]:
    """The strategy's new view of the symbol, the share of it kept so the strategy's gross stays
    in its budget, and that gross afterwards (fractions of equity)."""
    wish = sign * s1.strategy_fraction
    others = book.views.strategy_gross(s1.strategy_id, excluding=s1.symbol)
    allowed = max(0.0, cfg.budgets.strategy_pct - others)
    kept = 1.0 if abs(wish) <= allowed else allowed / abs(wish)
    return wish * kept, kept, others + abs(wish) * kept


def _volatility(
    s1: Stage1Input, book: PortfolioBook, cfg: SizingConfig
) -> tuple[float | None, str]:
    if s1.predicted_volatility is not None:
        return s1.predicted_volatility, "signal"
    vol = correlation_monitor.realised_daily_vol(book.prices.get(s1.symbol), cfg.correlation)
    return vol, "none" if vol is None else "prices"


def _correlated(
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


class _Ensemble(NamedTuple):
    wish: float
    views: ensemble.Views
    samples: dict[str, Samples]
    voices: tuple[ensemble.Voice, ...]
    stacked: ensemble.Stack
    strategy_used_pct: float
    independence: signal_independence.Independence


def _ensemble(
    s1: Stage1Input,
    book: PortfolioBook,
    equity: float,
    steps: Steps,
    reasons: list[str],
    cfg: SizingConfig,
) -> _Ensemble:
    """Strategy budget on the new view, then every strategy's view stacked, then independence."""
    wish, kept, used = _strategy_budget(s1, book, direction(s1.action), cfg)
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
    return _Ensemble(wish, views, samples, voices, stacked, used, independence)


class _Limits(NamedTuple):
    capital: risk_limits.CapitalLimit
    position_limit: float
    limit: float  # the tighter of the position budget and the capital limit
    prices: dict[str, PriceSeries]
    correlated: dict[str, float]
    cluster_usd: float
    portfolio_limit: float


def _limits(
    s1: Stage1Input,
    book: PortfolioBook,
    equity: float,
    steps: Steps,
    reasons: list[str],
    cfg: SizingConfig,
) -> _Limits:
    """Capital limit, position budget, correlated exposure sharing one budget, portfolio gross."""
    vol, vol_source = _volatility(s1, book, cfg)
    capital = risk_limits.capital_limit(equity, vol, vol_source, cfg.capital_limit)
    position_limit = cfg.budgets.position_pct * equity
    limit = position_limit
    if cfg.capital_limit.enabled:
        steps.cap("capital_limit", capital.max_notional_usd, reasons, Reason.CAPITAL_LIMIT)
        limit = min(limit, capital.max_notional_usd)
    steps.cap("position_budget", position_limit, reasons, Reason.POSITION_BUDGET)

    prices = book.prices
    if _guard_price(s1) is None:
        prices = correlation_monitor.record_price(
            book.prices, s1.symbol, s1.price, s1.timestamp_ns, cfg.correlation
        )
    correlated = _correlated(s1, steps.size, book, prices, cfg)
    cluster_usd = sum(abs(book.targets[o]) for o in correlated) * equity
    if correlated:
        headroom = max(0.0, limit - cluster_usd)
        steps.cap("correlation_budget", headroom, reasons, Reason.CORRELATION_BUDGET)

    others = sum(abs(t) for s, t in book.targets.items() if s != s1.symbol) * equity
    portfolio_limit = cfg.budgets.portfolio_pct * equity
    steps.cap(
        "portfolio_budget", max(0.0, portfolio_limit - others), reasons, Reason.PORTFOLIO_BUDGET
    )
    return _Limits(capital, position_limit, limit, prices, correlated, cluster_usd, portfolio_limit)


class _Risk(NamedTuple):
    state: TradingState
    verdict: kill_switch.Verdict
    swing: swing_governor.Swing
    net_delta: float
    current: float


def _risk(
    s1: Stage1Input,
    portfolio: PortfolioState | None,
    book: PortfolioBook,
    equity: float,
    limit: float,
    steps: Steps,
    reasons: list[str],
    cfg: SizingConfig,
) -> _Risk:
    """Concentration gate, then the most restrictive of kill switch and swing governor."""
    current = 0.0 if portfolio is None else portfolio.position_usd(s1.symbol)
    net_delta = 0.0 if portfolio is None else risk_limits.net_delta_pct(portfolio.positions, equity)
    gated = risk_limits.concentration_gate(steps.size, current, net_delta, cfg.concentration)
    steps.set_if_changed("concentration_gate", gated, reasons, Reason.CONCENTRATION_GATE)

    kill = None if portfolio is None else portfolio.kill
    verdict = kill_switch.evaluate(kill, s1.timestamp_ns, cfg.kill_switch)
    marks = book.swings.get(s1.symbol, ())
    swing = swing_governor.measure(
        marks, s1.timestamp_ns, steps.size / equity, limit / equity, cfg.swing
    )
    swing_state = TradingState.REDUCING if swing.exceeded else TradingState.ACTIVE
    state = risk_limits.most_restrictive(verdict.state, swing_state)
    restricted = risk_limits.restrict(steps.size, current, state)
    if restricted != steps.size:
        if swing.exceeded:
            reasons.append(Reason.POSITION_SWING)
        why = Reason.KILL_SWITCH if state is TradingState.HALTED else Reason.TRADING_STATE_REDUCING
        steps.set_if_changed("trading_state", restricted, reasons, why)
    return _Risk(state, verdict, swing, net_delta, current)


def size(
    s1: Stage1Input,
    portfolio: PortfolioState | None,
    book: PortfolioBook | None,
    cfg: SizingConfig,
    source: InputRef | None = None,
) -> PortfolioSize:
    """Size one stage-1 result into the symbol's target; returns the new book as well."""
    book = book or PortfolioBook()
    reasons = list(s1.reasons)
    equity = _equity(portfolio, cfg, reasons)
    steps = Steps.from_stage1(s1.waterfall, direction(s1.action) * equity)
    ens = _ensemble(s1, book, equity, steps, reasons, cfg)
    lim = _limits(s1, book, equity, steps, reasons, cfg)
    risk = _risk(s1, portfolio, book, equity, lim.limit, steps, reasons, cfg)
    failed = _guard_price(s1) or _guard_snapshot(s1, portfolio, cfg)
    if failed is not None:  # fail closed, after the book has taken the strategy's view
        steps.set_if_changed(failed.value, 0.0, reasons, failed)
        reasons.append(failed)

    final = steps.size
    new_book = _next_book(s1, book, ens, lim, final / equity, cfg, source)
    gross_usd = sum(abs(t) for t in new_book.targets.values()) * equity
    snapshot = WeightSnapshot(
        book.snapshots, s1.timestamp_ns, new_book.weights, gross_usd, len(new_book.weights),
        s1.decision_id, source,
    )  # fmt: skip
    components = stage2_diagnostics.components(
        portfolio, book, new_book, equity, final, gross_usd, ens, lim, risk, reasons, cfg
    )
    return PortfolioSize(
        strategy_size_usd=s1.fraction * equity,
        target_position_usd=final,
        target_quantity=final / s1.price if failed is not Reason.MISSING_PRICE else 0.0,
        side=side_of(final),
        trading_state=risk.state,
        waterfall=steps.as_list(),
        reasons=list(dict.fromkeys(reasons)),
        components=components,
        book=new_book,
        weight_snapshot=snapshot,
    )


def _next_book(
    s1: Stage1Input,
    book: PortfolioBook,
    ens: _Ensemble,
    lim: _Limits,
    target: float,
    cfg: SizingConfig,
    source: InputRef | None,
) -> PortfolioBook:
    targets = {s: t for s, t in book.targets.items() if s != s1.symbol}
    if target != 0.0:
        targets[s1.symbol] = target
    marks = swing_governor.record(
        book.swings.get(s1.symbol, ()), s1.timestamp_ns, target, cfg.swing
    )
    return PortfolioBook(
        views=ens.views,
        targets=targets,
        weights=ensemble.weights(ens.views),
        prices=lim.prices,
        samples=ens.samples,
        swings={**book.swings, s1.symbol: marks},
        snapshots=book.snapshots + 1,
        source=source,
    )
