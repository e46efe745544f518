"""Regime hysteresis (seed 000 §11.2): a new regime needs N confirmations before it counts."""

from dataclasses import dataclass, field, replace
from typing import Any

from schemas.config import RegimeConfig
from schemas.enums import Regime
from sizing.refs import InputRef, ref_dict


@dataclass(frozen=True, slots=True)
class Transition:
    timestamp_ns: int
    from_regime: Regime | None
    to_regime: Regime

    def as_dict(self) -> dict[str, Any]:
        return {"timestamp_ns": self.timestamp_ns, "from": self.from_regime, "to": self.to_regime}


@dataclass(frozen=True, slots=True)
class RegimeState:
    """What `regime[symbol]` holds. `current` is None until the first observation."""

    current: Regime | None = None
    candidate: Regime | None = None
    confirmation_count: int = 0
    false_flip_count: int = 0
    transitions: tuple[Transition, ...] = ()
    last_update_ns: int = 0
    source: InputRef | None = None
    _diag: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def last_event_ns(self) -> int:
        return self.last_update_ns

    def _diagnostics(self) -> dict[str, Any]:
        # Built on first read and kept: a state is read by many signals and never changes.
        if self._diag is None:
            diag = {
                "current_regime": self.current,
                "candidate_regime": self.candidate,
                "confirmation_count": self.confirmation_count,
                "false_flip_count": self.false_flip_count,
                "transitions": [t.as_dict() for t in self.transitions],
                "as_of_ns": self.last_update_ns,
            }
            object.__setattr__(self, "_diag", diag)
            return diag
        return self._diag

    def diagnostics(self, periods: int) -> dict[str, Any]:
        """A fresh dict the caller may extend."""
        progress = f"{self.confirmation_count}/{periods}"
        return {**self._diagnostics(), "confirmation_progress": progress}

    def as_dict(self) -> dict[str, Any]:
        return {**self._diagnostics(), "source": ref_dict(self.source)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RegimeState":
        def opt(v: Any) -> Regime | None:
            return None if v is None else Regime(v)

        return cls(
            current=opt(data["current_regime"]),
            candidate=opt(data["candidate_regime"]),
            confirmation_count=int(data["confirmation_count"]),
            false_flip_count=int(data["false_flip_count"]),
            transitions=tuple(
                Transition(int(t["timestamp_ns"]), opt(t["from"]), Regime(t["to"]))
                for t in data["transitions"]
            ),
            last_update_ns=int(data["as_of_ns"]),
            source=InputRef.from_dict(data.get("source")),
        )


def _confirm(state: RegimeState, to: Regime, ts: int, cfg: RegimeConfig) -> RegimeState:
    history = (*state.transitions, Transition(ts, state.current, to))[-cfg.transition_history :]
    return replace(state, current=to, candidate=None, confirmation_count=0, transitions=history)


def update(
    state: RegimeState,
    detected: Regime,
    timestamp_ns: int,
    cfg: RegimeConfig,
    source: InputRef | None = None,
) -> RegimeState:
    """Apply one observation; returns the new state (the input state is untouched)."""
    # A late observation leaves the stamp: the state folds inputs, and its expiry
    # (sizing.entry_expiry) must not see it grow older.
    stamped = replace(state, last_update_ns=max(state.last_update_ns, timestamp_ns), source=source)
    if state.current is None:
        # Nothing to be hysteretic against yet: the first observation is the regime.
        return _confirm(stamped, detected, timestamp_ns, cfg)
    if detected == state.current:
        flips = state.false_flip_count + (state.candidate is not None)
        return replace(stamped, candidate=None, confirmation_count=0, false_flip_count=flips)
    if detected == state.candidate:
        count = state.confirmation_count + 1
        if count >= cfg.hysteresis_periods:
            return _confirm(stamped, detected, timestamp_ns, cfg)
        return replace(stamped, confirmation_count=count)
    flips = state.false_flip_count + (state.candidate is not None)
    if cfg.hysteresis_periods <= 1:
        return _confirm(replace(stamped, false_flip_count=flips), detected, timestamp_ns, cfg)
    return replace(stamped, candidate=detected, confirmation_count=1, false_flip_count=flips)


def multiplier(regime: Regime, cfg: RegimeConfig) -> float:
    return cfg.multipliers[regime]
