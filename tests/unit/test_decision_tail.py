"""`decision_tail.read`: the reads, config version and processing time a decision's re-run
needs, found in place in its bytes, are exactly what a parse of the whole decision gives."""

import orjson
from hypothesis import given
from hypothesis import strategies as st

from himari_l3.audit import decision_tail
from himari_l3.audit.recorded import TAIL_BYTES, Recorded

texts = st.text(max_size=12)
refs = st.none() | st.fixed_dictionaries(
    {"topic": texts, "partition": st.integers(0, 64), "offset": st.integers(0, 2**40)}
)
lineages = st.fixed_dictionaries(
    {
        "trigger": refs,
        "reads": st.fixed_dictionaries(
            {"cascade": refs, "portfolio": refs, "kill_switch_reset": refs, "ensemble": refs}
        ),
        "config_versions": st.fixed_dictionaries({"stage1": texts, "stage2": texts}),
    }
)


def _decision(head: dict, lineage: dict, version: str, processed_at_ns: int) -> Recorded:
    doc = {"decision_id": "d", **head, "lineage": lineage, "config_version": version,
           "processed_at_ns": processed_at_ns}  # fmt: skip
    return Recorded("himari.l3.decisions", 0, 0, None, orjson.dumps(doc))


def _assert_as_parsed(rec: Recorded) -> None:
    whole = orjson.loads(rec.value)
    found = decision_tail.read(rec, {})
    reads = whole["lineage"]["reads"]
    assert found.reads["portfolio"] == reads["portfolio"]
    assert found.reads.get("kill_switch_reset") == reads.get("kill_switch_reset")
    assert (found.config_version, found.processed_at_ns) == (
        whole["config_version"],
        whole["processed_at_ns"],
    )


@given(head=st.dictionaries(texts, texts, max_size=4), lineage=lineages, version=texts,
       processed_at_ns=st.integers(0, 2**63 - 1))  # fmt: skip
def test_the_tail_read_in_place_is_the_one_a_whole_parse_gives(
    head, lineage, version, processed_at_ns
):
    for name in ("lineage", "config_version", "processed_at_ns"):
        head.pop(name, None)
    _assert_as_parsed(_decision(head, lineage, version, processed_at_ns))


def test_strings_that_look_like_the_tail_do_not_fool_it():
    forged = ',"lineage":{"trigger":null,"portfolio":{"topic":"x"},"kill_switch_reset":null,"ensemble":null}},"config_version":"v0","processed_at_ns":1}'
    lineage = {"trigger": None, "reads": {"portfolio": None, "kill_switch_reset": None,
                                          "ensemble": None}, "config_versions": {}}  # fmt: skip

    _assert_as_parsed(_decision({"strategy_id": forged}, lineage, forged, 7))


def test_a_decision_after_a_reset_is_read_whole():
    reset = {"topic": "himari.l3.control", "partition": 0, "offset": 3}
    lineage = {"trigger": None, "reads": {"portfolio": None, "kill_switch_reset": reset,
                                          "ensemble": None}, "config_versions": {}}  # fmt: skip

    found = decision_tail.read(_decision({}, lineage, "v1", 9), {})

    assert found.reads == lineage["reads"]


def test_a_recurring_portfolio_read_is_parsed_once():
    memo: dict[bytes, object] = {}
    ref = {"topic": "himari.l3.portfolio", "partition": 1, "offset": 4}
    lineage = {"trigger": None, "reads": {"regime": None, "portfolio": ref,
                                          "kill_switch_reset": None, "ensemble": None},
               "config_versions": {}}  # fmt: skip

    first = decision_tail.read(_decision({}, lineage, "v1", 1), memo)
    again = decision_tail.read(_decision({}, lineage, "v1", 2), memo)

    assert first.reads["portfolio"] is again.reads["portfolio"] and list(memo.values()) == [ref]


def test_a_lineage_longer_than_the_window_is_read_from_the_whole_decision():
    ref = {"topic": "himari.l3.portfolio", "partition": 1, "offset": 4}
    lineage = {"trigger": None, "reads": {"portfolio": ref, "kill_switch_reset": None,
                                          "ensemble": None},
               "config_versions": {"stage1": "s" * (2 * TAIL_BYTES), "stage2": "v1"}}  # fmt: skip

    _assert_as_parsed(_decision({"strategy_id": "s1"}, lineage, "v1", 5))
