"""Stage 2: turn a strategy's equity fraction into a target position for its portfolio."""

from dataclasses import dataclass
from typing import Any, NamedTuple

from schemas.config import SizingConfig
from schemas.enums import BEARISH_ACTIONS, BULLISH_ACTIONS, Action, Reason, Side, TradingState
from schemas.messages import PortfolioSnapshot
from sizing.refs import InputRef, ref_dict


@dataclass(frozen=True, slots=True)
class PortfolioState:
    """What `portfolio[portfolio_id]` holds: the latest snapshot's figures."""

    equity_usd: float
    positions: dict[str, tuple[float, float]]
    realized_pnl_today_usd: float
    peak_equity_usd: float | None
    timestamp_ns: int
    source: InputRef | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "equity_usd": self.equity_usd,
            "positions": {s: list(p) for s, p in self.positions.items()},
            "realized_pnl_today_usd": self.realized_pnl_today_usd,
            "peak_equity_usd": self.peak_equity_usd,
            "as_of_ns": self.timestamp_ns,
            "source": ref_dict(self.source),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PortfolioState":
        return cls(
            equity_usd=float(data["equity_usd"]),
            positions={s: (float(p[0]), float(p[1])) for s, p in data["positions"].items()},
            realized_pnl_today_usd=float(data["realized_pnl_today_usd"]),
            peak_equity_usd=data["peak_equity_usd"],
            timestamp_ns=int(data["as_of_ns"]),
            source=InputRef.from_dict(data.get("source")),
        )


def from_snapshot(snap: PortfolioSnapshot, source: InputRef | None) -> PortfolioState:
    return PortfolioState(
        equity_usd=snap.equity_usd,
        positions={s: (p.quantity, p.market_value_usd) for s, p in snap.positions.items()},
        realized_pnl_today_usd=snap.realized_pnl_today_usd,
        peak_equity_usd=snap.peak_equity_usd,
        timestamp_ns=snap.timestamp_ns,
        source=source,
    )


class Stage1Input(NamedTuple):
    """What stage 2 needs of a stage-1 result (decoded from `himari.l3.sized`)."""

    action: Action
    price: float
    fraction: float
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
    budgets: dict[str, Any]


def side_of(action: Action, size_usd: float) -> Side:
    if size_usd <= 0.0:
        return Side.FLAT
    if action in BULLISH_ACTIONS:
        return Side.LONG
    return Side.SHORT if action in BEARISH_ACTIONS else Side.FLAT


def size(stage1: Stage1Input, portfolio: PortfolioState | None, cfg: SizingConfig) -> PortfolioSize:
    """Scale by equity and apply the position budget; the full portfolio layer builds on this."""
    reasons = list(stage1.reasons)
    if portfolio is None:
        equity, origin = cfg.portfolio_value_usd, "config"
        reasons.append(Reason.NO_PORTFOLIO_SNAPSHOT)
    else:
        equity, origin = portfolio.equity_usd, "snapshot"
    strategy_usd = stage1.fraction * equity
    waterfall = [
        {"step": step, "size_usd": fraction * equity, "multiplier": mult}
        for step, fraction, mult in stage1.waterfall
    ]
    limit = cfg.budgets.position_pct * equity
    position_usd = min(strategy_usd, limit)
    if position_usd < strategy_usd:
        reasons.append(Reason.POSITION_BUDGET)
        waterfall.append(
            {
                "step": "position_budget",
                "size_usd": position_usd,
                "multiplier": position_usd / strategy_usd,
            }
        )
    side = side_of(stage1.action, position_usd)
    signed = -position_usd if side is Side.SHORT else (position_usd if side is Side.LONG else 0.0)
    return PortfolioSize(
        strategy_size_usd=strategy_usd,
        target_position_usd=signed,
        target_quantity=signed / stage1.price,
        side=side,
        trading_state=TradingState.ACTIVE,
        waterfall=waterfall,
        reasons=list(dict.fromkeys(reasons)),
        budgets={
            "equity_usd": equity,
            "equity_source": origin,
            "position_limit_usd": limit,
            "position_utilisation": position_usd / limit if limit > 0 else 0.0,
        },
    )
