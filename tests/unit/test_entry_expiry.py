"""Entry expiry: idle entries swept once per period, the mark fencing its partition."""

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from sizing import entry_expiry
from sizing.entry_expiry import Expiry, SweepMark
from sizing.refs import InputRef
from sizing.track_record import TrackRecord

S = 1_000_000_000
EXPIRY = Expiry(idle_s=100.0, every_s=10.0)
T0 = 1_000 * S


@dataclass(frozen=True)
class Count:
    """A stand-in entry: how many inputs it folded since it was created."""

    n: int
    source: InputRef | None
    last_event_ns: int


def ref(offset: int, partition: int = 0, topic: str = "outcomes") -> InputRef:
    return InputRef(topic, partition, offset)


def counting(r: InputRef, event_ns: int):
    def update(entry: Count | None) -> Count:
        n, last = (0, event_ns) if entry is None else (entry.n, max(entry.last_event_ns, event_ns))
        return Count(n + 1, r, last)

    return update


def apply(entries: dict, key: str, r: InputRef, event_ns: int) -> list:
    writes = entry_expiry.apply(entries, key, r, event_ns, EXPIRY, counting(r, event_ns))
    for k, v in writes:
        if v is None:
            entries.pop(k, None)
        else:
            entries[k] = v
    return writes


def test_the_first_input_of_a_partition_sweeps_and_marks_it() -> None:
    writes = apply({}, "a", ref(0), T0)
    assert writes == [("a", Count(1, ref(0), T0)), ("|swept|0", SweepMark(T0, ref(0)))]


def test_a_partition_is_swept_once_per_period() -> None:
    entries: dict = {}
    apply(entries, "a", ref(0), T0)
    assert [k for k, _ in apply(entries, "b", ref(1), T0 + 9 * S)] == ["b"]
    assert [k for k, _ in apply(entries, "b", ref(2), T0 + 10 * S)] == ["b", "|swept|0"]


def test_an_entry_idle_past_the_cutoff_is_removed_by_the_next_sweep() -> None:
    entries: dict = {}
    apply(entries, "old", ref(0), T0)
    apply(entries, "new", ref(1), T0 + 50 * S)
    # Period 111 starts at 1110 s; its cutoff is 1010 s: "old" (1000 s) goes, "new" stays.
    writes = apply(entries, "other", ref(2), T0 + 115 * S)
    assert ("old", None) in writes and "old" not in entries
    assert entries["new"].n == 1


def test_an_entry_idle_just_under_the_cutoff_stays() -> None:
    entries: dict = {}
    apply(entries, "a", ref(0), T0 + 10 * S)
    apply(entries, "b", ref(1), T0 + 110 * S)  # cutoff 1010 s: "a" at 1010 s is not before it
    assert "a" in entries


def test_an_expired_entry_starts_afresh() -> None:
    entries: dict = {}
    apply(entries, "a", ref(0), T0)
    apply(entries, "a", ref(1), T0 + 1)
    apply(entries, "a", ref(2), T0 + 500 * S)
    assert entries["a"] == Count(1, ref(2), T0 + 500 * S)


def test_an_input_at_or_before_the_mark_is_not_applied_again() -> None:
    entries: dict = {}
    apply(entries, "a", ref(3), T0)
    entries.pop("a")  # say it expired since
    assert apply(entries, "a", ref(3), T0) == []
    assert apply(entries, "a", ref(2), T0) == []
    assert apply(entries, "a", ref(4), T0) == [("a", Count(1, ref(4), T0))]


def test_an_input_already_applied_to_its_entry_is_not_applied_again() -> None:
    entries: dict = {}
    apply(entries, "a", ref(0), T0)
    apply(entries, "a", ref(5), T0)
    assert apply(entries, "a", ref(4), T0 + 20 * S) == [
        ("|swept|0", SweepMark(T0 + 20 * S, ref(4)))
    ]
    assert entries["a"].n == 2


def test_entries_of_another_partition_or_topic_are_not_swept() -> None:
    entries: dict = {}
    apply(entries, "p1", ref(0, partition=1), T0)
    apply(entries, "other-topic", ref(0, topic="elsewhere"), T0)
    apply(entries, "p0", ref(0), T0 + 500 * S)
    assert {"p1", "other-topic", "p0"} <= entries.keys()


def test_an_entry_of_unknown_age_is_kept_until_written_again() -> None:
    track = TrackRecord(source=ref(0)).as_dict()
    track.pop("last_event_ns")  # as written before entries had event times
    legacy = TrackRecord.from_dict(track)
    entries: dict = {"s|x": legacy}
    apply(entries, "b", ref(1), T0 + 500 * S)
    assert "s|x" in entries


def test_a_late_outcome_does_not_move_the_last_event_time_back() -> None:
    track = TrackRecord().with_outcome(None, None, TrackRecord().residuals, ref(0), T0)
    late = track.with_outcome(None, None, track.residuals, ref(1), T0 - 50 * S)
    assert late.last_event_ns == T0


def test_a_longer_sweep_period_in_a_new_config_sweeps_at_its_next_start() -> None:
    # Counted in periods, a 10 s mark (period 100) would hold off 1,000 s periods for 100 of them.
    entries: dict = {}
    apply(entries, "a", ref(0), T0)
    longer = Expiry(idle_s=100.0, every_s=1000.0)  # a hot config change
    writes = entry_expiry.apply(entries, "b", ref(1), T0 + 1000 * S, longer, counting(ref(1), T0))
    assert writes[-1] == ("|swept|0", SweepMark(T0 + 1000 * S, ref(1)))


def test_a_mark_round_trips_through_the_changelog_codec() -> None:
    mark = SweepMark(7, ref(3))
    assert entry_expiry.decode(mark.as_dict(), TrackRecord) == mark
    track = TrackRecord(source=ref(1), last_event_ns=T0)
    assert entry_expiry.decode(track.as_dict(), TrackRecord) == track


# A model of the worker: one partition's inputs, delivered in batches whose changelog holds
# each key's last write (marks sent after every other record), killed at random.

inputs = st.lists(
    st.tuples(st.sampled_from("abcde"), st.integers(0, 400)),  # key, event time in seconds
    min_size=1,
    max_size=60,
)


def uninterrupted(run: list[tuple[str, int]]) -> dict:
    entries: dict = {}
    for offset, (key, t) in enumerate(run):
        apply(entries, key, ref(offset), T0 + t * S)
    return entries


@settings(max_examples=300, deadline=None)
@given(inputs, st.data())
def test_a_worker_killed_anywhere_ends_with_the_uninterrupted_state(run, data) -> None:
    changelog: dict = {}  # what the broker holds: the last record of each key
    committed = 0
    while committed < len(run):
        entries = dict(changelog)  # recovery
        offset = committed
        killed = False
        while offset < len(run) and not killed:
            batch_end = min(len(run), offset + data.draw(st.integers(1, 8)))
            staged: dict = {}
            for o in range(offset, batch_end):
                key, t = run[o]
                staged.update(apply(entries, key, ref(o), T0 + t * S))
            records = [(k, v) for k, v in staged.items() if not entry_expiry.is_mark(k)]
            marks = [(k, v) for k, v in staged.items() if entry_expiry.is_mark(k)]
            killed = data.draw(st.booleans())
            if killed:  # some of the entries' records landed, and no mark
                some = st.lists(st.sampled_from(records), unique_by=lambda r: r[0])
                records, marks = data.draw(some) if records else [], []
            for k, v in records + marks:
                changelog[k] = v
            changelog = {k: v for k, v in changelog.items() if v is not None}
            offset = batch_end
            if not killed and data.draw(st.booleans()):
                committed = offset
        if not killed:
            committed = offset
    assert changelog == uninterrupted(run)
