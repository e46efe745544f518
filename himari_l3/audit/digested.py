"""Answers held as a digest and a tail, for an audit of millions of them.

A clean history's answers are only ever compared with the bytes the core makes again, and only
their lineage and config version are read: so a reader keeps, of each answer, its tail from the
lineage on (about a fifth of its bytes) and a SHA-256 digest of the rest (a tampered answer
cannot be forged to match one). Anything that needs more, such as naming the fields of a
difference, raises `WholeValuesNeededError`, and the replay reads the answers whole instead.
"""

import hashlib
from typing import Any

import orjson

from himari_l3.audit.comparison import differing_fields
from himari_l3.audit.decision_tail import NO_RESET
from himari_l3.audit.errors import WholeValuesNeededError
from himari_l3.audit.recorded import TAIL_BYTES, PackedRecorded, Recorded

DIGEST_BYTES = 32
# Where the part of an answer a replay reads starts, as the worker writes it: a sized record
# ends with its reads and config version, a decision with its lineage, version and clock.
SIZED_TAIL = b',"reads":'
DECISION_TAIL = b',"lineage":{"trigger":'


def kept(value: bytes, mark: bytes) -> bytes | None:
    """What is kept of the answer `value` in place of it: the digest of its head, then its tail
    from the last `mark` on. None when the tail is not where the worker writes it: keep it
    whole. Copies that differ only in their tail (the clock) are compared without the rest."""
    at = value.rfind(mark, max(0, len(value) - TAIL_BYTES))
    if at < 0:
        return None
    return hashlib.sha256(memoryview(value)[:at]).digest() + value[at:]


def kept_sized(value: bytes) -> bytes | None:
    return kept(value, SIZED_TAIL)


def kept_decision(value: bytes) -> bytes | None:
    """`kept` for a decision, unless it read a kill-switch reset: its re-run reads the reset's
    diagnostics, so it is kept whole."""
    found = kept(value, DECISION_TAIL)
    return found if found is not None and NO_RESET in found else None


class DigestRecorded(PackedRecorded):
    """An answer whose `Packed` bytes are what `kept` keeps of it. Its id is the one its reader
    worked out (`given_id`): the head of the value is not kept."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"DigestRecorded({self.topic}/{self.partition}@{self.offset})"

    @property
    def value(self) -> bytes:
        raise WholeValuesNeededError(
            f"{self.topic}/{self.partition}@{self.offset} is needed whole, and was read as a digest"
        )

    @property
    def kept(self) -> bytes:
        """The digest of the head, then the tail."""
        return self._packed.get(self._start, self._end)

    def _tail(self) -> bytes:
        return self._packed.get(self._start + DIGEST_BYTES, self._end)

    def _head_id(self) -> str | None:
        return None  # then the id is parsed from the value, which says it is needed whole

    def last(self, size: int) -> bytes:
        """The tail's last `size` bytes: fewer than `size` when the tail is shorter, though the
        value is not."""
        return self._packed.get(max(self._start + DIGEST_BYTES, self._end - size), self._end)

    def same(self, data: bytes) -> bool:
        tail = self._tail()
        head = len(data) - len(tail)
        return (
            head > 0
            and data.endswith(tail)
            and hashlib.sha256(memoryview(data)[:head]).digest() == self.head_digest()
        )

    def head_digest(self) -> bytes:
        """The digest of the value up to its tail."""
        return self._packed.get(self._start, self._start + DIGEST_BYTES)

    def tail_doc(self) -> dict[str, Any]:
        """The top-level fields of the tail."""
        found: dict[str, Any] = orjson.loads(b"{" + self._tail()[1:])
        return found


def unequal(a: Recorded, b: Recorded) -> bool:
    """Whether two copies of an answer differ in a field an audit compares."""
    if type(a) is type(b) and a.kept == b.kept:
        return False
    if isinstance(a, DigestRecorded) and isinstance(b, DigestRecorded):  # noqa: SIM102
        if a.head_digest() == b.head_digest():  # the same but for their tails
            return bool(differing_fields(a.tail_doc(), b.tail_doc()))
    return bool(differing_fields(a.doc, b.doc))


# A packed record's class, by whether its bytes are what `kept` kept of its value (a tuple: a
# reader builds millions of records, so not one function call more each).
PACKED_KINDS: tuple[type[PackedRecorded], type[PackedRecorded]] = (PackedRecorded, DigestRecorded)
