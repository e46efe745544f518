"""Stage 2 across strategies and symbols: each control cuts the target with its reason code."""

import math

import pytest
from factories import CFG, TS

from schemas.config import SizingConfig
from schemas.enums import Action, Reason, TradingState
from schemas.messages import PortfolioSnapshot
from sizing import portfolio_sizing, portfolio_state
from sizing.portfolio_book import PortfolioBook
from sizing.portfolio_sizing import Stage1Input
from sizing.portfolio_state import PortfolioState
from sizing.refs import InputRef

S = 1_000_000_000
EQUITY = 100_000.0


def s1(
    strategy: str, symbol: str, action: Action, fraction: float, ts: int = TS, **over
) -> Stage1Input:
    fields = {
        "strategy_id": strategy, "symbol": symbol, "decision_id": f"{strategy}-{symbol}-{ts}",
        "timestamp_ns": ts, "action": action, "price": 100.0, "fraction": fraction,
        "strategy_fraction": fraction, "symbol_multiplier": 1.0, "predicted_volatility": None,
        "waterfall": [{"step": "kelly", "fraction": fraction, "multiplier": None}],
        "reasons": (),
    }  # fmt: skip
    fields.update(over)
    return Stage1Input(**fields)


def portfolio(positions=None, equity=EQUITY, ts=TS, pnl=0.0, peak=None, cfg=CFG) -> PortfolioState:
    snap = PortfolioSnapshot(
        timestamp_ns=ts, portfolio_id="p", equity_usd=equity, realized_pnl_today_usd=pnl,
        peak_equity_usd=peak,
        positions={s: {"quantity": 1.0, "market_value_usd": v} for s, v in (positions or {}).items()},
    )  # fmt: skip
    return portfolio_state.from_snapshot(snap, None, InputRef("pf", 0, 1), cfg.kill_switch)


def run(signals, pf=None, cfg: SizingConfig = CFG, book=None):
    """Size the signals in order, committing each to `book`; returns the last result."""
    book = PortfolioBook() if book is None else book
    result = None
    for i, sig in enumerate(signals):
        result = portfolio_sizing.decide(sig, pf, book, cfg, InputRef("sized", 0, i))
    return result


def test_second_strategy_on_a_symbol_counts_at_seventy_percent():
    # Seed 000 §11.7: 10k + 0.7 × 6k = 14.2k.
    out = run([s1("a", "BTC", Action.BUY, 0.10), s1("b", "BTC", Action.BUY, 0.06)], portfolio())
    assert out.target_position_usd == pytest.approx(14_200.0)
    assert Reason.ENSEMBLE_PENALTY in out.reasons
    voices = out.components["ensemble"]["voices"]
    assert [v["strategies"] for v in voices] == [["a"], ["b"]]
    assert out.components["ensemble"]["weights"] == pytest.approx({"a": 0.625, "b": 0.375})


def test_opposite_views_net_out():
    out = run([s1("a", "BTC", Action.BUY, 0.10), s1("b", "BTC", Action.SELL, 0.04)], portfolio())
    assert out.target_position_usd == pytest.approx(10_000.0 - 0.7 * 4_000.0)


def test_strategy_budget_cuts_the_view_that_breaks_forty_percent():
    sigs = [s1("a", sym, Action.BUY, 0.15) for sym in ("X", "Y", "Z")]
    out = run(sigs, portfolio())
    assert out.target_position_usd == pytest.approx(10_000.0)
    assert Reason.STRATEGY_BUDGET in out.reasons
    assert out.components["budgets"]["strategy"]["utilisation"] == pytest.approx(1.0)


def test_portfolio_budget_caps_gross_at_eighty_percent():
    sigs = [s1(f"s{i}", f"SYM{i}", Action.BUY, 0.15) for i in range(6)]
    out = run(sigs, portfolio())
    assert out.target_position_usd == pytest.approx(5_000.0)  # 5 × 15k already held
    assert out.reasons == [Reason.PORTFOLIO_BUDGET]
    assert out.components["budgets"]["portfolio"]["used_usd"] == pytest.approx(80_000.0)
    assert out.components["budgets"]["breaches"] == [Reason.PORTFOLIO_BUDGET]


def test_correlated_symbols_on_one_side_share_one_position_budget():
    period = int(CFG.correlation.period_s * S)
    sigs = []
    for k in range(14):  # two symbols moving together, one price per period each
        price = 100.0 * (1.0 + 0.01 * (-1) ** k * (k % 3 + 1))
        ts = TS + k * period
        sigs += [s1("a", "A", Action.HOLD, 0.0, ts, price=price),
                 s1("b", "B", Action.HOLD, 0.0, ts, price=2 * price)]  # fmt: skip
    last = TS + 14 * period
    calm = {"predicted_volatility": 0.02}  # the baseline: the capital limit stays out of it
    sigs += [
        s1("a", "A", Action.BUY, 0.10, last, **calm),
        s1("b", "B", Action.BUY, 0.10, last, **calm),
    ]
    out = run(sigs, portfolio(ts=last))
    corr = out.components["ensemble"]["correlation"]
    assert corr["correlated"] == {"A": pytest.approx(1.0)}
    assert out.target_position_usd == pytest.approx(5_000.0)  # 15k budget − 10k held in A
    assert Reason.CORRELATION_BUDGET in out.reasons


def test_capital_limit_tightens_with_volatility():
    # vol 0.2 = 10 × baseline: vol_adj = 1 / (1 + 0.5 × 9); max = 100k × 0.5 × vol_adj.
    out = run([s1("a", "BTC", Action.BUY, 0.12, predicted_volatility=0.2)], portfolio())
    vol_adj = 1.0 / (1.0 + 0.5 * 9.0)
    assert out.target_position_usd == pytest.approx(EQUITY * 0.5 * vol_adj)
    assert out.reasons == [Reason.CAPITAL_LIMIT]
    assert out.components["budgets"]["capital_limit"]["vol_source"] == "signal"


def test_concentration_gate_blocks_adding_to_a_long_book_but_not_a_sale():
    pf = portfolio({"BTC": 50_000.0, "ETH": 25_000.0})  # 75 % net long
    below_held = run([s1("a", "BTC", Action.BUY, 0.12)], pf)  # 12k < 50k held: a reduction
    assert below_held.target_position_usd == pytest.approx(12_000.0)
    assert Reason.CONCENTRATION_GATE not in below_held.reasons
    new_long = run([s1("a", "SOL", Action.BUY, 0.10)], pf)
    assert new_long.target_position_usd == 0.0
    assert Reason.CONCENTRATION_GATE in new_long.reasons
    sale = run([s1("a", "SOL", Action.SELL, 0.10)], pf)
    assert sale.target_position_usd == pytest.approx(-10_000.0)
    assert Reason.CONCENTRATION_GATE not in sale.reasons


@pytest.mark.parametrize(
    ("equity", "pnl", "peak", "state", "cause"),
    [
        (100_000.0, 0.0, 100_000.0, TradingState.ACTIVE, None),
        (98_500.0, 0.0, 100_000.0, TradingState.REDUCING, "drawdown"),  # 1.5 % ≥ half of 2 %
        (97_000.0, 0.0, 100_000.0, TradingState.HALTED, "drawdown"),
        (97_000.0, -3_000.0, None, TradingState.REDUCING, "daily_loss"),  # 3 % ≥ half of 5 %
        (94_000.0, -6_000.0, None, TradingState.HALTED, "daily_loss"),
    ],
)
def test_kill_switch_state_from_the_snapshot(equity, pnl, peak, state, cause):
    cfg = SizingConfig(kill_switch={"max_drawdown_pct": 0.02 if peak else 1.0})
    pf = portfolio({"BTC": 5_000.0}, equity=equity, pnl=pnl, peak=peak, cfg=cfg)
    out = run([s1("a", "BTC", Action.BUY, 0.12)], pf, cfg)
    assert out.trading_state is state
    assert out.components["risk"]["kill_switch"]["cause"] == cause
    if state is not TradingState.ACTIVE:
        assert out.target_position_usd == pytest.approx(5_000.0)  # held, not increased


def test_halted_turns_a_flip_into_a_close():
    pf = portfolio({"BTC": 5_000.0}, equity=97_000.0, peak=100_000.0)
    out = run([s1("a", "BTC", Action.SELL, 0.05)], pf)
    assert (out.trading_state, out.target_position_usd) == (TradingState.HALTED, 0.0)
    assert Reason.KILL_SWITCH in out.reasons


def test_a_five_minute_swing_past_its_bound_reduces_and_a_flip_closes():
    pf = portfolio({"BTC": 15_000.0})
    out = run(
        [s1("a", "BTC", Action.BUY, 0.15), s1("a", "BTC", Action.SELL, 0.15, TS + 60 * S)], pf
    )
    assert out.trading_state is TradingState.REDUCING
    assert out.target_position_usd == 0.0
    assert {Reason.POSITION_SWING, Reason.TRADING_STATE_REDUCING} <= set(out.reasons)
    assert out.components["risk"]["swing"]["swing"] == pytest.approx(2.0)


def test_a_symbols_swing_marks_leave_the_book_with_its_price_series():
    """No price for 2 × 60 periods of 60 s: the series goes, and its minutes-old marks too."""
    book = PortfolioBook()
    later = TS + 121 * 60 * S
    run([s1("a", "OLD", Action.BUY, 0.1), s1("a", "NEW", Action.BUY, 0.1)], book=book)
    assert set(book.swings) == {"OLD", "NEW"}
    run([s1("a", "NEW", Action.BUY, 0.1, later)], book=book)
    assert set(book.prices) == set(book.swings) == {"NEW"}


def test_a_signal_without_a_price_keeps_every_swing_mark():
    book = PortfolioBook()
    run([s1("a", "OLD", Action.BUY, 0.1), s1("a", "NEW", Action.BUY, 0.1)], book=book)
    run([s1("a", "NEW", Action.BUY, 0.1, TS + 121 * 60 * S, price=0.0)], book=book)
    assert set(book.swings) == {"OLD", "NEW"}


def test_stale_snapshot_fails_closed():
    late = TS + int((CFG.max_snapshot_age_s + 1) * S)
    out = run([s1("a", "BTC", Action.BUY, 0.10, late)], portfolio())
    assert out.target_position_usd == 0.0
    assert Reason.STALE_PORTFOLIO_SNAPSHOT in out.reasons
    assert out.waterfall[-1] == {
        "step": "stale_portfolio_snapshot",
        "size_usd": 0.0,
        "multiplier": 0.0,
    }


def test_missing_price_fails_closed():
    out = run([s1("a", "BTC", Action.BUY, 0.10, price=math.nan)], portfolio())
    assert (out.target_position_usd, out.target_quantity) == (0.0, 0.0)
    assert Reason.MISSING_PRICE in out.reasons


def test_no_snapshot_uses_the_configured_equity_with_its_reason():
    out = run([s1("a", "BTC", Action.BUY, 0.10)])
    assert out.target_position_usd == pytest.approx(0.10 * CFG.portfolio_value_usd)
    assert Reason.NO_PORTFOLIO_SNAPSHOT in out.reasons


def test_symbol_multiplier_reweighs_every_strategys_view():
    # A cascade EXIT on the symbol (multiplier 0) zeroes the other strategies' views too.
    first = s1("a", "BTC", Action.BUY, 0.10)
    exit_now = s1("b", "BTC", Action.BUY, 0.0, strategy_fraction=0.08, symbol_multiplier=0.0)
    out = run([first, exit_now], portfolio())
    assert out.target_position_usd == 0.0


def test_book_survives_its_changelog_record():
    book = PortfolioBook()
    run(
        [s1("a", "BTC", Action.BUY, 0.10), s1("b", "ETH", Action.SELL, 0.05)],
        portfolio(),
        book=book,
    )
    again = PortfolioBook.from_dict(book.as_dict())
    assert again == book


def test_size_reads_the_book_and_apply_commits_it():
    """A redelivered input is decided again without committing: size() leaves the book alone."""
    book = PortfolioBook()
    run([s1("a", "BTC", Action.BUY, 0.10)], portfolio(), book=book)
    before = book.copy()
    out = portfolio_sizing.size(s1("b", "BTC", Action.BUY, 0.06), portfolio(), book, CFG)
    assert book == before
    book.apply(out.update)
    assert book.views.by_symbol["BTC"] == {"a": 0.10, "b": 0.06}
    assert book.targets["BTC"] == pytest.approx(out.target_position_usd / EQUITY)
