"""Capital-proportional kill switch (seed 003 §1c) on portfolio snapshots, in event time.

Daily loss (from the UTC day's opening equity) or drawdown from peak at or past its limit
latches HALTED: a daily-loss halt until the next UTC day, a drawdown halt until an explicit reset.
Past `reducing_at` of either limit the portfolio is REDUCING (not latched).
"""

from dataclasses import dataclass, field, replace
from typing import Any, Final, final

from schemas.config import KillSwitchConfig
from schemas.enums import TradingState
from sizing.members import ACTIVE, HALTED, REDUCING
from sizing.values import Value

NS_PER_DAY = 86_400 * 1_000_000_000


def utc_day(timestamp_ns: int) -> int:
    return timestamp_ns // NS_PER_DAY


@dataclass(frozen=True, slots=True)
class KillSwitch:
    """What the snapshots so far (and the last reset) established."""

    day: int
    day_open_equity: float
    peak_equity: float
    equity: float
    daily_halt_day: int | None = None  # the UTC day a daily-loss halt holds for
    drawdown_halt_ns: int | None = None  # event time of the snapshot that tripped it
    last_reset: dict[str, Any] | None = None
    # A memo, not state: (UTC day, limits, verdict) of the last evaluation of this entry.
    _verdict: list[tuple[int, KillSwitchConfig, "Verdict"]] = field(
        default_factory=list, init=False, repr=False, compare=False, hash=False
    )

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "day_open_equity": self.day_open_equity,
            "peak_equity": self.peak_equity,
            "equity": self.equity,
            "daily_halt_day": self.daily_halt_day,
            "drawdown_halt_ns": self.drawdown_halt_ns,
            "last_reset": self.last_reset,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "KillSwitch":
        return cls(**data)


@final
class Snapshot(Value):
    __slots__ = ("equity_usd", "peak_equity_usd", "realized_pnl_today_usd", "timestamp_ns")

    def __init__(
        self,
        equity_usd: float,
        realized_pnl_today_usd: float,
        peak_equity_usd: float | None,
        timestamp_ns: int,
    ) -> None:
        self.equity_usd: Final = equity_usd
        self.realized_pnl_today_usd: Final = realized_pnl_today_usd
        self.peak_equity_usd: Final = peak_equity_usd
        self.timestamp_ns: Final = timestamp_ns


@final
class Verdict(Value):
    __slots__ = ("cause", "diagnostics", "state")

    def __init__(self, state: TradingState, cause: str | None, diagnostics: dict[str, Any]) -> None:
        self.state: Final = state
        self.cause: Final = cause  # "daily_loss" or "drawdown" when not ACTIVE
        self.diagnostics: Final = diagnostics


def daily_loss_pct(ks: KillSwitch) -> float:
    return max(0.0, (ks.day_open_equity - ks.equity) / ks.day_open_equity)


def drawdown_pct(ks: KillSwitch) -> float:
    return max(0.0, (ks.peak_equity - ks.equity) / ks.peak_equity)


def on_snapshot(prev: KillSwitch | None, snap: Snapshot, cfg: KillSwitchConfig) -> KillSwitch:
    """Fold one snapshot in (snapshots arrive in event-time order; the caller drops late ones)."""
    day = utc_day(snap.timestamp_ns)
    if prev is None or day > prev.day:
        # The day opened at today's equity before today's realised PnL.
        opening = max(snap.equity_usd - snap.realized_pnl_today_usd, 1e-9)
        base = KillSwitch(day, opening, prev.peak_equity if prev else opening, snap.equity_usd)
        if prev is not None:
            base = replace(base, drawdown_halt_ns=prev.drawdown_halt_ns, last_reset=prev.last_reset)
    elif day < prev.day:
        return prev
    else:
        base = replace(prev, equity=snap.equity_usd)
    # After a reset the account's own peak would re-trip the halt at once: measure from the reset.
    reported = snap.peak_equity_usd if base.last_reset is None else None
    peak = max(base.peak_equity, snap.equity_usd, reported or 0.0)
    ks = replace(base, peak_equity=peak)
    if daily_loss_pct(ks) >= cfg.max_daily_loss_pct:
        ks = replace(ks, daily_halt_day=day)
    if drawdown_pct(ks) >= cfg.max_drawdown_pct and ks.drawdown_halt_ns is None:
        ks = replace(ks, drawdown_halt_ns=snap.timestamp_ns)
    return ks


def on_reset(ks: KillSwitch, command: dict[str, Any]) -> KillSwitch:
    """An operator's reset clears both latches and measures loss and drawdown afresh from now."""
    return replace(
        ks,
        day_open_equity=ks.equity,
        peak_equity=ks.equity,
        daily_halt_day=None,
        drawdown_halt_ns=None,
        last_reset=command,
    )


_NO_SNAPSHOT = Verdict(TradingState.ACTIVE, None, {"state": TradingState.ACTIVE})


def evaluate(ks: KillSwitch | None, timestamp_ns: int, cfg: KillSwitchConfig) -> Verdict:
    """The trading state for a signal at `timestamp_ns` under the current limits."""
    if ks is None:
        return _NO_SNAPSHOT
    # The time counts only through its UTC day: one verdict per entry, day and limits.
    day, memo = utc_day(timestamp_ns), ks._verdict
    if memo and memo[0][0] == day and memo[0][1] is cfg:
        return memo[0][2]
    verdict = _evaluate(ks, timestamp_ns, cfg)
    memo[:] = [(day, cfg, verdict)]
    return verdict


def _evaluate(ks: KillSwitch, timestamp_ns: int, cfg: KillSwitchConfig) -> Verdict:
    loss, drawdown = daily_loss_pct(ks), drawdown_pct(ks)
    same_day = utc_day(timestamp_ns) <= ks.day
    daily_halt = ks.daily_halt_day is not None and utc_day(timestamp_ns) <= ks.daily_halt_day
    loss_now = loss if same_day else 0.0  # a new UTC day starts from a clean daily loss
    state, cause = ACTIVE, None
    if ks.drawdown_halt_ns is not None or drawdown >= cfg.max_drawdown_pct:
        state, cause = HALTED, "drawdown"
    elif daily_halt or loss_now >= cfg.max_daily_loss_pct:
        state, cause = HALTED, "daily_loss"
    elif drawdown >= cfg.reducing_at * cfg.max_drawdown_pct:
        state, cause = REDUCING, "drawdown"
    elif loss_now >= cfg.reducing_at * cfg.max_daily_loss_pct:
        state, cause = REDUCING, "daily_loss"
    return Verdict(
        state,
        cause,
        {
            "state": state,
            "cause": cause,
            "daily_loss_pct": loss_now,
            "drawdown_pct": drawdown,
            "day_open_equity_usd": ks.day_open_equity,
            "peak_equity_usd": ks.peak_equity,
            "daily_halt_day": ks.daily_halt_day,
            "drawdown_halt_ns": ks.drawdown_halt_ns,
            "last_reset": ks.last_reset,
        },
    )
