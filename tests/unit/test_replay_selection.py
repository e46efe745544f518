"""Which decisions a replay checks (`himari_l3.audit.selection`)."""

import pytest

from himari_l3.audit.errors import AuditError
from himari_l3.audit.selection import Selection, event_time_ns
from sizing.refs import InputRef

T = 1_763_700_000_000_000_000


def at(partition: int, offset: int) -> InputRef:
    return InputRef("himari.l2.tactical", partition, offset)


@pytest.mark.parametrize(
    ("selection", "partition", "offset", "ts", "checked"),
    [
        (Selection(), 3, 7, T, True),
        (Selection(from_ns=T), 3, 7, T, True),  # inclusive
        (Selection(from_ns=T + 1), 3, 7, T, False),
        (Selection(to_ns=T), 3, 7, T, True),
        (Selection(to_ns=T - 1), 3, 7, T, False),
        (Selection(partition=3), 3, 7, T, True),
        (Selection(partition=2), 3, 7, T, False),
        (Selection(partition=3, from_offset=7, to_offset=7), 3, 7, T, True),
        (Selection(partition=3, from_offset=8), 3, 7, T, False),
        (Selection(partition=3, to_offset=6), 3, 7, T, False),
        (Selection(from_ns=T, partition=3, to_offset=9), 3, 7, T - 1, False),
    ],
)
def test_a_selection_checks_what_it_names(selection, partition, offset, ts, checked):
    assert selection.selects(at(partition, offset), ts) is checked


def test_an_offset_range_without_a_partition_is_refused_saying_why():
    with pytest.raises(AuditError, match="--partition"):
        Selection(from_offset=3)


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("1763700000000000000", T),
        ("2025-11-21T04:40:00Z", T),
        ("2025-11-21T04:40:00", T),  # UTC unless it says
        ("2025-11-21T05:40:00+01:00", T),
        ("2025-11-21T04:40:00.000001Z", T + 1_000),
    ],
)
def test_event_times_are_nanoseconds_or_iso_8601(text, ns):
    assert event_time_ns(text) == ns


def test_an_unreadable_time_is_refused_with_an_example():
    with pytest.raises(AuditError, match="ISO 8601"):
        event_time_ns("yesterday")
