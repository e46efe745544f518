"""Kill switch (seed 003 §1c): daily loss and drawdown limits in event time, latches and reset."""

import pytest
from factories import TS

from schemas.config import KillSwitchConfig
from schemas.enums import TradingState
from sizing import kill_switch
from sizing.kill_switch import NS_PER_DAY, Snapshot

CFG = KillSwitchConfig()
# Drawdown out of the way (equity > 0 never draws down 100 %), to see the daily-loss limit alone.
DAILY_ONLY = KillSwitchConfig(max_drawdown_pct=1.0)
HOUR = 3_600 * 1_000_000_000
MIDNIGHT = TS // NS_PER_DAY * NS_PER_DAY
NEXT_DAY = MIDNIGHT + NS_PER_DAY
RESET = {"operator": "ops", "reason": "reviewed"}


def fold(*snaps: Snapshot, cfg: KillSwitchConfig = CFG) -> kill_switch.KillSwitch:
    ks = None
    for snap in snaps:
        ks = kill_switch.on_snapshot(ks, snap, cfg)
    assert ks is not None
    return ks


def state_at(ks: kill_switch.KillSwitch, ts: int, cfg: KillSwitchConfig = CFG) -> TradingState:
    return kill_switch.evaluate(ks, ts, cfg).state


def test_defaults_are_the_seed_limits():
    """Daily loss 5 %, drawdown 2 %, REDUCING at half of either."""
    assert (CFG.max_daily_loss_pct, CFG.max_drawdown_pct, CFG.reducing_at) == (0.05, 0.02, 0.5)


def test_day_opens_at_first_snapshot_equity_before_realised_pnl():
    """Opening equity = first snapshot's equity − realised PnL today."""
    assert fold(Snapshot(103.0, 3.0, None, MIDNIGHT + HOUR)).day_open_equity == 100.0
    assert fold(Snapshot(97.0, -3.0, None, MIDNIGHT + HOUR)).day_open_equity == 100.0


def test_later_snapshots_of_the_same_day_keep_the_opening_equity():
    """Only the day's first snapshot sets the opening; later ones move equity and peak."""
    ks = fold(
        Snapshot(100.0, 0.0, None, MIDNIGHT + HOUR),
        Snapshot(120.0, 20.0, None, MIDNIGHT + 2 * HOUR),
        Snapshot(110.0, 10.0, None, MIDNIGHT + 3 * HOUR),
    )
    assert (ks.day_open_equity, ks.peak_equity, ks.equity) == (100.0, 120.0, 110.0)


# capital, loss in USD, config → state, cause. Seed 003: 100 → 5 / 2 USD; 10k → 500 / 200 USD.
LIMITS = [
    (100.0, 5.0, DAILY_ONLY, TradingState.HALTED, "daily_loss"),
    (100.0, 4.99, DAILY_ONLY, TradingState.REDUCING, "daily_loss"),
    (100.0, 2.5, DAILY_ONLY, TradingState.REDUCING, "daily_loss"),
    (100.0, 2.49, DAILY_ONLY, TradingState.ACTIVE, None),
    (10_000.0, 500.0, DAILY_ONLY, TradingState.HALTED, "daily_loss"),
    (10_000.0, 499.0, DAILY_ONLY, TradingState.REDUCING, "daily_loss"),
    (10_000.0, 250.0, DAILY_ONLY, TradingState.REDUCING, "daily_loss"),
    (10_000.0, 249.0, DAILY_ONLY, TradingState.ACTIVE, None),
    (100.0, 2.0, CFG, TradingState.HALTED, "drawdown"),
    (100.0, 1.99, CFG, TradingState.REDUCING, "drawdown"),
    (100.0, 1.0, CFG, TradingState.REDUCING, "drawdown"),
    (100.0, 0.99, CFG, TradingState.ACTIVE, None),
    (10_000.0, 200.0, CFG, TradingState.HALTED, "drawdown"),
    (10_000.0, 199.0, CFG, TradingState.REDUCING, "drawdown"),
    (10_000.0, 100.0, CFG, TradingState.REDUCING, "drawdown"),
    (10_000.0, 99.0, CFG, TradingState.ACTIVE, None),
]


@pytest.mark.parametrize(("capital", "loss", "cfg", "state", "cause"), LIMITS)
def test_limits_are_proportional_to_capital(capital, loss, cfg, state, cause):
    """At a limit HALTED, past half of it REDUCING, below half ACTIVE."""
    ks = fold(Snapshot(capital - loss, -loss, None, MIDNIGHT + HOUR), cfg=cfg)
    verdict = kill_switch.evaluate(ks, MIDNIGHT + HOUR, cfg)
    assert (verdict.state, verdict.cause) == (state, cause)


def test_drawdown_is_measured_from_the_reported_peak():
    """A snapshot's peak above its equity counts as the peak (no loss realised today)."""
    ks = fold(Snapshot(98.0, 0.0, 100.0, MIDNIGHT + HOUR))
    assert ks.peak_equity == 100.0
    assert kill_switch.evaluate(ks, MIDNIGHT + HOUR, CFG).cause == "drawdown"
    assert state_at(ks, MIDNIGHT + HOUR) is TradingState.HALTED


def test_daily_loss_past_limit_latches_halted_until_next_utc_day():
    """A recovery the same day stays HALTED; the next UTC day is not halted by it."""
    ks = fold(
        Snapshot(100.0, 0.0, None, MIDNIGHT + HOUR),
        Snapshot(94.0, -6.0, None, MIDNIGHT + 2 * HOUR),
        cfg=DAILY_ONLY,
    )
    assert ks.daily_halt_day == kill_switch.utc_day(MIDNIGHT)
    recovered = kill_switch.on_snapshot(
        ks, Snapshot(100.0, 0.0, None, MIDNIGHT + 3 * HOUR), DAILY_ONLY
    )
    assert kill_switch.daily_loss_pct(recovered) == 0.0
    verdict = kill_switch.evaluate(recovered, MIDNIGHT + 4 * HOUR, DAILY_ONLY)
    assert (verdict.state, verdict.cause) == (TradingState.HALTED, "daily_loss")
    assert state_at(ks, NEXT_DAY - 1, DAILY_ONLY) is TradingState.HALTED
    assert state_at(ks, NEXT_DAY, DAILY_ONLY) is TradingState.ACTIVE
    assert state_at(recovered, NEXT_DAY + HOUR, DAILY_ONLY) is TradingState.ACTIVE


def test_next_day_snapshot_opens_a_fresh_day_without_the_daily_latch():
    """The new day's opening is its first snapshot; the old day's halt is gone."""
    ks = fold(
        Snapshot(100.0, 0.0, None, MIDNIGHT + HOUR),
        Snapshot(94.0, -6.0, None, MIDNIGHT + 2 * HOUR),
        Snapshot(94.0, 0.0, None, NEXT_DAY + HOUR),
        cfg=DAILY_ONLY,
    )
    assert (ks.day_open_equity, ks.daily_halt_day) == (94.0, None)
    assert state_at(ks, NEXT_DAY + HOUR, DAILY_ONLY) is TradingState.ACTIVE


def test_drawdown_halt_latches_across_recovery_and_days_until_reset():
    """Recovering to the peak, even on a later day, does not lift a drawdown halt."""
    ks = fold(
        Snapshot(100.0, 0.0, None, MIDNIGHT + HOUR),
        Snapshot(97.5, -2.5, None, MIDNIGHT + 2 * HOUR),
        Snapshot(100.0, 0.0, None, MIDNIGHT + 3 * HOUR),
        Snapshot(100.0, 0.0, None, NEXT_DAY + HOUR),
    )
    assert ks.drawdown_halt_ns == MIDNIGHT + 2 * HOUR
    assert kill_switch.drawdown_pct(ks) == 0.0
    verdict = kill_switch.evaluate(ks, NEXT_DAY + 2 * HOUR, CFG)
    assert (verdict.state, verdict.cause) == (TradingState.HALTED, "drawdown")
    reset = kill_switch.on_reset(ks, RESET)
    assert state_at(reset, NEXT_DAY + 2 * HOUR) is TradingState.ACTIVE


def test_reset_clears_latches_and_rebases_peak_and_day_open_to_current_equity():
    """After a reset, loss and drawdown are measured afresh from the equity of the moment."""
    ks = fold(
        Snapshot(100.0, 0.0, None, MIDNIGHT + HOUR),
        Snapshot(90.0, -10.0, None, MIDNIGHT + 2 * HOUR),
    )
    assert ks.daily_halt_day is not None and ks.drawdown_halt_ns is not None
    reset = kill_switch.on_reset(ks, RESET)
    assert (reset.day_open_equity, reset.peak_equity, reset.equity) == (90.0, 90.0, 90.0)
    assert (reset.daily_halt_day, reset.drawdown_halt_ns, reset.last_reset) == (None, None, RESET)
    verdict = kill_switch.evaluate(reset, MIDNIGHT + 3 * HOUR, CFG)
    assert verdict.state is TradingState.ACTIVE
    assert verdict.diagnostics["daily_loss_pct"] == 0.0
    assert verdict.diagnostics["drawdown_pct"] == 0.0


def test_after_a_reset_the_snapshots_reported_peak_is_ignored():
    """The account's own peak of 100 would re-trip at once; the reset's 90 stands."""
    ks = fold(
        Snapshot(100.0, 0.0, None, MIDNIGHT + HOUR),
        Snapshot(90.0, -10.0, 100.0, MIDNIGHT + 2 * HOUR),
    )
    reset = kill_switch.on_reset(ks, RESET)
    after = kill_switch.on_snapshot(reset, Snapshot(90.0, -10.0, 100.0, MIDNIGHT + 3 * HOUR), CFG)
    assert after.peak_equity == 90.0
    assert state_at(after, MIDNIGHT + 3 * HOUR) is TradingState.ACTIVE
    fresh_day = kill_switch.on_snapshot(after, Snapshot(90.0, 0.0, 100.0, NEXT_DAY + HOUR), CFG)
    assert fresh_day.peak_equity == 90.0
    assert state_at(fresh_day, NEXT_DAY + HOUR) is TradingState.ACTIVE


def test_after_a_reset_a_new_loss_halts_again():
    """The reset rebases the limits; it does not disable them."""
    ks = kill_switch.on_reset(fold(Snapshot(90.0, -10.0, 100.0, MIDNIGHT + HOUR)), RESET)
    after = kill_switch.on_snapshot(ks, Snapshot(88.0, -12.0, 100.0, MIDNIGHT + 2 * HOUR), CFG)
    assert after.drawdown_halt_ns == MIDNIGHT + 2 * HOUR
    assert state_at(after, MIDNIGHT + 2 * HOUR) is TradingState.HALTED


def test_a_snapshot_of_an_earlier_day_changes_nothing():
    """Late snapshots do not rewrite the day that has moved on."""
    ks = fold(Snapshot(100.0, 0.0, None, NEXT_DAY + HOUR))
    assert kill_switch.on_snapshot(ks, Snapshot(50.0, -50.0, None, MIDNIGHT + HOUR), CFG) is ks


def test_without_snapshots_the_portfolio_is_active():
    """No kill switch yet: nothing to halt on."""
    verdict = kill_switch.evaluate(None, TS, CFG)
    assert (verdict.state, verdict.cause) == (TradingState.ACTIVE, None)


def test_kill_switch_round_trips_through_its_dict():
    """The table entry restores the same kill switch."""
    ks = kill_switch.on_reset(fold(Snapshot(90.0, -10.0, 100.0, MIDNIGHT + HOUR)), RESET)
    assert kill_switch.KillSwitch.from_dict(ks.as_dict()) == ks
