"""Records as read back from their topics, and the order the worker consumed them in."""

import contextlib
import mmap
import os
from typing import Any

import orjson

from sizing.refs import InputRef

_ID_HEAD = b'{"decision_id":"'
_MEMO_TAILS = 4_096
_ID_BYTES = 128  # longer than any id the worker writes (32 hex digits)
# Longer than the lineage and config version an answer ends with, as the worker writes them.
TAIL_BYTES = 2_048


class Recorded:
    """One record as read back from its topic. Parsed on demand and not kept: a replay of a
    million answers cannot hold them all parsed. `given_id`: the id its reader worked out (an
    answer's own, or the one a tactical signal's decision gets), or None."""

    __slots__ = ("_ref", "_value", "given_id", "key", "offset", "partition", "topic")

    def __init__(
        self,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes,
        given_id: str | None = None,
    ) -> None:
        self.topic, self.partition, self.offset = topic, partition, offset
        self.key, self._value, self.given_id = key, value, given_id
        self._ref: InputRef | None = None

    @property
    def value(self) -> bytes:
        return self._value

    def __repr__(self) -> str:
        return f"Recorded({self.topic}/{self.partition}@{self.offset}, {len(self.value)} bytes)"

    @property
    def ref(self) -> InputRef:
        """Built once: a replay asks a signal's several times."""
        if self._ref is None:
            self._ref = InputRef(self.topic, self.partition, self.offset)
        return self._ref

    @property
    def doc(self) -> Any:
        return orjson.loads(self.value)

    @property
    def decision_id(self) -> str:
        """An answer's id; the worker writes it first, so it is read without parsing the rest."""
        if self.given_id is not None:
            return self.given_id
        found = self._head_id()
        if found is None:
            found = orjson.loads(self.value)["decision_id"]
        return found

    def _head_id(self) -> str | None:
        return head_id(self.value)

    @property
    def kept(self) -> bytes:
        """The bytes held of the value: all of them (a `DigestRecorded` holds a digest and a
        tail)."""
        return self.value

    def last(self, size: int) -> bytes:
        """The value's last `size` bytes (all of it when shorter)."""
        return self._value[-size:]

    def same(self, data: bytes) -> bool:
        """Whether `data` is the value, byte for byte."""
        return data == self.value

    def tail(
        self, first: str, *names: str, memo: dict[bytes, dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The top-level fields `first` and `names`. The worker writes an answer's lineage and
        config version last, so they are parsed alone when `first` starts the tail; otherwise
        (an answer written some other way) the whole record is. Tails that recur (the same
        reads, answer after answer) are parsed once into `memo`, one memo per choice of fields;
        its values are shared, so read only."""
        mark = b',"' + first.encode() + b'":'
        value = self.last(TAIL_BYTES)  # the usual tail, without copying out the whole value
        at = value.rfind(mark)
        if at < 0 and len(value) == TAIL_BYTES:
            value = self.value
            at = value.rfind(mark)
        if at >= 0:
            raw = b"{" + value[at + 1 :]
            found = None if memo is None else memo.get(raw)
            if found is not None:
                return found
            with contextlib.suppress(orjson.JSONDecodeError):
                found = orjson.loads(raw)
                if isinstance(found, dict) and all(n in found for n in (first, *names)):
                    if memo is not None:
                        _remember(memo, raw, found)
                    return found
        whole: dict[str, Any] = orjson.loads(self.value)
        return whole


def head_id(
    data: bytes | bytearray | mmap.mmap, start: int = 0, end: int | None = None
) -> str | None:
    """The id the answer in `data[start:end]` starts with, as the worker writes it first; None
    when it starts otherwise."""
    end = len(data) if end is None else end
    first = start + len(_ID_HEAD)
    close = data.find(b'"', first, min(end, first + _ID_BYTES))
    if close < 0 or data.find(_ID_HEAD, start, first) != start:
        return None
    return data[first:close].decode()


def _remember(memo: dict[bytes, dict[str, Any]], raw: bytes, found: dict[str, Any]) -> None:
    if len(memo) >= _MEMO_TAILS:  # a bound, not a cache policy: recurring tails come back
        memo.clear()
    memo[raw] = found


class Packed:
    """Values end to end in one buffer: a topic's, or the file of one reader process. Processes
    forked after the read share its pages: a bytes object per record would be copied into each
    process that touched its reference count (a page fault each, about 10 µs in a VM)."""

    __slots__ = ("_data", "_view")

    def __init__(self) -> None:
        self._data: bytearray | mmap.mmap = bytearray()
        self._view: memoryview | None = None

    @classmethod
    def mapped(cls, fd: int) -> "Packed":
        """The values another process wrote to the file `fd`, mapped read-only: sealed."""
        packed, size = cls(), os.fstat(fd).st_size
        if size:  # an empty file cannot be mapped
            packed._data = mmap.mmap(fd, size, access=mmap.ACCESS_READ)
        packed.seal()
        return packed

    def add(self, value: bytes) -> int:
        """Where `value` starts; the buffer must not be sealed yet, nor mapped."""
        assert isinstance(self._data, bytearray)
        start = len(self._data)
        self._data += value
        return start

    def seal(self) -> None:
        """No more values: they can be read now."""
        self._view = memoryview(self._data)

    def get(self, start: int, end: int) -> bytes:
        if self._view is None:
            raise RuntimeError("a Packed buffer is read before it is sealed")
        return bytes(self._view[start:end])

    def decision_id(self, start: int, end: int) -> str | None:
        """The id an answer starts with, read in place; None when it starts otherwise."""
        return head_id(self._data, start, end)


class PackedRecorded(Recorded):
    """A record whose value sits in its topic's `Packed` buffer, copied out on each read."""

    __slots__ = ("_end", "_packed", "_start")

    def __init__(
        self,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        packed: Packed,
        start: int,
        end: int,
        given_id: str | None = None,
    ) -> None:
        # Not Recorded.__init__: a million calls of it are a second of a replay's read.
        self.topic, self.partition, self.offset, self.key = topic, partition, offset, key
        self._value, self._ref, self.given_id = b"", None, given_id
        self._packed, self._start, self._end = packed, start, end

    @property
    def value(self) -> bytes:
        return self._packed.get(self._start, self._end)

    def _head_id(self) -> str | None:
        return self._packed.decision_id(self._start, self._end)  # in place: no copy of the value

    def last(self, size: int) -> bytes:
        return self._packed.get(max(self._start, self._end - size), self._end)


def by_offset(recs: list[Recorded]) -> list[Recorded]:
    return sorted(recs, key=lambda r: (r.partition, r.offset))
