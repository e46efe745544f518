"""A record whose value sits in its topic's packed buffer reads exactly as one holding its own
bytes: the replay reads millions this way, so forked processes share their pages."""

import itertools
import os

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from himari_l3.audit.recorded import Packed, PackedRecorded, Recorded

ids = st.text(st.characters(codec="utf-8", exclude_characters='"\\'), max_size=200)
values = st.binary(max_size=300) | st.builds(
    lambda i, rest: orjson.dumps({"decision_id": i, **rest}),
    ids,
    st.dictionaries(st.text(max_size=5), st.integers(-(2**63), 2**63 - 1), max_size=3),
)


def _packed(values: list[bytes]) -> list[PackedRecorded]:
    packed, spans = Packed(), []
    for value in values:
        start = packed.add(value)
        spans.append((start, start + len(value)))
    packed.seal()
    return [PackedRecorded("t", 1, i, b"k", packed, *span) for i, span in enumerate(spans)]


def _mapped(values: list[bytes], fd: int) -> list[PackedRecorded]:
    """The values as another process writes them: end to end in a memory file."""
    with open(fd, "wb", closefd=False) as file:
        file.write(b"".join(values))
    packed, ends = Packed.mapped(fd), list(itertools.accumulate(map(len, values)))
    return [
        PackedRecorded("t", 1, i, b"k", packed, start, end)
        for i, (start, end) in enumerate(zip([0, *ends], ends, strict=False))
    ]


@given(st.lists(values, min_size=1, max_size=8))
def test_a_packed_record_reads_as_a_record_with_its_own_bytes(found):
    _assert_read_as_plain(_packed(found), found)


@pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="memory files are Linux's")
@given(st.lists(values, min_size=1, max_size=8))
def test_a_record_in_a_mapped_file_reads_as_a_record_with_its_own_bytes(found):
    fd = os.memfd_create("test-packed")
    try:
        _assert_read_as_plain(_mapped(found, fd), found)
    finally:
        os.close(fd)


def _assert_read_as_plain(recs: list[PackedRecorded], found: list[bytes]) -> None:
    for i, rec in enumerate(recs):
        plain = Recorded("t", 1, i, b"k", found[i])
        assert (rec.value, rec.ref, rec.key) == (plain.value, plain.ref, plain.key)
        assert _id(rec) == _id(plain)


def _id(rec: Recorded) -> str | type[Exception]:
    try:
        return rec.decision_id
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        return type(exc)


def test_a_packed_buffer_is_not_read_before_it_is_sealed():
    packed = Packed()
    rec = PackedRecorded("t", 0, 0, None, packed, packed.add(b"{}"), 2)

    with pytest.raises(RuntimeError, match="sealed"):
        len(rec.value)
