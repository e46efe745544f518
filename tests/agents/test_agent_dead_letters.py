"""Bad input and processing errors go to the dead-letter topic and processing goes on.

Handler-level (see agent_harness): each record is handled as `consume` would, then delivered.
"""

import base64

import orjson
import pytest
from agent_harness import Shell, onchain, regime, tactical
from prometheus_client import REGISTRY

from agents import symbol_inputs
from schemas.outputs import DeadLetter
from schemas.topics import Topic

VALID = orjson.dumps(tactical())


def _without(field: str) -> bytes:
    return orjson.dumps({k: v for k, v in tactical().items() if k != field})


def _with(**over: object) -> bytes:
    return orjson.dumps(tactical(**over))


K = b"BTC-USD"
# (kind, value, key, expected error_type, a word the reason must contain)
BAD = [
    ("invalid_json", b'{"symbol": "BTC-USD", ', K, "invalid_json", "not valid JSON"),
    ("not_an_object", b"[1, 2]", K, "not_an_object", "JSON object"),
    ("empty", b"", K, "empty_value", "empty"),
    ("missing_field", _without("price"), K, "missing_field", "'price'"),
    ("wrong_type", _with(confidence="high"), K, "wrong_type", "'confidence'"),
    ("nan", VALID.replace(b"0.7", b"NaN"), K, "non_finite", "NaN"),
    ("infinity", VALID.replace(b"50000.0", b"Infinity"), K, "non_finite", "Infinity"),
    ("out_of_range", _with(confidence=1.5), K, "out_of_range", "'confidence'"),
    ("timestamp_in_s", _with(ts=1_763_700_000), K, "out_of_range", "'timestamp_ns'"),
    ("unknown_enum", _with(action="YOLO"), K, "unknown_enum", "'action'"),
    ("oversize", _with(pad="x" * 70_000), K, "oversize", "limit"),
    ("schema_version", _with(schema_version=2), K, "unknown_schema_version", "'schema_version'"),
    ("key_mismatch", VALID, b"ETH-USD", "key_mismatch", "'symbol'"),
    ("key_missing", VALID, None, "key_missing", "no key"),
]


def dead_letters_of(type_: str, topic: str = "himari.l2.tactical") -> float:
    sample = REGISTRY.get_sample_value(
        "himari_l3_dead_letters_total", {"topic": topic, "error_type": type_}
    )
    return sample or 0.0


@pytest.mark.parametrize(
    ("kind", "value", "key", "error_type", "word"), BAD, ids=[b[0] for b in BAD]
)
def test_bad_input_is_dead_lettered_with_its_source_and_reason(
    kind, value, key, error_type, word
) -> None:
    shell = Shell()
    counted = dead_letters_of(error_type)
    shell.feed(Topic.REGIME, regime("TRENDING_UP"))
    shell.feed(Topic.ONCHAIN, onchain())
    shell.feed(Topic.TACTICAL, value, key=key, partition=3, offset=70)
    shell.feed(Topic.TACTICAL, VALID, key=b"BTC-USD", partition=3, offset=71)
    shell.deliver()

    [letter] = shell.producer.to("himari.l3.deadletter")
    assert letter.key == key
    dead = DeadLetter.model_validate_json(letter.value)
    assert (dead.source_topic, dead.partition, dead.offset) == ("himari.l2.tactical", 3, 70)
    assert dead.error_type == error_type
    assert word in dead.error
    assert dead.key == (None if key is None else key.decode())
    assert (dead.raw, dead.raw_encoding) == (value.decode(), "utf-8")
    assert dead_letters_of(error_type) == counted + 1
    # the next valid input is still sized
    [sized] = shell.sent_docs(Topic.SIZED)
    assert sized["trigger"] == {"topic": "himari.l2.tactical", "partition": 3, "offset": 71}


def test_bad_bytes_are_kept_in_base64_when_not_utf8() -> None:
    shell = Shell()
    shell.feed(Topic.SENTIMENT, b"\xff\xfe\x00garbage", key=b"BTC-USD")
    shell.deliver()
    [dead] = shell.sent_docs(Topic.DEADLETTER)
    assert dead["error_type"] == "invalid_json"
    assert (dead["raw_encoding"], base64.b64decode(dead["raw"])) == (
        "base64",
        b"\xff\xfe\x00garbage",
    )


def test_bad_input_on_each_input_topic_names_that_topic() -> None:
    shell = Shell()
    topics = [Topic.ONCHAIN, Topic.REGIME, Topic.SENTIMENT, Topic.OUTCOMES, Topic.PORTFOLIO]
    for topic in topics:
        shell.feed(topic, b"{}", key=b"k")
    shell.deliver()
    letters = shell.sent_docs(Topic.DEADLETTER)
    assert [d["source_topic"] for d in letters] == [t.value for t in topics]
    assert {d["error_type"] for d in letters} == {"missing_field"}


def test_processing_error_dead_letters_the_input_and_keeps_going(monkeypatch) -> None:
    shell = Shell()
    shell.feed(Topic.REGIME, regime("TRENDING_UP"))
    shell.feed(Topic.ONCHAIN, onchain())

    def broken(*args, **kwargs):
        raise ZeroDivisionError("core blew up")

    real = symbol_inputs.strategy_sizing.size
    monkeypatch.setattr(symbol_inputs.strategy_sizing, "size", broken)
    shell.feed(Topic.TACTICAL, tactical(), partition=1, offset=5)
    monkeypatch.setattr(symbol_inputs.strategy_sizing, "size", real)
    shell.feed(Topic.TACTICAL, tactical(), partition=1, offset=6)
    shell.deliver()

    [dead] = shell.sent_docs(Topic.DEADLETTER)
    assert (dead["source_topic"], dead["partition"], dead["offset"]) == ("himari.l2.tactical", 1, 5)
    assert dead["error_type"] == "processing_error"
    assert "ZeroDivisionError" in dead["error"] and "core blew up" in dead["error"]
    assert [s["trigger"]["offset"] for s in shell.sent_docs(Topic.SIZED)] == [6]


def test_sized_record_that_is_not_json_is_dead_lettered() -> None:
    shell = Shell()
    shell.feed(Topic.SIZED, b"not json", key=b"default", partition=0, offset=3)
    shell.feed(Topic.SIZED, b"[1]", key=b"default", partition=0, offset=4)
    shell.deliver()
    letters = shell.sent_docs(Topic.DEADLETTER)
    assert [(d["offset"], d["error_type"]) for d in letters] == [
        (3, "invalid_json"),
        (4, "processing_error"),
    ]
    assert letters[0]["source_topic"] == "himari.l3.sized"
    assert shell.sent_docs(Topic.DECISIONS) == []


def test_processing_error_dead_letter_keeps_the_original_key_and_bytes(monkeypatch) -> None:
    shell = Shell()
    monkeypatch.setattr(symbol_inputs.strategy_sizing, "size", lambda *a: 1 / 0)
    raw = b'{"strategy_id":"s","symbol":"BTC-USD","action":"BUY","confidence":0.7,' + (
        b'"risk_score":0.2,"price":5.0,"timestamp_ns":1763700000000000000}'
    )
    shell.feed(Topic.TACTICAL, raw, key=b"BTC-USD")
    shell.deliver()
    [dead] = shell.sent_docs(Topic.DEADLETTER)
    assert (dead["key"], dead["raw"]) == ("BTC-USD", raw.decode())
