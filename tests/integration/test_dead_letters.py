"""Every kind of bad input, published through the real broker, is dead-lettered; the worker goes on."""

import asyncio
import base64

import orjson
import pytest

from schemas.topics import Topic
from tests.integration.harness import collect, produce, value

pytestmark = pytest.mark.integration
T = 1_763_700_000_000_000_000


def signal(n: int, **overrides: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "timestamp_ns": T + n,
        "strategy_id": "probe",
        "symbol": "BTC-USD",
        "action": "BUY",
        "confidence": 0.7,
        "risk_score": 0.2,
        "price": 43_500.0,
        "correlation_id": f"valid-{n}",
    }
    doc.update(overrides)
    return doc


def raw_signal(**overrides: object) -> bytes:
    return value(signal(0, **overrides))


# (kind, topic, key, raw bytes, the word the reason must contain)
BAD = [
    ("invalid_json", Topic.TACTICAL, b"BTC-USD", b'{"symbol": "BTC-USD", ', "JSON"),
    ("not_an_object", Topic.TACTICAL, b"BTC-USD", b"[1, 2, 3]", "object"),
    (
        "missing_field",
        Topic.TACTICAL,
        b"BTC-USD",
        value({k: v for k, v in signal(0).items() if k != "price"}),
        "price",
    ),
    ("wrong_type", Topic.TACTICAL, b"BTC-USD", raw_signal(confidence="high"), "confidence"),
    ("non_finite", Topic.TACTICAL, b"BTC-USD", raw_signal().replace(b"43500.0", b"NaN"), "NaN"),
    (
        "non_finite",
        Topic.ONCHAIN,
        b"BTC-USD",
        b'{"symbol":"BTC-USD","timestamp_ns":%d,"funding_rate":Infinity}' % T,
        "Infinity",
    ),
    ("out_of_range", Topic.TACTICAL, b"BTC-USD", raw_signal(confidence=1.5), "confidence"),
    ("unknown_enum", Topic.TACTICAL, b"BTC-USD", raw_signal(action="YOLO"), "action"),
    (
        "unknown_enum",
        Topic.REGIME,
        b"BTC-USD",
        value({"symbol": "BTC-USD", "regime": "BULL_RUN", "timestamp_ns": T}),
        "regime",
    ),
    (
        "unknown_enum",
        Topic.SENTIMENT,
        b"BTC-USD",
        value({"symbol": "BTC-USD", "trend": "EUPHORIC", "strength": 0.5, "timestamp_ns": T}),
        "trend",
    ),
    ("oversize", Topic.TACTICAL, b"BTC-USD", raw_signal(padding="x" * 70_000), "bytes"),
    (
        "unknown_schema_version",
        Topic.TACTICAL,
        b"BTC-USD",
        raw_signal(schema_version=7),
        "schema_version",
    ),
    ("key_mismatch", Topic.TACTICAL, b"ETH-USD", raw_signal(), "symbol"),
    ("key_missing", Topic.TACTICAL, None, raw_signal(), "key"),
    (
        "missing_field",
        Topic.OUTCOMES,
        b"BTC-USD",
        value({"symbol": "BTC-USD", "strategy_id": "s", "timestamp_ns": T}),
        "realized_return",
    ),
    (
        "out_of_range",
        Topic.PORTFOLIO,
        b"default",
        value(
            {
                "portfolio_id": "default",
                "equity_usd": -5.0,
                "realized_pnl_today_usd": 0.0,
                "timestamp_ns": T,
            }
        ),
        "equity_usd",
    ),
]


def test_each_kind_of_bad_input_is_dead_lettered_and_the_next_signal_is_still_sized(worker_factory):
    worker = worker_factory().start()
    records = []
    for n, (_, topic, key, raw, _) in enumerate(BAD, start=1):
        records.append((worker.topic(topic), key, raw))
        records.append((worker.topic(Topic.TACTICAL), b"BTC-USD", value(signal(n))))
    refs = asyncio.run(produce(worker.bootstrap, records))

    letters = asyncio.run(collect(worker.bootstrap, worker.topic(Topic.DEADLETTER), len(BAD), 60))
    decisions = asyncio.run(collect(worker.bootstrap, worker.topic(Topic.DECISIONS), len(BAD), 60))

    assert len(letters) == len(BAD), worker.logs()[-2000:]
    by_source = {(d["source_topic"], d["partition"], d["offset"]): d for d in letters}
    for (kind, _, key, raw, word), ref in zip(BAD, refs[::2], strict=True):
        letter = by_source[ref]
        assert letter["error_type"] == kind
        assert word.lower() in letter["error"].lower(), letter["error"]
        assert letter["raw"].encode() == raw
        assert letter["key"] == (None if key is None else key.decode())
        assert letter["received_at_ns"] > 0
    assert sorted(d["correlation_id"] for d in decisions) == sorted(
        f"valid-{n}" for n in range(1, len(BAD) + 1)
    )
    assert worker.proc is not None and worker.proc.poll() is None


def test_a_key_near_the_broker_limit_is_dead_lettered_with_its_beginning(worker_factory):
    worker = worker_factory().start()
    key = b"\x01" * 600_000  # JSON-escaped, this alone would be 3.6 MB
    topic = worker.topic(Topic.TACTICAL)
    records = [(topic, key, raw_signal()), (topic, b"BTC-USD", value(signal(1)))]
    asyncio.run(produce(worker.bootstrap, records))
    [letter] = asyncio.run(collect(worker.bootstrap, worker.topic(Topic.DEADLETTER), 1, 60))
    [decision] = asyncio.run(collect(worker.bootstrap, worker.topic(Topic.DECISIONS), 1, 60))
    assert letter["error_type"] == "key_mismatch"
    assert letter["key"] == "\x01" * 1024
    assert decision["correlation_id"] == "valid-1"
    assert worker.proc is not None and worker.proc.poll() is None


def test_dead_letters_keep_undecodable_bytes_as_base64(worker_factory):
    worker = worker_factory().start()
    raw = b"\xff\xfe not utf-8 \x00"
    asyncio.run(produce(worker.bootstrap, [(worker.topic(Topic.TACTICAL), b"BTC-USD", raw)]))
    [letter] = asyncio.run(collect(worker.bootstrap, worker.topic(Topic.DEADLETTER), 1, 60))
    assert letter["raw_encoding"] == "base64"
    assert base64.b64decode(letter["raw"]) == raw
    assert orjson.loads(orjson.dumps(letter))["error_type"] == "invalid_json"
