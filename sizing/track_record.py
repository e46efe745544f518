"""What `track_record[strategy|symbol]` holds: a pair's Kelly posteriors and residual window.

One entry, so one changelog record: an outcome changes both together, and a worker killed
between two records can never leave one applied and the other not (DESIGN §6).
"""

from dataclasses import dataclass, field
from typing import Any

from schemas.enums import Regime
from sizing.conformal import ResidualWindow
from sizing.entry_expiry import UNKNOWN_NS
from sizing.kelly import OutcomeStats
from sizing.refs import InputRef, ref_dict


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """Posteriors per regime (seed 004 §5 keeps regimes apart) and the pair's residuals."""

    posteriors: dict[str, OutcomeStats] = field(default_factory=dict)  # regime value → stats
    residuals: ResidualWindow = field(default_factory=ResidualWindow)
    source: InputRef | None = None  # the last outcome applied: the entry's fence
    last_event_ns: int = UNKNOWN_NS  # the latest outcome's event time: the entry expires by it

    def posterior(self, regime: Regime | None) -> OutcomeStats | None:
        return None if regime is None else self.posteriors.get(regime.value)

    def with_outcome(
        self,
        regime: Regime | None,
        posterior: OutcomeStats | None,
        residuals: ResidualWindow,
        source: InputRef,
        event_ns: int,
    ) -> "TrackRecord":
        posteriors = self.posteriors
        if regime is not None and posterior is not None:
            posteriors = {**posteriors, regime.value: posterior}
        return TrackRecord(posteriors, residuals, source, max(self.last_event_ns, event_ns))

    def as_dict(self) -> dict[str, Any]:
        return {
            "posteriors": {r: s.as_dict() for r, s in self.posteriors.items()},
            "residuals": self.residuals.as_dict(),
            "source": ref_dict(self.source),
            "last_event_ns": self.last_event_ns,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrackRecord":
        return cls(
            {str(r): OutcomeStats.from_dict(s) for r, s in data["posteriors"].items()},
            ResidualWindow.from_dict(data["residuals"]),
            InputRef.from_dict(data.get("source")),
            int(data.get("last_event_ns", UNKNOWN_NS)),
        )
