"""Which decisions a replay checks: by their trigger's event time, or by tactical offsets.

Every input is still folded (state and books depend on all that came before); the selection
only says which recomputed answers are compared with the recorded ones.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from himari_l3.audit.errors import AuditError
from sizing.refs import InputRef


@dataclass(frozen=True, slots=True)
class Selection:
    """Bounds are inclusive; None leaves that side open."""

    from_ns: int | None = None
    to_ns: int | None = None
    partition: int | None = None  # of the tactical topic; the offsets below are its
    from_offset: int | None = None
    to_offset: int | None = None

    def __post_init__(self) -> None:
        offsets = self.from_offset is not None or self.to_offset is not None
        if offsets and self.partition is None:
            raise AuditError("an offset range needs --partition: offsets are per partition")

    def selects(self, trigger: InputRef, timestamp_ns: int) -> bool:
        """Whether the decision of the signal at `trigger`, stamped `timestamp_ns`, is checked."""
        if self.from_ns is not None and timestamp_ns < self.from_ns:
            return False
        if self.to_ns is not None and timestamp_ns > self.to_ns:
            return False
        if self.partition is None:
            return True
        if trigger.partition != self.partition:
            return False
        low = -1 if self.from_offset is None else self.from_offset
        high = trigger.offset if self.to_offset is None else self.to_offset
        return low <= trigger.offset <= high

    def chosen(self, signals: Mapping[str, tuple[Any, Any]]) -> set[str]:
        """The decision ids, of `{id: (record, signal)}`, whose answers are checked."""
        return {i for i, (rec, sig) in signals.items() if self.selects(rec.ref, sig.timestamp_ns)}


EVERYTHING = Selection()


def event_time_ns(text: str) -> int:
    """Nanoseconds since the epoch, as given or from ISO 8601 (a time without zone is UTC)."""
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise AuditError(
            f"{text!r} is neither nanoseconds nor an ISO 8601 time (2026-11-21T09:30:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1_000


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
