"""Each input partition's next offset to process, kept by the agents themselves (DESIGN §6).

faust-streaming 0.15 can skip a range of a partition's records after a rebalance or a table
recovery: its queues are cleared while the fetch position moves on (faust-streaming/faust#596),
and its gap tracking then commits over the hole. The offset fences would make such a skip
permanent, since a later record applied first fences the skipped ones. So every record is
placed against the frontier first, and the shell rewinds faust when it jumped over records.
Pure: no faust, no I/O; partitions are (topic, partition) pairs, as faust's TP is.
"""

from dataclasses import dataclass, field
from enum import StrEnum

Partition = tuple[str, int]


class Place(StrEnum):
    NEXT = "next"  # the record to process now
    SEEN = "seen"  # processed already while this worker held the partition: a refetched copy
    AHEAD = "ahead"  # records before it were not processed, and may exist: probe, then rewind
    UNTRACKED = "untracked"  # a partition this worker was not told it holds


@dataclass
class Frontier:
    next: dict[Partition, int] = field(default_factory=dict)
    # (partition, offset) → the first offset that exists at or after it, as the broker said:
    # a gap with no records in it (transaction markers, retention) is not a skip.
    first_existing: dict[tuple[Partition, int], int] = field(default_factory=dict)
    rewound_to: dict[Partition, int] = field(default_factory=dict)

    def hold(self, positions: dict[Partition, int]) -> None:
        """Partitions now held, each from the offset its records are consumed from."""
        self.next.update(positions)
        for tp in positions:
            self.rewound_to.pop(tp, None)

    def release(self, partitions: set[Partition]) -> None:
        for tp in partitions:
            self.next.pop(tp, None)
            self.rewound_to.pop(tp, None)
        self.first_existing = {k: v for k, v in self.first_existing.items() if k[0] in self.next}

    def place(self, tp: Partition, offset: int) -> Place:
        expected = self.next.get(tp)
        if expected is None:
            return Place.UNTRACKED
        if offset < expected:
            return Place.SEEN
        if offset == expected or self.first_existing.get((tp, expected)) == offset:
            return Place.NEXT
        return Place.AHEAD

    def learn(self, tp: Partition, offset: int, first: int) -> None:
        """The broker's answer: the first record at or after `offset` is at `first`."""
        self.first_existing[(tp, offset)] = first

    def processed(self, tp: Partition, offset: int) -> None:
        # Called for every record: the two maps are empty unless a skip is being mended.
        if tp in self.next:
            if self.first_existing:
                self.first_existing.pop((tp, self.next[tp]), None)
            if self.rewound_to:
                self.rewound_to.pop(tp, None)
            self.next[tp] = offset + 1

    def needs_rewind(self, tp: Partition) -> int | None:
        """The offset to rewind `tp` to, unless a rewind there is already under way."""
        expected = self.next.get(tp)
        if expected is None or self.rewound_to.get(tp) == expected:
            return None
        self.rewound_to[tp] = expected
        return expected

    def rewind_again(self, tp: Partition) -> None:
        """Let `needs_rewind` ask again at the same position: the last rewind did not take."""
        self.rewound_to.pop(tp, None)

    def behind(self, ends: dict[Partition, int]) -> list[Partition]:
        """Held partitions whose log ends past the frontier: records wait that never came."""
        return [tp for tp, end in ends.items() if tp in self.next and end > self.next[tp]]
