"""What `himari-l3 trace` counts as carrying a correlation id (`himari_l3.trace.carries`)."""

import base64

import orjson
import pytest

from himari_l3.trace import carries

CID = "uw_0123456789abcdef"


def dead(raw: bytes, encoding: str = "utf-8") -> bytes:
    kept = raw.decode() if encoding == "utf-8" else base64.b64encode(raw).decode()
    return orjson.dumps({"source_topic": "t", "partition": 0, "offset": 1, "key": None,
                         "error_type": "out_of_range", "error": "x", "raw": kept,
                         "raw_encoding": encoding, "received_at_ns": 1})  # fmt: skip


@pytest.mark.parametrize(
    ("topic", "partition", "offset", "value", "found"),
    [
        ("d", 0, 9, orjson.dumps({"correlation_id": CID}), True),
        ("d", 0, 9, orjson.dumps({"correlation_id": "other"}), False),
        ("tac", 3, 41, orjson.dumps({"symbol": "BTC"}), False),
        ("tac", 3, 41, b"not json", False),
        ("dl", 0, 2, dead(orjson.dumps({"correlation_id": CID, "confidence": 1.5})), True),
        ("dl", 0, 2, dead(orjson.dumps({"correlation_id": "other"})), False),
        ("dl", 0, 2, dead(b'{"correlation_id": "' + CID.encode() + b'", '), True),  # broken
        ("dl", 0, 2, dead(b'\xff{"correlation_id":"' + CID.encode() + b'"}', "base64"), True),
    ],
)
def test_a_record_carries_the_id_it_names(topic, partition, offset, value, found):
    assert carries(topic, partition, offset, value, CID) is found


def test_a_signal_without_an_id_is_found_by_its_position():
    """Downstream records name it `topic/partition/offset` (sizing.records.correlation_id)."""
    signal = orjson.dumps({"symbol": "BTC"})
    assert carries("himari.l2.tactical", 3, 41, signal, "himari.l2.tactical/3/41")
    assert not carries("himari.l2.tactical", 3, 42, signal, "himari.l2.tactical/3/41")
    named = orjson.dumps({"symbol": "BTC", "correlation_id": "mine"})
    assert not carries("himari.l2.tactical", 3, 41, named, "himari.l2.tactical/3/41")
