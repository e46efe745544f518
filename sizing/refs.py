"""Input references: lineage and offset fencing both speak of (topic, partition, offset)."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class InputRef:
    topic: str
    partition: int
    offset: int

    def as_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "partition": self.partition, "offset": self.offset}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "InputRef | None":
        if data is None:
            return None
        return cls(str(data["topic"]), int(data["partition"]), int(data["offset"]))


def ref_dict(ref: InputRef | None) -> dict[str, Any] | None:
    return None if ref is None else ref.as_dict()
