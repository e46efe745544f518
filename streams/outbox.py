"""Everything a batch sends, delivered together before the batch's inputs are acknowledged."""

import asyncio
import time
from typing import Any

import orjson
from faust.types import TableT

from sizing.refs import InputRef
from streams.codecs import encode_state
from streams.decoding import Rejection, raw_text

# A table entry keeps its batch's answers (sizing.replies) in its changelog record, which must
# stay well under 1 MB: once one entry keeps this many bytes, the batch is delivered before it
# goes on. The limit is per entry, not per batch: a batch answering across many entries (stage
# 1's tactical partitions, stage 2's portfolios) is not cut into small deliveries.
DELIVER_AT_KEPT_BYTES = 256 * 1024
# And a batch's answers in all, which bound the worker's memory and its produce requests.
DELIVER_AT_BYTES = 4 * 1024 * 1024
# A dead letter carries its input's key twice (record key and `key` field) beside up to 256 KiB
# of raw bytes (streams.decoding.raw_text): both copies are capped so it fits under 1 MB.
KEY_KEPT_BYTES = 256 * 1024
KEY_SHOWN_BYTES = 1024


class Outbox:
    """Sends staged during a batch; table changelogs keep only the last write per key.

    Delivery is in two phases: every changelog record is acknowledged before any answer is
    sent. So an answer on the broker implies its fence and its kept copy are there too.
    """

    def __init__(self) -> None:
        self.records: list[tuple[str, bytes | None, bytes]] = []
        self.changelog: dict[tuple[str, int, str], Any] = {}
        self.batch = 0  # delivery batches so far: `Replies` prunes by it
        self.staged_bytes = 0
        self.most_kept = 0  # the bytes of answers the fullest entry of this batch keeps

    def send(self, topic: str, key: bytes | None, value: dict[str, Any]) -> None:
        self.send_raw(topic, key, orjson.dumps(value))

    def send_raw(self, topic: str, key: bytes | None, value: bytes) -> None:
        self.records.append((topic, key, value))
        self.staged_bytes += len(value)

    def kept(self, entry_bytes: int) -> None:
        """An entry now keeps `entry_bytes` of answers in its record."""
        self.most_kept = max(self.most_kept, entry_bytes)

    def full(self) -> bool:
        return self.most_kept >= DELIVER_AT_KEPT_BYTES or self.staged_bytes >= DELIVER_AT_BYTES

    def put(self, table: TableT[str, Any], key: str, value: Any, partition: int) -> None:
        """Write a table entry now, and its changelog record when the batch is delivered."""
        table.data[key] = value
        self.changelog[(table.changelog_topic.get_topic_name(), partition, key)] = value

    def dead_letter(
        self, topic: str, ref: InputRef, key: bytes | None, raw: bytes | None, why: Rejection
    ) -> None:
        text, encoding = raw_text(raw)
        self.send(
            topic,
            None if key is None else key[:KEY_KEPT_BYTES],
            {
                "source_topic": ref.topic,
                "partition": ref.partition,
                "offset": ref.offset,
                "key": None if key is None else key[:KEY_SHOWN_BYTES].decode(errors="replace"),
                "error_type": why.error_type.value,
                "error": why.error,
                "raw": text,
                "raw_encoding": encoding,
                "received_at_ns": time.time_ns(),
            },
        )

    async def deliver(self, producer: Any) -> None:
        """Changelogs first, then the answers; returns once the broker acknowledged them all."""
        await _all_acknowledged(
            [
                await producer.send(topic, key.encode(), encode_state(value), partition, None, None)
                for (topic, partition, key), value in self.changelog.items()
            ]
        )
        await _all_acknowledged(
            [await producer.send(t, k, v, None, None, None) for t, k, v in self.records]
        )
        self.records.clear()
        self.changelog.clear()
        self.staged_bytes = self.most_kept = 0
        self.batch += 1


async def _all_acknowledged(futures: list[Any]) -> None:
    if futures:
        await asyncio.gather(*futures)
