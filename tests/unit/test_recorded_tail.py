"""`Recorded.tail`: the fields a replay needs, parsed from the end of the record alone, are
exactly the fields a parse of the whole record gives."""

import orjson
from hypothesis import given
from hypothesis import strategies as st

from himari_l3.audit.recorded import TAIL_BYTES, Packed, PackedRecorded, Recorded

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


def _recorded(doc: dict) -> Recorded:
    return Recorded("himari.l3.decisions", 0, 0, None, orjson.dumps(doc))


@given(head=st.dictionaries(st.text(), json_values, max_size=5), reads=json_values,
       version=st.text())  # fmt: skip
def test_tail_gives_the_fields_a_whole_parse_gives(head, reads, version):
    doc = {**{k: v for k, v in head.items() if k not in {"reads", "config_version"}},
           "reads": reads, "config_version": version}  # fmt: skip

    found = _recorded(doc).tail("reads", "config_version")

    assert (found["reads"], found["config_version"]) == (reads, version)


def test_a_string_that_looks_like_the_tail_does_not_fool_it():
    doc = {"strategy_id": 'x,"reads":{"forged":1},"config_version":"v0"}', "reads": {"a": 1},
           "config_version": "v1"}  # fmt: skip

    assert _recorded(doc).tail("reads", "config_version") == {"reads": {"a": 1},
                                                              "config_version": "v1"}  # fmt: skip


def test_a_record_not_ending_with_the_tail_is_parsed_whole():
    doc = {"reads": {"a": 1}, "config_version": "v1", "after": [1, 2]}

    assert _recorded(doc).tail("reads", "config_version") == doc


def test_a_record_without_the_field_is_parsed_whole():
    doc = {"decision_id": "d", "config_version": "v1"}

    assert _recorded(doc).tail("lineage", "config_version") == doc


def test_a_record_written_with_spaces_is_parsed_whole():
    value = b'{"decision_id": "d", "reads": {"a": 1}, "config_version": "v1"}'

    found = Recorded("t", 0, 0, None, value).tail("reads", "config_version")

    assert found == orjson.loads(value)


def test_a_nested_field_of_the_same_name_earlier_on_is_not_the_tail():
    doc = {"components": {"x": 2, "reads": {"inner": 1}}, "reads": {"a": 1}, "config_version": "v"}

    assert _recorded(doc).tail("reads", "config_version") == {"reads": {"a": 1},
                                                              "config_version": "v"}  # fmt: skip


def test_a_remembered_tail_is_the_tail_a_parse_gives():
    memo: dict[bytes, object] = {}
    first, again = (
        _recorded({"x": 1, "reads": {"a": 1}, "config_version": "v1"}),
        _recorded({"x": 2, "reads": {"a": 1}, "config_version": "v1"}),
    )

    assert first.tail("reads", "config_version", memo=memo) == {"reads": {"a": 1},
                                                                "config_version": "v1"}  # fmt: skip
    assert again.tail("reads", "config_version", memo=memo) is next(iter(memo.values()))
    assert len(memo) == 1


def test_the_memo_of_tails_stays_bounded():
    memo: dict[bytes, object] = {}
    for i in range(5_000):
        _recorded({"x": 0, "reads": {"a": i}}).tail("reads", memo=memo)

    assert 0 < len(memo) <= 4_096


def test_a_tail_longer_than_the_window_is_read_from_the_whole_value():
    doc = {"x": 1, "reads": {"a": "r" * (2 * TAIL_BYTES)}, "config_version": "v1"}

    assert _recorded(doc).tail("reads", "config_version") == {"reads": doc["reads"],
                                                              "config_version": "v1"}  # fmt: skip


def test_a_packed_record_reads_its_own_last_bytes_not_its_neighbours():
    values = [orjson.dumps({"reads": {"a": i}, "config_version": f"v{i}"}) for i in range(2)]
    packed = Packed()
    starts = [packed.add(v) for v in values]
    packed.seal()
    recs = [PackedRecorded("t", 0, i, None, packed, s, s + len(v))
            for i, (s, v) in enumerate(zip(starts, values, strict=True))]  # fmt: skip

    assert [r.last(10 * TAIL_BYTES) for r in recs] == values
    assert recs[1].last(5) == values[1][-5:]
    assert [r.tail("reads", "config_version") for r in recs] == [orjson.loads(v) for v in values]
