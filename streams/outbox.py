"""Everything a batch sends, delivered together before the batch's inputs are acknowledged."""

import asyncio
import time
from typing import Any

import orjson
from faust.types import TableT

from sizing.refs import InputRef
from streams.codecs import encode_state
from streams.decoding import Rejection, raw_text


class Outbox:
    """Sends staged during a batch; table changelogs keep only the last write per key."""

    def __init__(self) -> None:
        self.records: list[tuple[str, bytes | None, bytes]] = []
        self.changelog: dict[tuple[str, int, str], Any] = {}

    def send(self, topic: str, key: bytes | None, value: dict[str, Any]) -> None:
        self.records.append((topic, key, orjson.dumps(value)))

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
            key,
            {
                "source_topic": ref.topic,
                "partition": ref.partition,
                "offset": ref.offset,
                "key": None if key is None else key.decode(errors="replace"),
                "error_type": why.error_type.value,
                "error": why.error,
                "raw": text,
                "raw_encoding": encoding,
                "received_at_ns": time.time_ns(),
            },
        )

    async def deliver(self, producer: Any) -> None:
        """Send everything and wait for the broker to acknowledge every record."""
        futures = [await producer.send(t, k, v, None, None, None) for t, k, v in self.records]
        for (topic, partition, key), value in self.changelog.items():
            futures.append(
                await producer.send(topic, key.encode(), encode_state(value), partition, None, None)
            )
        if futures:
            await asyncio.gather(*futures)
        self.records.clear()
        self.changelog.clear()
