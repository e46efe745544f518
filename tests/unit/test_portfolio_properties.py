"""Properties of stage 2 (`portfolio_sizing.size`) over generated sequences of signals and
portfolio snapshots, with the book and the portfolio state threaded through every decision."""

import itertools
import math
from typing import Any, NamedTuple

import orjson
import pytest
from factories import TS
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.config import (
    BudgetConfig,
    CapitalLimitConfig,
    CorrelationConfig,
    IndependenceConfig,
    SizingConfig,
    SwingConfig,
)
from schemas.enums import Action, Reason, TradingState
from schemas.messages import PortfolioSnapshot, Position
from sizing import portfolio_sizing, portfolio_state
from sizing.correlation_monitor import realised_daily_vol
from sizing.portfolio_book import PortfolioBook
from sizing.portfolio_sizing import PortfolioSize, Stage1Input
from sizing.portfolio_state import PortfolioState
from sizing.refs import InputRef

PROPS = settings(max_examples=60, deadline=None)
SEC = 1_000_000_000
REF = InputRef("himari.l3.portfolio", 0, 1)
SYMBOLS = ("BTC", "ETH", "SOL")
STRATEGIES = ("s0", "s1", "s2")
BASE_PRICE = {"BTC": 50_000.0, "ETH": 2_500.0, "SOL": 100.0}
# Short periods so correlation, realised vol and signal independence come into play.
FAST = SizingConfig(
    correlation=CorrelationConfig(period_s=30.0, min_periods=2, window=20),
    independence=IndependenceConfig(period_s=30.0, min_samples=3, window=20),
)
NO_FLOOR = CapitalLimitConfig(min_position_usd=0.0)


class Snap(NamedTuple):
    equity_factor: float  # of the run's opening equity
    realized_pct: float  # realised PnL today, as a fraction of equity
    positions: dict[str, float]  # symbol → signed market value as a fraction of equity


class Signal(NamedTuple):
    strategy: str
    symbol: str
    action: Action
    strategy_fraction: float
    multiplier: float
    vol: float | None
    market_move: float  # moves every symbol's price
    own_move: float  # moves this symbol's price


class Step(NamedTuple):
    dt_s: int
    snap: Snap | None
    signal: Signal


class Decision(NamedTuple):
    s1: Stage1Input
    state: PortfolioState | None
    out: PortfolioSize
    book: PortfolioBook  # as this decision left it


fractions = st.one_of(st.just(0.0), st.floats(1e-6, 0.5), st.sampled_from([0.05, 0.1, 0.2]))
held = st.one_of(st.floats(-0.4, 0.4), st.sampled_from([-0.35, -0.3, 0.3, 0.35]))


def snaps(low: float, high: float) -> st.SearchStrategy[Snap]:
    return st.builds(
        Snap,
        equity_factor=st.floats(low, high),
        realized_pct=st.one_of(st.just(0.0), st.floats(-0.03, 0.01)),
        positions=st.dictionaries(st.sampled_from(SYMBOLS), held, max_size=3),
    )


signals = st.builds(
    Signal,
    strategy=st.sampled_from(STRATEGIES),
    symbol=st.sampled_from(SYMBOLS),
    action=st.sampled_from(list(Action)),
    strategy_fraction=fractions,
    multiplier=st.sampled_from([0.0, 0.2, 0.6, 0.8, 1.0, 1.2]),
    vol=st.one_of(st.none(), st.floats(0.005, 0.2)),
    market_move=st.floats(-0.03, 0.03),
    own_move=st.floats(-0.005, 0.005),
)
gaps = st.one_of(st.sampled_from([0, 0, 1, 5, 10, 20]), st.integers(0, 90))


@st.composite
def runs(draw: Any) -> tuple[float, list[Step]]:
    """Opening equity and steps; the first step carries a snapshot."""
    equity = draw(st.floats(1e3, 1e7))
    # Calm runs stay within the drawdown limit; stormy ones trip the kill switch.
    low, high = draw(st.sampled_from([(0.995, 1.005), (0.995, 1.005), (0.95, 1.03)]))
    n = draw(st.integers(1, 30))
    steps = []
    for i in range(n):
        snap = draw(snaps(low, high)) if i == 0 or draw(st.booleans()) else None
        steps.append(Step(draw(gaps), snap, draw(signals)))
    return equity, steps


def with_budgets(base: SizingConfig, position: float, strategy: float, portfolio: float):
    budgets = BudgetConfig(position_pct=position, strategy_pct=strategy, portfolio_pct=portfolio)
    return base.model_copy(update={"budgets": budgets})


configs = st.builds(
    with_budgets,
    st.sampled_from([SizingConfig(), FAST]),
    st.sampled_from([0.05, 0.15, 0.3]),
    st.sampled_from([0.1, 0.4]),
    st.sampled_from([0.2, 0.8]),
)


def stage1(sig: Signal, strategy: str, ts: int, price: float, n: int) -> Stage1Input:
    """A consistent stage-1 result: fraction = strategy fraction × symbol multiplier."""
    sf = 0.0 if sig.action is Action.HOLD else sig.strategy_fraction
    fraction = sf * sig.multiplier
    waterfall = [{"step": "kelly", "fraction": sf, "multiplier": None}]
    if sf > 0.0:
        waterfall.append({"step": "regime", "fraction": fraction, "multiplier": sig.multiplier})
    return Stage1Input(
        strategy, sig.symbol, f"d{n}-{strategy}", ts, sig.action, price, fraction, sf,
        sig.multiplier, sig.vol, waterfall, (),
    )  # fmt: skip


def snapshot(snap: Snap, equity: float, ts: int) -> PortfolioSnapshot:
    eq = equity * snap.equity_factor
    positions = {
        s: Position(quantity=f * eq / BASE_PRICE[s], market_value_usd=f * eq)
        for s, f in snap.positions.items()
    }
    return PortfolioSnapshot(
        timestamp_ns=ts,
        portfolio_id="default",
        equity_usd=eq,
        positions=positions,
        realized_pnl_today_usd=snap.realized_pct * eq,
    )


def play(
    equity: float,
    steps: list[Step],
    cfg: SizingConfig,
    copy_of: str | None = None,
    restore: bool = False,
) -> list[Decision]:
    """Every decision of the run; with `copy_of`, that strategy's copy signals right after it;
    with `restore`, the book is rebuilt from its changelog record after every decision."""
    state: PortfolioState | None = None
    book = PortfolioBook()
    prices = dict(BASE_PRICE)
    ts = TS
    out = []
    for n, step in enumerate(steps):
        ts += step.dt_s * SEC
        if step.snap is not None:
            state = portfolio_state.from_snapshot(
                snapshot(step.snap, equity, ts), state, REF, cfg.kill_switch
            )
        sig = step.signal
        prices = {s: p * (1.0 + sig.market_move) for s, p in prices.items()}
        prices[sig.symbol] *= 1.0 + sig.own_move
        names = [sig.strategy] + ([f"{copy_of}_copy"] if sig.strategy == copy_of else [])
        for name in names:
            s1 = stage1(sig, name, ts, prices[sig.symbol], n)
            result = portfolio_sizing.decide(s1, state, book, cfg, REF)
            out.append(Decision(s1, state, result, book.copy()))
            if restore:
                book = PortfolioBook.from_dict(orjson.loads(orjson.dumps(book.as_dict())))
    return out


@PROPS
@given(runs(), configs)
def test_every_decision_keeps_position_strategy_and_portfolio_budgets(run, cfg):
    """|target| ≤ position budget; each strategy's gross views and the book's gross in budget."""
    equity, steps = run
    for d in play(equity, steps, cfg):
        eq = d.state.equity_usd
        assert abs(d.out.target_position_usd) <= cfg.budgets.position_pct * eq * (1 + 1e-12)
        book = d.book
        for strategy, gross in book.views.gross.items():
            assert gross <= cfg.budgets.strategy_pct + 1e-12, strategy
        assert math.fsum(map(abs, book.targets.values())) <= cfg.budgets.portfolio_pct + 1e-12
        assert book.targets.get(d.s1.symbol, 0.0) == d.out.target_position_usd / eq


def decided(out: PortfolioSize) -> tuple[object, ...]:
    """Everything a decision publishes; the book update is compared through later decisions."""
    return (
        out.strategy_size_usd,
        out.target_position_usd,
        out.target_quantity,
        out.side,
        out.trading_state,
        out.waterfall,
        out.reasons,
        out.components,
    )


@PROPS
@given(runs(), configs)
def test_a_book_rebuilt_from_its_record_decides_as_the_live_one(run, cfg):
    """The live book keeps memos (pair verdicts) its changelog record does not: no decision may
    depend on them. A book restored after every decision gives identical decisions."""
    equity, steps = run
    live = play(equity, steps, cfg)
    restored = play(equity, steps, cfg, restore=True)
    assert [decided(d.out) for d in restored] == [decided(d.out) for d in live]


@PROPS
@given(runs(), configs)
def test_reducing_and_halted_never_increase_or_flip_the_held_position(run, cfg):
    """Past a limit (or swinging too far) a target only ever moves towards flat."""
    equity, steps = run
    seen = set()
    for d in play(equity, steps, cfg):
        state = d.out.trading_state
        seen.add(state)
        kill = d.out.components["risk"]["kill_switch"]["state"]
        assert state is risk_rank_max(kill, state)
        if state is TradingState.ACTIVE:
            continue
        target = d.out.target_position_usd
        current = d.state.position_usd(d.s1.symbol)
        assert abs(target) <= abs(current)
        assert target * current >= 0.0
        if kill is TradingState.HALTED:
            assert state is TradingState.HALTED


def risk_rank_max(a: TradingState, b: TradingState) -> TradingState:
    order = [TradingState.ACTIVE, TradingState.REDUCING, TradingState.HALTED]
    return max(a, b, key=order.index)


@PROPS
@given(runs(), configs)
def test_concentration_gate_never_blocks_a_reduction(run, cfg):
    """The gate only cuts new exposure on the crowded side: a same-side reduction passes."""
    equity, steps = run
    for d in play(equity, steps, cfg):
        current = d.state.position_usd(d.s1.symbol)
        sizes = [(s["step"], s["size_usd"]) for s in d.out.waterfall]
        for (_, before), (step, after) in itertools.pairwise(sizes):
            if step != "concentration_gate":
                continue
            assert Reason.CONCENTRATION_GATE in d.out.reasons
            assert abs(after) < abs(before)
            reduction = abs(before) <= abs(current) and before * current >= 0.0
            assert not reduction, (before, current)
            net = d.out.components["risk"]["concentration"]["net_delta_pct"]
            assert abs(net) > cfg.concentration.max_net_delta_pct


@PROPS
@given(runs(), configs)
def test_waterfall_multipliers_multiply_to_final_over_base(run, cfg):
    """Product of multipliers = final / first size; the last step is the target."""
    equity, steps = run
    for d in play(equity, steps, cfg):
        wf = d.out.waterfall
        assert wf[-1]["size_usd"] == d.out.target_position_usd
        assert wf[0]["step"] == "kelly" and wf[0]["multiplier"] is None
        mults = [s["multiplier"] for s in wf[1:]]
        if wf[0]["size_usd"] == 0.0 or None in mults:
            continue
        product = math.prod(mults)
        ratio = d.out.target_position_usd / wf[0]["size_usd"]
        assert product == pytest.approx(ratio, rel=1e-9, abs=1e-12)


@PROPS
@given(runs(), configs)
def test_doubling_equity_and_positions_doubles_every_target(run, cfg):
    """Stage 2 works in fractions of equity: the same fractions of twice the money, twice the USD."""
    cfg = cfg.model_copy(update={"capital_limit": NO_FLOOR})
    equity, steps = run
    single = play(equity, steps, cfg)
    double = play(2.0 * equity, steps, cfg)
    for one, two in zip(single, double, strict=True):
        assert two.out.target_position_usd == pytest.approx(
            2.0 * one.out.target_position_usd, rel=1e-12, abs=1e-12
        )
        assert two.out.trading_state is one.out.trading_state


@PROPS
@given(runs(), configs)
def test_an_exact_copy_of_a_strategy_changes_no_target(run, cfg):
    """A copy signalling right after the original speaks with its voice: same targets."""
    # Held apart: the swing governor (the decision between original and copy is a real target
    # it must see).
    cfg = cfg.model_copy(update={"swing": SwingConfig(max_swing=1e9)})
    equity, steps = run
    alone = play(equity, steps, cfg)
    copied = play(equity, steps, cfg, copy_of="s0")
    copies = [d for d in copied if d.s1.strategy_id == "s0_copy"]
    originals = [d for d in alone if d.s1.strategy_id == "s0"]
    others_alone = [d for d in alone if d.s1.strategy_id != "s0"]
    others_copied = [d for d in copied if d.s1.strategy_id not in ("s0", "s0_copy")]
    pairs = list(zip(originals, copies, strict=True))
    pairs += list(zip(others_alone, others_copied, strict=True))
    for a, b in pairs:
        assert b.out.target_position_usd == pytest.approx(
            a.out.target_position_usd, rel=1e-9, abs=1e-9
        )


def buy(strategy: str, fraction: float, vol: float | None = 0.02) -> Signal:
    return Signal(strategy, "BTC", Action.BUY, fraction, 1.0, vol, 0.0, 0.0)


FLAT = Snap(1.0, 0.0, {})
TO_NEXT_PERIOD = 60 - (TS // SEC) % 60  # seconds from TS to the next 60 s period


def test_a_copy_does_not_shift_the_mean_of_a_voice_it_shares():
    """s0 and s1 agree on their one completed period (one voice); s0's copy must not tip it."""
    cfg = SizingConfig(swing=SwingConfig(max_swing=1e9))
    steps = [
        Step(0, FLAT, buy("s0", 0.0)),
        Step(0, None, buy("s1", 0.0)),
        Step(TO_NEXT_PERIOD, None, buy("s0", 0.0625)),
        Step(0, None, buy("s1", 0.1)),
    ]
    alone, copied = play(1000.0, steps, cfg), play(1000.0, steps, cfg, copy_of="s0")
    assert alone[-1].out.components["ensemble"]["voices"] == [
        {"strategies": ["s0", "s1"], "wish_pct": pytest.approx(0.08125)}
    ]
    assert alone[-1].out.target_position_usd == pytest.approx(81.25)
    assert copied[-1].out.target_position_usd == pytest.approx(81.25)


def test_realised_vol_counts_the_period_this_signals_price_completes():
    """The original and its same-instant copy see the same prices, so the same capital limit."""
    cfg = FAST.model_copy(
        update={
            "budgets": BudgetConfig(position_pct=0.05, strategy_pct=0.1, portfolio_pct=0.2),
            "swing": SwingConfig(max_swing=1e9),
        }
    )
    moved = Signal("s0", "BTC", Action.BUY, 0.0, 0.0, None, 0.015625, 0.0)
    steps = [
        Step(0, FLAT, buy("s0", 0.0, None)),
        Step(10, None, buy("s0", 0.0, None)),
        Step(40, None, moved),
        Step(20, None, Signal("s0", "BTC", Action.BUY, 0.5, 0.6, None, 0.0, 0.0)),
    ]
    alone, copied = play(1000.0, steps, cfg), play(1000.0, steps, cfg, copy_of="s0")
    last, last_book = alone[-1].out, alone[-1].book
    used = last.components["budgets"]["capital_limit"]["realised_vol"]
    assert used == realised_daily_vol(last_book.prices["BTC"], cfg.correlation)
    assert copied[-1].out.target_position_usd == last.target_position_usd
