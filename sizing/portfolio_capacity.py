"""The cap on per-portfolio entries: how many portfolios one input partition may hold.

Entries are only ever added, and an input is refused when its partition is full. So a
redelivered input gets the answer it got the first time: if it was admitted, the partition held
fewer than `cap` others then and, its own entry lost or not, holds fewer than `cap` others now;
if it was refused, every entry counted then was created before it, and is there again.
"""

from collections.abc import Mapping
from typing import Any

from sizing.refs import InputRef


def held_in(entries: Mapping[str, Any], partition: int) -> int:
    """Entries that inputs of `partition` wrote."""
    count = 0
    for entry in entries.values():
        source = entry.source
        if source is not None and source.partition == partition:
            count += 1
    return count


def has_room(entries: Mapping[str, Any], key: str, ref: InputRef, cap: int) -> bool:
    """Whether the input `ref` may write `entries[key]`: it exists, or the partition has room."""
    return key in entries or held_in(entries, ref.partition) < cap
