"""What an entry answered, kept so a redelivered input gets the identical answer (DESIGN §6).

Without transactions a worker can die after its table writes landed but before its answers
did. The writes fence the input on redelivery, so it is not applied again; its answer is then
sent again from here, byte for byte. Only the answers of the entry's last delivery batch are
kept: the shell delivers a batch in full before it starts the next, so every older answer is on
the broker already.
"""

from dataclasses import dataclass, field
from typing import Any, Final, final

import orjson

from sizing.values import Value


@final
class Reply(Value):
    """One answer as sent, and the trigger it answered."""

    __slots__ = ("batch", "offset", "partition", "payload")

    def __init__(self, partition: int, offset: int, payload: bytes, batch: int) -> None:
        self.partition: Final = partition
        self.offset: Final = offset
        self.payload: Final = payload
        self.batch: Final = batch  # the delivery batch that last sent it; -1 once recovered


@dataclass(slots=True)
class Replies:
    """Per trigger partition, the last offset applied; per reply id, the answers still in doubt."""

    applied: dict[int, int] = field(default_factory=dict)
    sent: dict[str, Reply] = field(default_factory=dict)
    # Trigger partition → the batch that last kept a reply for it: pruning runs once per batch.
    kept_in: dict[int, int] = field(default_factory=dict, compare=False, repr=False)
    # The bytes of the kept answers: the shell delivers before an entry's record nears 1 MB.
    kept_bytes: int = field(default=-1, compare=False, repr=False)
    # The batch that last dropped the answers this worker delivered in earlier batches.
    pruned_in: int = field(default=-1, compare=False, repr=False)

    def fenced(self, partition: int, offset: int) -> bool:
        """True when the trigger at `offset`, or a later one of its partition, was applied."""
        last = self.applied.get(partition)
        return last is not None and last >= offset

    def reply(self, reply_id: str) -> bytes | None:
        found = self.sent.get(reply_id)
        return None if found is None else found.payload

    def keep(self, partition: int, offset: int, reply_id: str, payload: bytes, batch: int) -> None:
        """Record the answer to the trigger at `offset`, sent (or sent again) in `batch`.

        A partition's inputs come in offset order, so an answer from an earlier batch to an
        earlier input has been delivered (or sent again, and so kept anew) and can go.
        """
        if self.pruned_in != batch:
            self.pruned_in = batch
            self._forget_delivered(batch)
        if self.kept_in.get(partition) != batch:
            self.kept_in[partition] = batch
            self._forget_before(partition, offset, batch)
        before = self.sent.get(reply_id)
        kept = self.size() - (0 if before is None else len(before.payload))
        self.sent[reply_id] = Reply(partition, offset, payload, batch)
        self.kept_bytes = kept + len(payload)
        if offset > self.applied.get(partition, -1):
            self.applied[partition] = offset

    def _forget_delivered(self, batch: int) -> None:
        """Answers this worker kept in an earlier batch are on the broker, whatever partition
        they answer: without this, each trigger partition's last batch stayed, and an entry
        answering many partitions could pass 1 MB. Recovered ones (-1) wait for their input."""
        self._forget([rid for rid, r in self.sent.items() if 0 <= r.batch < batch])

    def _forget_before(self, partition: int, offset: int, batch: int) -> None:
        self._forget(
            [
                rid
                for rid, r in self.sent.items()
                if r.partition == partition and r.offset < offset and r.batch != batch
            ]
        )

    def _forget(self, gone: list[str]) -> None:
        for rid in gone:
            self.kept_bytes = self.size() - len(self.sent.pop(rid).payload)

    def size(self) -> int:
        """The bytes of the kept answers (counted once, then kept up to date)."""
        if self.kept_bytes < 0:
            self.kept_bytes = sum(len(r.payload) for r in self.sent.values())
        return self.kept_bytes

    def copy(self) -> "Replies":
        return Replies(
            dict(self.applied), dict(self.sent), dict(self.kept_in), self.kept_bytes, self.pruned_in
        )

    def as_dict(self) -> dict[str, Any]:
        # The answers are JSON already: embed them as they are, not as escaped strings.
        return {
            "applied": {str(p): o for p, o in self.applied.items()},
            "sent": [
                [rid, r.partition, r.offset, orjson.Fragment(r.payload)]
                for rid, r in self.sent.items()
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Replies":
        # orjson writes back exactly the bytes it read (shortest float repr, key order kept).
        return cls(
            applied={int(p): int(o) for p, o in data["applied"].items()},
            sent={
                str(rid): Reply(int(p), int(o), orjson.dumps(payload), -1)
                for rid, p, o, payload in data["sent"]
            },
        )
