"""The agents' frontier: a record is processed only when every record before it was."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.frontier import Frontier, Place

TP = ("himari.l2.tactical", 3)


def held_at(offset: int) -> Frontier:
    frontier = Frontier()
    frontier.hold({TP: offset})
    return frontier


@pytest.mark.parametrize(
    ("offset", "place"),
    [(10, Place.NEXT), (9, Place.SEEN), (0, Place.SEEN), (11, Place.AHEAD), (500, Place.AHEAD)],
)
def test_a_record_is_placed_against_the_next_offset(offset: int, place: Place) -> None:
    assert held_at(10).place(TP, offset) is place


def test_a_partition_not_held_is_untracked() -> None:
    assert held_at(10).place(("himari.l2.regime", 3), 10) is Place.UNTRACKED


def test_a_gap_without_records_is_not_a_skip() -> None:
    frontier = held_at(10)
    frontier.learn(TP, 10, 12)  # offsets 10 and 11 are transaction markers
    assert frontier.place(TP, 12) is Place.NEXT
    assert frontier.place(TP, 13) is Place.AHEAD


def test_processing_moves_the_frontier_and_forgets_what_the_broker_said() -> None:
    frontier = held_at(10)
    frontier.learn(TP, 10, 12)
    frontier.processed(TP, 12)
    assert frontier.next[TP] == 13 and frontier.first_existing == {}


def test_a_rewind_is_asked_once_per_frontier_position() -> None:
    frontier = held_at(10)
    assert frontier.needs_rewind(TP) == 10
    assert frontier.needs_rewind(TP) is None  # stale records still queued: no second rewind
    frontier.processed(TP, 10)
    assert frontier.needs_rewind(TP) == 11


def test_a_released_partition_is_forgotten() -> None:
    frontier = held_at(10)
    frontier.learn(TP, 10, 12)
    frontier.release({TP})
    assert frontier.place(TP, 10) is Place.UNTRACKED and frontier.first_existing == {}


def test_partitions_behind_are_those_whose_log_ends_past_the_frontier() -> None:
    frontier = held_at(10)
    assert frontier.behind({TP: 10}) == [] and frontier.behind({TP: 11}) == [TP]


@settings(max_examples=300, deadline=None)
@given(
    length=st.integers(1, 60),
    holes=st.sets(st.integers(0, 59), max_size=15),
    jumps=st.lists(st.tuples(st.integers(0, 80), st.integers(1, 30)), max_size=8),
)
def test_every_record_is_processed_once_in_order_whatever_faust_skips(
    length: int, holes: set[int], jumps: list[tuple[int, int]]
) -> None:
    """A model of faust that jumps ahead (at delivery `at`, by `by` records) and of the shell:
    AHEAD records ask the broker for the first record at the frontier, then rewind faust; when
    nothing more comes, the watchdog rewinds a partition with records past the frontier."""
    log = [o for o in range(length) if o not in holes]
    frontier, processed = held_at(0), []
    position, delivered, pending = 0, 0, dict(jumps)
    while delivered < 10_000:
        if delivered in pending:
            position += pending.pop(delivered)  # faust moves past records it never delivers
            continue
        found = [o for o in log if o >= position]
        if not found:
            if not any(o >= frontier.next[TP] for o in log):
                break
            frontier.rewind_again(TP)  # the watchdog: records wait, none come
            position = frontier.next[TP] if frontier.needs_rewind(TP) is not None else position
            continue
        offset, delivered = found[0], delivered + 1
        position = offset + 1
        place = frontier.place(TP, offset)
        if place is Place.AHEAD:
            expected = frontier.next[TP]
            frontier.learn(TP, expected, next(o for o in log if o >= expected))
            place = frontier.place(TP, offset)
        if place is Place.AHEAD:
            rewind = frontier.needs_rewind(TP)
            position = position if rewind is None else rewind
        elif place is Place.NEXT:
            processed.append(offset)
            frontier.processed(TP, offset)
    assert processed == log
