"""Split-conformal width of recent prediction errors and the size scale it implies (seed 000 §11.4)."""

import math
from dataclasses import dataclass, field
from typing import Any, Final, final

from schemas.config import ConformalConfig
from sizing.refs import InputRef, ref_dict
from sizing.values import Value


@dataclass(frozen=True, slots=True)
class ResidualWindow:
    """What `residuals[strategy|symbol]` holds: the latest |realized − predicted| values."""

    residuals: tuple[float, ...] = ()
    source: InputRef | None = None
    _sorted: tuple[float, ...] | None = field(default=None, init=False, repr=False, compare=False)

    def ordered(self, window: int) -> tuple[float, ...]:
        """The last `window` residuals, sorted; kept, as many signals read one window."""
        if self._sorted is None or len(self._sorted) != min(window, len(self.residuals)):
            object.__setattr__(self, "_sorted", tuple(sorted(self.residuals[-window:])))
        assert self._sorted is not None
        return self._sorted

    def as_dict(self) -> dict[str, Any]:
        return {"residuals": list(self.residuals), "source": ref_dict(self.source)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ResidualWindow":
        return cls(
            tuple(float(r) for r in data["residuals"]), InputRef.from_dict(data.get("source"))
        )


def add_residual(
    window: ResidualWindow,
    predicted: float | None,
    realized: float,
    cfg: ConformalConfig,
    source: InputRef | None,
) -> ResidualWindow:
    """Append |realized − predicted|; without a prediction only the last-applied source moves.

    The window is the one entry every outcome of a (strategy, symbol) writes, so it is what
    fences redelivered outcomes.
    """
    if predicted is None:
        return ResidualWindow(window.residuals, source)
    residual = abs(realized - predicted)
    return ResidualWindow((*window.residuals, residual)[-cfg.window :], source)


def quantile(residuals: tuple[float, ...], coverage: float, presorted: bool = False) -> float:
    """q̂ = the ⌈(n+1)·coverage⌉-th smallest residual, the largest one while n is too small."""
    n = len(residuals)
    if n == 0:
        return 0.0
    rank = min(n, math.ceil((n + 1) * coverage))
    return (residuals if presorted else sorted(residuals))[rank - 1]


@final
class ConformalScale(Value):
    __slots__ = ("diagnostics", "scale")

    def __init__(self, scale: float, diagnostics: dict[str, Any]) -> None:
        self.scale: Final = scale
        self.diagnostics: Final = diagnostics


def scale(window: ResidualWindow | None, cfg: ConformalConfig) -> ConformalScale:
    """Full size while q̂ ≤ full_size_width, then full_size_width / q̂, never below min_scale."""
    residuals = () if window is None else window.ordered(cfg.window)
    q_hat = quantile(residuals, cfg.coverage, presorted=True)
    value = 1.0 if q_hat <= cfg.full_size_width else max(cfg.min_scale, cfg.full_size_width / q_hat)
    return ConformalScale(
        value,
        {
            "quantile": q_hat,
            "scale": value,
            "n_residuals": len(residuals),
            "coverage": cfg.coverage,
        },
    )
