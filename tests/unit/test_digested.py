"""Answers held as a digest and a tail: they tell the bytes they were kept from, and nothing
else, give the tail a replay reads, and say so when something needs them whole."""

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from himari_l3.audit import decision_tail
from himari_l3.audit.digested import (
    DECISION_TAIL,
    SIZED_TAIL,
    DigestRecorded,
    kept,
    kept_decision,
    unequal,
)
from himari_l3.audit.errors import WholeValuesNeededError
from himari_l3.audit.recorded import TAIL_BYTES, Packed, Recorded
from himari_l3.bulk_read import Keep

READS = {"cascade": {"topic": "t", "partition": 1, "offset": 2}, "regime": None}
SIZED = {"decision_id": "d1", "symbol": "BTC-USD", "fraction": 0.125, "reads": READS,
         "config_version": "v1"}  # fmt: skip
LINEAGE = {"trigger": {"topic": "t", "partition": 0, "offset": 9},
           "reads": {**READS, "portfolio": None, "kill_switch_reset": None, "ensemble": None},
           "config_versions": {"stage1": "v1", "stage2": "v1"}}  # fmt: skip
DECISION = {"decision_id": "d1", "target_position_usd": 250.0, "lineage": LINEAGE,
            "config_version": "v1", "processed_at_ns": 1_700_000_000_000_000_000}  # fmt: skip


def _digested(doc: dict, mark: bytes, offset: int = 0) -> DigestRecorded:
    packed = Packed()
    data = kept(orjson.dumps(doc), mark)
    assert data is not None
    start = packed.add(data)
    packed.seal()
    return DigestRecorded(
        "t", 0, offset, None, packed, start, start + len(data), doc["decision_id"]
    )


@given(st.binary(max_size=64), st.integers(0, 10_000))
def test_a_digest_is_the_same_as_its_value_and_no_other_bytes(noise, at):
    value = orjson.dumps(DECISION)
    rec = _digested(DECISION, DECISION_TAIL)
    other = value[: at % len(value)] + noise + value[at % len(value) + 1 :]

    assert rec.same(value)
    assert rec.same(other) == (other == value)


def test_the_tail_kept_is_the_values_from_the_lineage_on():
    value = orjson.dumps(DECISION)
    rec = _digested(DECISION, DECISION_TAIL)

    assert rec.last(TAIL_BYTES) == value[value.rfind(DECISION_TAIL) :]
    assert value.endswith(rec.last(40)) and len(rec.last(40)) == 40


def test_a_decisions_tail_is_read_from_the_digest_as_from_the_whole_value():
    whole = Recorded("t", 0, 0, None, orjson.dumps(DECISION))

    assert decision_tail.read(_digested(DECISION, DECISION_TAIL), {}) == decision_tail.read(
        whole, {}
    )


def test_a_sized_records_reads_are_read_from_the_digest_as_from_the_whole_value():
    whole = Recorded("t", 0, 0, None, orjson.dumps(SIZED))

    found = _digested(SIZED, SIZED_TAIL).tail("reads", "config_version")

    assert found == whole.tail("reads", "config_version") == {"reads": READS,
                                                                "config_version": "v1"}  # fmt: skip


def test_the_whole_value_of_a_digest_cannot_be_read():
    rec = _digested(DECISION, DECISION_TAIL, offset=41)

    with pytest.raises(WholeValuesNeededError, match="t/0@41"):
        _ = rec.doc


def test_a_tail_that_is_not_where_the_worker_writes_it_is_not_kept():
    late = {**DECISION, "after": "x"}
    padded = {**DECISION, "config_version": "v" * TAIL_BYTES}

    assert kept(orjson.dumps(late), b',"nowhere":') is None
    assert kept(orjson.dumps(padded), DECISION_TAIL) is None


def test_copies_that_differ_only_in_their_clock_are_equal():
    later = {**DECISION, "processed_at_ns": DECISION["processed_at_ns"] + 1}

    assert not unequal(_digested(DECISION, DECISION_TAIL), _digested(later, DECISION_TAIL))


def test_copies_whose_lineage_differs_are_unequal_without_their_whole_values():
    lineage = {**LINEAGE, "trigger": {"topic": "t", "partition": 0, "offset": 10}}
    other = {**DECISION, "lineage": lineage}

    assert unequal(_digested(DECISION, DECISION_TAIL), _digested(other, DECISION_TAIL))


def test_copies_that_differ_before_their_tail_need_their_whole_values():
    other = {**DECISION, "target_position_usd": 251.0}

    with pytest.raises(WholeValuesNeededError):
        unequal(_digested(DECISION, DECISION_TAIL), _digested(other, DECISION_TAIL))


def test_whole_copies_are_compared_field_by_field():
    first = Recorded("t", 0, 0, None, orjson.dumps(DECISION))
    spaced = Recorded("t", 0, 1, None, orjson.dumps(DECISION, option=orjson.OPT_INDENT_2))
    other = Recorded("t", 0, 2, None, orjson.dumps({**DECISION, "target_position_usd": 1.0}))

    assert not unequal(first, spaced)
    assert unequal(first, other)


def test_a_reader_keeps_a_digest_only_of_an_answer_with_an_id_on_a_digested_topic():
    value = orjson.dumps(DECISION)
    keep = Keep({"answers": lambda *_: "d1", "plain": lambda *_: "d1", "nameless": lambda *_: None},
                {"answers": kept_decision, "nameless": kept_decision})  # fmt: skip

    assert keep("answers", 0, 0, value) == ("d1", kept(value, DECISION_TAIL), True)
    assert keep("plain", 0, 0, value) == ("d1", value, False)
    assert keep("nameless", 0, 0, value) == (None, value, False)
    assert keep("answers", 0, 0, b'{"decision_id":"d1"}') == ("d1", b'{"decision_id":"d1"}', False)


def test_a_decision_that_read_a_kill_switch_reset_is_kept_whole():
    reset = {"topic": "c", "partition": 0, "offset": 3}
    lineage = {**LINEAGE, "reads": {**LINEAGE["reads"], "kill_switch_reset": reset}}

    assert kept_decision(orjson.dumps(DECISION)) is not None
    assert kept_decision(orjson.dumps({**DECISION, "lineage": lineage})) is None
