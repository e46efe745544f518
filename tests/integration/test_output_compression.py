"""The worker's answers reach the broker compressed with the configured codec."""

import asyncio
import struct
from pathlib import Path

import pytest

from himari_l3.embedded import EmbeddedBroker
from schemas.topics import Topic
from tests.integration.harness import collect, produce, value

pytestmark = pytest.mark.integration
T = 1_763_700_000_000_000_000
_CODECS = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}


def batch_codecs(segment: Path) -> list[str]:
    """The codec of each record batch in a Kafka log segment (v2 batch header, KIP-98)."""
    data, out, at = segment.read_bytes(), [], 0
    while at + 23 <= len(data):
        (length,) = struct.unpack_from(">i", data, at + 8)  # after baseOffset
        (attributes,) = struct.unpack_from(">h", data, at + 21)  # after leader epoch, magic, crc
        out.append(_CODECS[attributes & 0x7])
        at += 12 + length
    return out


def codecs_on_disk(kafka: EmbeddedBroker, topic: str) -> set[str]:
    assert kafka.data_dir is not None
    return {c for seg in kafka.data_dir.glob(f"*/{topic}-*/*.log") for c in batch_codecs(seg)}


@pytest.mark.parametrize("codec", ["zstd", "none"])
def test_sized_records_and_decisions_are_stored_with_the_configured_codec(
    worker_factory, kafka: EmbeddedBroker, codec: str
) -> None:
    worker = worker_factory(HIMARI_L3__KAFKA__PRODUCER_COMPRESSION=codec).start()
    signals = [{"strategy_id": "s1", "symbol": sym, "action": "BUY", "confidence": 0.7,
                "risk_score": 0.2, "price": 100.0, "timestamp_ns": T}
               for sym in ("BTC-USD", "ETH-USD", "SOL-USD")]  # fmt: skip
    sent = [(worker.topic(Topic.TACTICAL), s["symbol"].encode(), value(s)) for s in signals]
    asyncio.run(produce(worker.bootstrap, sent))
    decisions = asyncio.run(collect(worker.bootstrap, worker.topic(Topic.DECISIONS), 3, 60))
    assert len(decisions) == 3, worker.logs()[-2000:]

    for topic in (Topic.SIZED, Topic.DECISIONS):
        assert codecs_on_disk(kafka, worker.topic(topic)) == {codec}
