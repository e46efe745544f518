"""The cap on portfolios per partition, and why a redelivered input gets its first answer."""

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from sizing import portfolio_capacity
from sizing.refs import InputRef


@dataclass(frozen=True)
class Entry:
    source: InputRef


def ref(offset: int, partition: int = 0) -> InputRef:
    return InputRef("himari.l3.sized", partition, offset)


def test_a_partition_admits_new_keys_until_it_holds_the_cap() -> None:
    entries = {"a": Entry(ref(0)), "b": Entry(ref(1))}
    assert portfolio_capacity.has_room(entries, "c", ref(2), cap=3)
    assert not portfolio_capacity.has_room(entries, "c", ref(2), cap=2)


def test_a_key_the_partition_holds_always_has_room() -> None:
    entries = {"a": Entry(ref(0)), "b": Entry(ref(1))}
    assert portfolio_capacity.has_room(entries, "a", ref(2), cap=1)


def test_entries_of_other_partitions_do_not_count() -> None:
    entries = {"a": Entry(ref(0, partition=1)), "b": Entry(ref(1, partition=2))}
    assert portfolio_capacity.has_room(entries, "c", ref(2), cap=1)


def run(keys: list[str], cap: int, entries: dict[str, Entry], start: int = 0) -> list[bool]:
    """Apply inputs from offset `start` on; each admitted one writes its key."""
    admitted = []
    for offset in range(start, len(keys)):
        ok = portfolio_capacity.has_room(entries, keys[offset], ref(offset), cap)
        if ok:
            entries[keys[offset]] = Entry(ref(offset))
        admitted.append(ok)
    return admitted


@given(
    st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=40),
    st.integers(1, 5),
    st.data(),
)
def test_inputs_redelivered_after_any_partial_landing_get_their_first_answers(keys, cap, data):
    """A crash after input `start`: any subset of the writes since then lands, then redelivery."""
    first = run(keys, cap, {})
    start = data.draw(st.integers(0, len(keys) - 1))
    entries: dict[str, Entry] = {}
    run(keys[:start], cap, entries)
    after_crash = dict(entries)
    for key, entry in _written_from(keys, cap, start).items():
        if data.draw(st.booleans()):
            after_crash[key] = entry
    assert run(keys, cap, after_crash, start) == first[start:]


def _written_from(keys: list[str], cap: int, start: int) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    run(keys, cap, entries)
    return {k: e for k, e in entries.items() if e.source.offset >= start}
