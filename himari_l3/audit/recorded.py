"""Records as read back from their topics, and the order the worker consumed them in."""

import contextlib
from typing import Any

import orjson

from sizing.refs import InputRef

_ID_HEAD = b'{"decision_id":"'


class Recorded:
    """One record as read back from its topic. Parsed on demand and not kept: a replay of a
    million answers cannot hold them all parsed."""

    __slots__ = ("_ref", "key", "offset", "partition", "topic", "value")

    def __init__(
        self, topic: str, partition: int, offset: int, key: bytes | None, value: bytes
    ) -> None:
        self.topic, self.partition, self.offset = topic, partition, offset
        self.key, self.value = key, value
        self._ref: InputRef | None = None

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
        if self.value.startswith(_ID_HEAD):
            end = self.value.index(b'"', len(_ID_HEAD))
            return self.value[len(_ID_HEAD) : end].decode()
        found: str = orjson.loads(self.value)["decision_id"]
        return found

    def tail(self, first: str, *names: str) -> dict[str, Any]:
        """The top-level fields `first` and `names`. The worker writes an answer's lineage and
        config version last, so they are parsed alone when `first` starts the tail; otherwise
        (an answer written some other way) the whole record is."""
        at = self.value.rfind(b',"' + first.encode() + b'":')
        if at >= 0:
            with contextlib.suppress(orjson.JSONDecodeError):
                found = orjson.loads(b"{" + self.value[at + 1 :])
                if isinstance(found, dict) and all(n in found for n in (first, *names)):
                    return found
        whole: dict[str, Any] = self.doc
        return whole


def by_offset(recs: list[Recorded]) -> list[Recorded]:
    return sorted(recs, key=lambda r: (r.partition, r.offset))
