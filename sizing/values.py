"""`Value`: the base of the core's small immutable results.

NamedTuples and dataclasses build through interpreted code (about 250 and 600 ns under mypyc);
a plain class's `__init__` compiles natively (about 20 ns), and stage 2 builds dozens per signal.
"""

from typing import ClassVar


class Value:
    """Equality and repr by the subclass's `__slots__`; attributes are `Final`."""

    __slots__: ClassVar[tuple[str, ...]] = ()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in type(self).__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, n) for n in type(self).__slots__))

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in type(self).__slots__)
        return f"{type(self).__name__}({args})"
