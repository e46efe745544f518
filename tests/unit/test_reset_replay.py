"""A portfolio's state after a kill-switch reset depends only on the snapshot the reset followed,
the reset and the later snapshots: how the worker interleaved the control topic with earlier
snapshots and resets does not matter (`himari_l3.audit.resets`)."""

from hypothesis import given
from hypothesis import strategies as st

from himari_l3.audit.resets import PortfolioResets
from schemas.config import SizingConfig
from schemas.messages import KillSwitchReset, PortfolioSnapshot
from sizing import portfolio_state
from sizing.refs import InputRef

CFG = SizingConfig()
T = 1_763_700_000_000_000_000
HOUR = 3_600 * 1_000_000_000
PF, CONTROL = "himari.l3.portfolio", "himari.l3.control"

# Equity moves of ±8 % trip the 2 % drawdown and 5 % daily-loss limits often; hours cross days.
SNAPSHOT = st.tuples(st.floats(0.92, 1.08), st.integers(0, 30))
EVENTS = st.lists(st.one_of(SNAPSHOT, st.just("reset")), min_size=1, max_size=25)


def snapshot(i: int, equity: float, hour: int) -> PortfolioSnapshot:
    return PortfolioSnapshot(portfolio_id="p", timestamp_ns=T + hour * HOUR, equity_usd=equity,
                             realized_pnl_today_usd=0.0, peak_equity_usd=1_100_000.0)  # fmt: skip


def reset(i: int) -> KillSwitchReset:
    return KillSwitchReset(portfolio_id="p", command="RESET_KILL_SWITCH", operator="op",
                           reason=f"r{i}", timestamp_ns=T)  # fmt: skip


@given(EVENTS)
def test_the_state_a_decision_reads_after_a_reset_is_re_derived_from_the_snapshots(events):
    """Live: snapshots and resets in the worker's order. Replay: the snapshots' own fold up to
    the one the last reset followed, that reset, then the later snapshots."""
    resets = PortfolioResets(CFG)
    no_reset: dict[int, portfolio_state.PortfolioState] = {}  # the fold without resets
    live = plain = None
    equity, hour, last_read = 1_000_000.0, 0, None
    for i, event in enumerate(events):
        if event == "reset":
            ref = InputRef(CONTROL, 0, i)
            resets.add_reset(reset(i), ref)
            if live is not None:  # the worker resets only an entry it holds
                live = portfolio_state.apply_reset(live, reset(i), ref)
            continue
        move, hours = event
        equity, hour = equity * move, hour + hours
        snap, ref = snapshot(i, equity, hour), InputRef(PF, 0, i)
        resets.add_snapshot(snap, ref)
        live = portfolio_state.from_snapshot(snap, live, ref, CFG.kill_switch)
        plain = portfolio_state.from_snapshot(snap, plain, ref, CFG.kill_switch)
        no_reset[i], last_read = plain, ref.as_dict()
    if live is None or live.control_source is None:
        return
    assert live.kill is not None and live.kill.last_reset is not None
    last_reset = live.kill.last_reset
    after = last_reset["after_snapshot"]["offset"]
    replayed = resets.state(no_reset[after], live.control_source.as_dict(), last_reset, last_read)
    assert replayed == live
    assert replayed.kill == live.kill
