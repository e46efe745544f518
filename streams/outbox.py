"""Everything a batch sends, delivered together before the batch's inputs are acknowledged."""

import asyncio
import time
from typing import Any

import orjson
from faust.types import TableT

from sizing import entry_expiry
from sizing.portfolio_book import PortfolioBook
from sizing.refs import InputRef
from sizing.replies import Replies
from streams.codecs import encode_state
from streams.decoding import Rejection, raw_text

# A changelog record must stay well under Kafka's 1 MB. An entry that keeps its batch's answers
# (sizing.replies) grows with the batch, so the batch is delivered once one such record is
# projected past this: its kept answers, plus the rest of it as last delivered (before its first
# delivery, a cautious guess). Per entry, not per batch: a batch answering across entries (stage
# 1's tactical partitions, stage 2's portfolios) is not cut into small deliveries.
DELIVER_AT_RECORD_BYTES = 640 * 1024
FIRST_REST_BYTES = 384 * 1024
# And a batch's answers in all, which bound the worker's memory and its produce requests.
DELIVER_AT_BYTES = 4 * 1024 * 1024
# A dead letter carries its input's key twice (record key and `key` field) beside up to 256 KiB
# of raw bytes (streams.decoding.raw_text): both copies are capped so it fits under 1 MB.
KEY_KEPT_BYTES = 256 * 1024
KEY_SHOWN_BYTES = 1024


Record = tuple[str, bytes | None, bytes | None, int | None]  # topic, key, value, partition


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
        self.largest_record = 0  # the projected bytes of this batch's largest answering entry
        self._kept: dict[tuple[str, int, str], int] = {}  # entry → its kept answers' bytes
        self._rest: dict[tuple[str, int, str], int] = {}  # entry → the rest, last delivered

    def send(self, topic: str, key: bytes | None, value: dict[str, Any]) -> None:
        self.send_raw(topic, key, orjson.dumps(value))

    def send_raw(self, topic: str, key: bytes | None, value: bytes) -> None:
        self.records.append((topic, key, value))
        self.staged_bytes += len(value)

    def empty(self) -> bool:
        return not self.records and not self.changelog

    def full(self) -> bool:
        return (
            self.largest_record >= DELIVER_AT_RECORD_BYTES or self.staged_bytes >= DELIVER_AT_BYTES
        )

    def put(self, table: TableT[str, Any], key: str, value: Any, partition: int) -> None:
        """Write a table entry now (None removes it), and its changelog record on delivery."""
        if value is None:
            table.data.pop(key, None)
        else:
            table.data[key] = value
        entry = (table.changelog_topic.get_topic_name(), partition, key)
        self.changelog[entry] = value
        kept = _kept_answers(value)
        if kept:
            self._kept[entry] = kept
            projected = kept + self._rest.get(entry, FIRST_REST_BYTES)
            self.largest_record = max(self.largest_record, projected)

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

    async def deliver(self, producer: Any, ordered: bool = True) -> None:
        """Changelogs first (sweep marks last of all), then the answers; returns once the
        broker acknowledged them all. Unordered inside a transaction, which is atomic anyway."""
        entries: list[Record] = []
        marks: list[Record] = []
        for entry, value in self.changelog.items():
            topic, partition, key = entry
            phase = marks if entry_expiry.is_mark(key) else entries
            phase.append((topic, key.encode(), self._encoded(entry, value), partition))
        answers: list[Record] = [(t, k, v, None) for t, k, v in self.records]
        for records in (entries, marks, answers) if ordered else (entries + marks + answers,):
            await _all_acknowledged(
                [await producer.send(t, k, v, p, None, None) for t, k, v, p in records]
            )
        self.records.clear()
        self.changelog.clear()
        self._kept.clear()
        self.staged_bytes = self.largest_record = 0
        self.batch += 1

    def _encoded(self, entry: tuple[str, int, str], value: Any) -> bytes | None:
        if value is None:
            return None  # a tombstone: recovery removes the entry
        data = encode_state(value)
        kept = self._kept.get(entry)
        if kept is not None:
            self._rest[entry] = len(data) - kept
        return data


def _kept_answers(value: Any) -> int:
    """The bytes of answers an entry keeps: a stage-1 `Replies`, or a book's."""
    if isinstance(value, Replies):
        return value.size()
    if isinstance(value, PortfolioBook):
        return value.replies.size()
    return 0


async def _all_acknowledged(futures: list[Any]) -> None:
    if futures:
        await asyncio.gather(*futures)
