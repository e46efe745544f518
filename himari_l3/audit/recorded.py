"""Records as read back from their topics, and the order the worker consumed them in."""

from dataclasses import dataclass

from sizing.refs import InputRef


@dataclass(frozen=True, slots=True)
class Recorded:
    """One record as read back from its topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes

    @property
    def ref(self) -> InputRef:
        return InputRef(self.topic, self.partition, self.offset)


def by_offset(recs: list[Recorded]) -> list[Recorded]:
    return sorted(recs, key=lambda r: (r.partition, r.offset))
