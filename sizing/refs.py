"""Input references: lineage and offset fencing both speak of (topic, partition, offset)."""

from typing import Any, Final, final


@final
class InputRef:
    """Where an input sits. A plain class, not a dataclass: its `__init__` compiles natively,
    and a replay builds two a signal."""

    __slots__ = ("_dict", "offset", "partition", "topic")

    def __init__(self, topic: str, partition: int, offset: int) -> None:
        self.topic: Final = topic
        self.partition: Final = partition
        self.offset: Final = offset
        # Built once: every decision that reads an entry puts its ref in the lineage. Never mutated.
        self._dict: Final = {"topic": topic, "partition": partition, "offset": offset}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, InputRef):
            return NotImplemented
        return (
            self.offset == other.offset
            and self.partition == other.partition
            and self.topic == other.topic
        )

    def __hash__(self) -> int:
        return hash((self.topic, self.partition, self.offset))

    def __repr__(self) -> str:
        return (
            f"InputRef(topic={self.topic!r}, partition={self.partition!r}, offset={self.offset!r})"
        )

    def __reduce__(self) -> tuple[type["InputRef"], tuple[str, int, int]]:
        return InputRef, (self.topic, self.partition, self.offset)

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
