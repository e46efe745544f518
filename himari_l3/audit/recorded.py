"""Records as read back from their topics, and the order the worker consumed them in."""

from dataclasses import dataclass
from typing import Any

import orjson

from sizing.refs import InputRef

_ID_HEAD = b'{"decision_id":"'


@dataclass(frozen=True, slots=True)
class Recorded:
    """One record as read back from its topic. Parsed on demand and not kept: a replay of a
    million answers cannot hold them all parsed."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes

    @property
    def ref(self) -> InputRef:
        return InputRef(self.topic, self.partition, self.offset)

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


def by_offset(recs: list[Recorded]) -> list[Recorded]:
    return sorted(recs, key=lambda r: (r.partition, r.offset))
