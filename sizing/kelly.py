"""Bayesian Kelly per (strategy, symbol, regime), regime statistics isolated (seed 004 §5)."""

from dataclasses import dataclass, replace
from typing import Any, Final, final

from schemas.config import KellyConfig
from sizing.refs import InputRef, ref_dict
from sizing.values import Value


@dataclass(frozen=True, slots=True)
class OutcomeStats:
    """What `posterior[strategy|symbol|regime]` holds."""

    wins: int = 0
    losses: int = 0
    win_sum: float = 0.0
    loss_sum: float = 0.0
    scratches: int = 0
    source: InputRef | None = None

    @property
    def average_win(self) -> float | None:
        return self.win_sum / self.wins if self.wins else None

    @property
    def average_loss(self) -> float | None:
        return self.loss_sum / self.losses if self.losses else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "wins": self.wins,
            "losses": self.losses,
            "win_sum": self.win_sum,
            "loss_sum": self.loss_sum,
            "scratches": self.scratches,
            "source": ref_dict(self.source),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "OutcomeStats":
        return cls(
            wins=int(data["wins"]),
            losses=int(data["losses"]),
            win_sum=float(data["win_sum"]),
            loss_sum=float(data["loss_sum"]),
            scratches=int(data["scratches"]),
            source=InputRef.from_dict(data.get("source")),
        )


def apply_outcome(
    stats: OutcomeStats, realized_return: float, source: InputRef | None
) -> OutcomeStats:
    """Count a win, a loss (magnitudes summed) or a scratch (exactly zero return)."""
    if realized_return > 0.0:
        return replace(
            stats, wins=stats.wins + 1, win_sum=stats.win_sum + realized_return, source=source
        )
    if realized_return < 0.0:
        return replace(
            stats, losses=stats.losses + 1, loss_sum=stats.loss_sum - realized_return, source=source
        )
    return replace(stats, scratches=stats.scratches + 1, source=source)


@final
class KellyEstimate(Value):
    __slots__ = ("diagnostics", "f_star")

    def __init__(self, f_star: float, diagnostics: dict[str, Any]) -> None:
        self.f_star: Final = f_star
        self.diagnostics: Final = diagnostics


def binary(stats: OutcomeStats, confidence: float, cfg: KellyConfig) -> KellyEstimate:
    """p = mean of Beta(k·c + wins, k·(1 − c) + losses); b = avg win / avg loss; f* = p − (1 − p)/b."""
    k = cfg.prior_strength
    alpha = k * confidence + stats.wins
    beta = k * (1.0 - confidence) + stats.losses
    p = alpha / (alpha + beta)
    avg_win, avg_loss = stats.average_win, stats.average_loss
    # Until both a win and a loss are seen the payoff ratio is unknown; even odds is the neutral prior.
    b = avg_win / avg_loss if avg_win and avg_loss else 1.0
    f_star = p - (1.0 - p) / b
    return KellyEstimate(
        f_star,
        {
            "form": "binary",
            "posterior_alpha": alpha,
            "posterior_beta": beta,
            "win_probability": p,
            "payoff_ratio": b,
            "wins": stats.wins,
            "losses": stats.losses,
            "f_star": f_star,
        },
    )


def continuous(confidence: float, edge: float, volatility: float) -> KellyEstimate:
    """f* = c·μ/σ², μ the expected return in the signal's direction."""
    f_star = confidence * edge / (volatility * volatility)
    return KellyEstimate(
        f_star,
        {
            "form": "continuous",
            "expected_edge": edge,
            "predicted_volatility": volatility,
            "f_star": f_star,
        },
    )
