"""What `portfolio[portfolio_id]` holds: the latest snapshot and the kill switch it feeds."""

from dataclasses import dataclass, field, replace
from typing import Any

from schemas.config import KillSwitchConfig
from schemas.messages import KillSwitchReset, PortfolioSnapshot
from sizing import kill_switch, risk_limits
from sizing.kill_switch import KillSwitch
from sizing.refs import InputRef, ref_dict


@dataclass(frozen=True, slots=True)
class PortfolioState:
    equity_usd: float
    positions: dict[str, tuple[float, float]]  # symbol → (quantity, signed market value)
    realized_pnl_today_usd: float
    peak_equity_usd: float | None
    timestamp_ns: int
    source: InputRef | None
    kill: KillSwitch | None = None
    # Resets arrive on their own topic, so they are fenced by their own offset.
    control_source: InputRef | None = None
    # Seed 004 §3's net delta reads every position: summed once per snapshot, not per signal.
    net_market_value_usd: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        net = risk_limits.net_market_value(self.positions)
        object.__setattr__(self, "net_market_value_usd", net)

    def position_usd(self, symbol: str) -> float:
        held = self.positions.get(symbol)
        return 0.0 if held is None else held[1]

    def as_dict(self) -> dict[str, Any]:
        return {
            "equity_usd": self.equity_usd,
            "positions": {s: list(p) for s, p in self.positions.items()},
            "realized_pnl_today_usd": self.realized_pnl_today_usd,
            "peak_equity_usd": self.peak_equity_usd,
            "as_of_ns": self.timestamp_ns,
            "source": ref_dict(self.source),
            "kill_switch": None if self.kill is None else self.kill.as_dict(),
            "control_source": ref_dict(self.control_source),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PortfolioState":
        kill = data.get("kill_switch")
        return cls(
            equity_usd=float(data["equity_usd"]),
            positions={s: (float(p[0]), float(p[1])) for s, p in data["positions"].items()},
            realized_pnl_today_usd=float(data["realized_pnl_today_usd"]),
            peak_equity_usd=data["peak_equity_usd"],
            timestamp_ns=int(data["as_of_ns"]),
            source=InputRef.from_dict(data.get("source")),
            kill=None if kill is None else KillSwitch.from_dict(kill),
            control_source=InputRef.from_dict(data.get("control_source")),
        )


def from_snapshot(
    snap: PortfolioSnapshot,
    prev: PortfolioState | None,
    source: InputRef | None,
    cfg: KillSwitchConfig,
) -> PortfolioState:
    """The new entry; a snapshot older (in event time) than the one held changes nothing."""
    if prev is not None and snap.timestamp_ns < prev.timestamp_ns:
        return replace(prev, source=source)
    reading = kill_switch.Snapshot(
        snap.equity_usd, snap.realized_pnl_today_usd, snap.peak_equity_usd, snap.timestamp_ns
    )
    return PortfolioState(
        equity_usd=snap.equity_usd,
        positions={s: (p.quantity, p.market_value_usd) for s, p in snap.positions.items()},
        realized_pnl_today_usd=snap.realized_pnl_today_usd,
        peak_equity_usd=snap.peak_equity_usd,
        timestamp_ns=snap.timestamp_ns,
        source=source,
        kill=kill_switch.on_snapshot(None if prev is None else prev.kill, reading, cfg),
        control_source=None if prev is None else prev.control_source,
    )


def apply_reset(state: PortfolioState, cmd: KillSwitchReset, source: InputRef) -> PortfolioState:
    """An operator's reset, recorded with who, why and where it came from.

    And after which snapshot: the state from then on depends on that snapshot, the reset and
    the later snapshots only (a reset rewrites all the kill switch but the day and the equity),
    so a replay re-derives it without knowing how the worker interleaved the two topics."""
    audit = {
        "operator": cmd.operator,
        "reason": cmd.reason,
        "timestamp_ns": cmd.timestamp_ns,
        "correlation_id": cmd.correlation_id,
        "source": source.as_dict(),
        "after_snapshot": ref_dict(state.source),
    }
    kill = None if state.kill is None else kill_switch.on_reset(state.kill, audit)
    return replace(state, kill=kill, control_source=source)
