"""Input references: lineage and offset fencing both speak of (topic, partition, offset)."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class InputRef:
    topic: str
    partition: int
    offset: int
    # Built once: every decision that reads an entry puts its ref in the lineage. Never mutated.
    _dict: dict[str, Any] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        d = {"topic": self.topic, "partition": self.partition, "offset": self.offset}
        object.__setattr__(self, "_dict", d)

    def as_dict(self) -> dict[str, Any]:
        return self._dict

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "InputRef | None":
        if data is None:
            return None
        return cls(str(data["topic"]), int(data["partition"]), int(data["offset"]))


def ref_dict(ref: InputRef | None) -> dict[str, Any] | None:
    return None if ref is None else ref.as_dict()


def applied(source: InputRef | None, ref: InputRef) -> bool:
    """True when `source`, the last input applied, is `ref` or a later input of its partition."""
    return (
        source is not None
        and source.offset >= ref.offset
        and source.partition == ref.partition
        and source.topic == ref.topic
    )
