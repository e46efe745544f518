"""Recorded answers against recomputed ones: what a replay counts and names, field by field."""

from dataclasses import dataclass, field
from typing import Any

import orjson

from himari_l3.audit.recorded import Recorded

UNAUDITED = frozenset({"processed_at_ns"})  # wall clock: the one field an audit ignores


@dataclass
class Comparison:
    """Recorded answers against recomputed ones, by decision id."""

    checked: int = 0
    identical: int = 0
    different: dict[str, list[str]] = field(default_factory=dict)  # id → fields that differ
    missing: list[str] = field(default_factory=list)  # recomputed, never recorded
    extra: list[str] = field(default_factory=list)  # recorded, with no valid input behind it
    unequal_copies: list[str] = field(default_factory=list)  # recorded twice, not identically
    # Past a kill-switch reset recorded without the snapshot it followed (decisions written
    # before resets said so), a portfolio's state is not re-derived.
    after_reset: list[str] = field(default_factory=list)

    def compare_record(self, decision_id: str, recorded: Recorded, expected: Any) -> None:
        """`compare`, bytes first: the worker wrote `orjson.dumps` of the very same dict, so an
        identical answer is the same bytes (the usual case, without parsing either)."""
        self.tally(decision_id, recorded, expected, recorded.same(orjson.dumps(expected)))

    def tally(self, decision_id: str, recorded: Recorded, expected: Any, same: bool) -> None:
        """`compare_record` with the bytes already compared (`same`)."""
        if same:
            self.checked += 1
            self.identical += 1
        else:
            self.compare(decision_id, recorded.doc, json_types(expected))

    def compare(self, decision_id: str, recorded: dict[str, Any], expected: dict[str, Any]) -> None:
        self.checked += 1
        fields = differing_fields(recorded, expected)
        if fields:
            self.different[decision_id] = fields
        else:
            self.identical += 1

    def add(self, other: "Comparison") -> None:
        """Fold in the findings of another share of the same history."""
        self.checked += other.checked
        self.identical += other.identical
        self.different.update(other.different)
        for mine, theirs in (
            (self.missing, other.missing),
            (self.extra, other.extra),
            (self.unequal_copies, other.unequal_copies),
            (self.after_reset, other.after_reset),
        ):
            mine.extend(theirs)

    def finding_ids(self) -> set[str]:
        return {*self.different, *self.missing, *self.extra, *self.unequal_copies,
                *self.after_reset}  # fmt: skip


def differing_fields(recorded: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Top-level fields (and one level into objects) whose values differ."""
    out: list[str] = []
    for name in sorted((recorded.keys() | expected.keys()) - UNAUDITED):
        a, b = recorded.get(name), expected.get(name)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(f"{name}.{k}" for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k))
        else:
            out.append(name)
    return out


def json_types(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` as JSON reads it back: enums as strings, tuples as lists."""
    result: dict[str, Any] = orjson.loads(orjson.dumps(doc))
    return result
