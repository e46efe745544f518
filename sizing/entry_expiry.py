"""Idle table entries expire: swept once per event-time period per input partition.

An entry changed only by the inputs of one partition expires when its last event time is
`idle_s` older than the start of the period of the input that sweeps. Whether and what a sweep
removes follows from the partition's inputs in offset order, so a replay, or a worker that
recovered the entries from their changelog, removes exactly the same entries.

The sweep's mark (its period, and the input that swept) is a fence for the whole partition: an
input at or before it was applied, even if the entry it wrote has since expired. The Outbox
sends a mark only after every other record of its batch (`streams.outbox`), so a visible mark
means the batch's records are visible too.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sizing.refs import InputRef, applied, ref_dict

MARK_PREFIX = "|swept|"  # names hold no "|" (schemas.messages.Name): no entry key starts so
NS = 1_000_000_000
# An entry's `last_event_ns` before entries had event times: kept until it is written again.
UNKNOWN_NS = -1


@dataclass(frozen=True, slots=True)
class SweepMark:
    """The last sweep of one input partition's entries."""

    # The swept period's start, not its number: a hot config change of `sweep_every_s` must
    # not leave the next due period behind a number counted in shorter periods.
    period_start_ns: int
    source: InputRef | None

    def as_dict(self) -> dict[str, Any]:
        return {"swept_period_start_ns": self.period_start_ns, "source": ref_dict(self.source)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SweepMark":
        return cls(int(data["swept_period_start_ns"]), InputRef.from_dict(data["source"]))


@dataclass(frozen=True, slots=True)
class Expiry:
    """How long an entry may stay idle, and how often (event time) a partition is swept."""

    idle_s: float
    every_s: float


Write = tuple[str, Any]  # (key, new entry); None removes the entry


def mark_key(partition: int) -> str:
    return f"{MARK_PREFIX}{partition}"


def is_mark(key: str) -> bool:
    return key.startswith(MARK_PREFIX)


def decode(data: dict[str, Any], entry_cls: Any) -> Any:
    """A changelog value: the table's entry, or a partition's sweep mark."""
    if "swept_period_start_ns" in data:
        return SweepMark.from_dict(data)
    return entry_cls.from_dict(data)


def apply(
    entries: Any,
    key: str,
    ref: InputRef,
    event_ns: int,
    expiry: Expiry,
    update: Callable[[Any], Any],
) -> list[Write]:
    """The writes of one input to `entries[key]`: the sweep it is due, then its own update.

    `entries` maps keys to entries and marks (a table's data). Nothing, if the input was applied.
    """
    mark = entries.get(mark_key(ref.partition))
    if mark is not None and applied(mark.source, ref):
        return []
    every_ns = round(expiry.every_s * NS)
    start = event_ns - event_ns % every_ns
    due = mark is None or start > mark.period_start_ns
    writes: list[Write] = []
    if due:
        cutoff = start - round(expiry.idle_s * NS)
        writes = [(k, None) for k in expired(entries.items(), ref, cutoff)]
    entry = None if (key, None) in writes else entries.get(key)
    if entry is None or not applied(entry.source, ref):
        writes.append((key, update(entry)))
    if due:
        writes.append((mark_key(ref.partition), SweepMark(start, ref)))
    return writes


def expired(items: Iterable[tuple[str, Any]], ref: InputRef, cutoff_ns: int) -> list[str]:
    """Keys of the entries `ref`'s partition wrote whose last event time is before the cutoff."""
    return sorted(
        k
        for k, e in items
        if not is_mark(k)
        and e.source is not None
        and e.source.partition == ref.partition
        and e.source.topic == ref.topic
        and 0 <= e.last_event_ns < cutoff_ns
    )
