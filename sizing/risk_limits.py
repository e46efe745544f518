"""Position-level risk rules of stage 2 as pure functions on signed USD figures (+ long)."""

import math
from typing import Any, Final, final

from schemas.config import CapitalLimitConfig, ConcentrationConfig
from schemas.enums import TradingState
from sizing.members import ACTIVE, HALTED, REDUCING
from sizing.values import Value


@final
class CapitalLimit(Value):
    __slots__ = ("diagnostics", "max_notional_usd", "vol_adj")

    def __init__(
        self, max_notional_usd: float, vol_adj: float, diagnostics: dict[str, Any]
    ) -> None:
        self.max_notional_usd: Final = max_notional_usd
        self.vol_adj: Final = vol_adj
        self.diagnostics: Final = diagnostics


def capital_limit(
    equity: float,
    realised_vol: float | None,
    vol_source: str,
    cfg: CapitalLimitConfig,
) -> CapitalLimit:
    """Seed 003 §1a: equity × budget_pct × vol_adj, never below the exchange minimum."""
    key = (equity, realised_vol, vol_source, id(cfg))
    hit = _LIMITS.get(key)
    if hit is not None and hit[0] is cfg:
        return hit[1]
    if len(_LIMITS) >= 4096:
        _LIMITS.clear()
    limit = _capital_limit(equity, realised_vol, vol_source, cfg)
    _LIMITS[key] = (cfg, limit)
    return limit


# Equity moves per snapshot and realised vol per period: most signals repeat the last inputs.
_LIMITS: dict[tuple[float, float | None, str, int], tuple[CapitalLimitConfig, CapitalLimit]] = {}


def _capital_limit(
    equity: float, realised_vol: float | None, vol_source: str, cfg: CapitalLimitConfig
) -> CapitalLimit:
    excess = 0.0 if realised_vol is None else max(0.0, realised_vol / cfg.baseline_daily_vol - 1.0)
    vol_adj = 1.0 / (1.0 + cfg.vol_sensitivity * excess)
    limit = max(cfg.min_position_usd, equity * cfg.position_budget_pct * vol_adj)
    diagnostics = {
        "max_notional_usd": limit,
        "vol_adj": vol_adj,
        "realised_vol": realised_vol,
        "vol_source": vol_source,
        "baseline_daily_vol": cfg.baseline_daily_vol,
    }
    return CapitalLimit(limit, vol_adj, diagnostics)


def net_market_value(positions: dict[str, tuple[float, float]]) -> float:
    """Signed market value of every position (+ long)."""
    return math.fsum([mv for _, mv in positions.values()])


def net_delta_pct(positions: dict[str, tuple[float, float]], equity: float) -> float:
    """Seed 004 §3: signed market value of every position over equity."""
    return net_market_value(positions) / equity


def concentration_gate(
    target: float, current: float, net_delta: float, cfg: ConcentrationConfig
) -> float:
    """Past the net-delta limit, no new exposure on that side; reductions and the other side pass."""
    if net_delta > cfg.max_net_delta_pct and target > max(current, 0.0):
        return max(current, 0.0)
    if net_delta < -cfg.max_net_delta_pct and target < min(current, 0.0):
        return min(current, 0.0)
    return target


def restrict(target: float, current: float, state: TradingState) -> float:
    """REDUCING and HALTED: no increase of |position|; a flip of sign becomes a close."""
    if state is ACTIVE:
        return target
    if target * current <= 0.0:
        return 0.0
    return target if abs(target) <= abs(current) else current


def most_restrictive(a: TradingState, b: TradingState) -> TradingState:
    if HALTED in (a, b):
        return HALTED
    return REDUCING if REDUCING in (a, b) else ACTIVE
