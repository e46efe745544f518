"""The worker's table changelogs (`{app_id}-{table}-changelog`), read from the bench process.

`Changelogs.latest()` reads the newest record of every partition (cheap: one record each), for
a look at a table's current entry sizes during a run; `Changelogs.scan()` reads everything the
topics hold (what compaction left) and summarises record sizes and keys per table.
"""

import asyncio
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

# The consumer must take the largest record whole: a book near the broker's 1 MB limit.
FETCH_BYTES = 8 * 1024 * 1024


@dataclass(slots=True)
class TableSizes:
    """Record sizes (value bytes) of one changelog, and the newest value of each key."""

    table: str
    written: int = 0  # records ever written (the sum of the partitions' end offsets)
    sizes: list[int] = field(default_factory=list)  # of the records still on the topic
    latest: dict[bytes, bytes] = field(default_factory=dict)

    @property
    def keys(self) -> int:
        return len(self.latest)

    def p50(self) -> int:
        return int(statistics.median(self.sizes)) if self.sizes else 0

    def max(self) -> int:
        return max(self.sizes, default=0)


class Changelogs:
    """One consumer assigned to every partition of the given tables' changelogs (no group)."""

    def __init__(self, bootstrap: str, app_id: str, tables: Sequence[str]) -> None:
        self.topics = {f"{app_id}-{t}-changelog": t for t in tables}
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            fetch_max_bytes=FETCH_BYTES,
            max_partition_fetch_bytes=FETCH_BYTES,
        )
        self._parts: list[TopicPartition] = []

    async def start(self) -> None:
        c = self._consumer
        await c.start()
        deadline = time.monotonic() + 30.0
        while True:  # faust creates missing changelogs itself; the bench's were made up front
            await c._client.force_metadata_update()
            parts = [
                TopicPartition(t, p) for t in self.topics for p in c.partitions_for_topic(t) or ()
            ]
            if {tp.topic for tp in parts} == set(self.topics) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        self._parts = parts
        c.assign(parts)

    async def stop(self) -> None:
        await self._consumer.stop()

    async def _read(
        self, starts: dict[TopicPartition, int], ends: dict[TopicPartition, int],
        on_record: Callable[[str, Any], None], timeout_s: float,
    ) -> None:  # fmt: skip
        """Read every partition from `starts` up to `ends` (exclusive)."""
        c = self._consumer
        todo = {tp for tp in self._parts if ends[tp] > starts[tp]}
        for tp in self._parts:
            c.seek(tp, starts[tp])
        deadline = time.monotonic() + timeout_s
        while todo:
            if time.monotonic() > deadline:
                raise TimeoutError(f"changelogs not read within {timeout_s:.0f} s: {todo}")
            batch = await c.getmany(*todo, timeout_ms=1000)
            for tp, recs in batch.items():
                for r in recs:
                    if r.offset < ends[tp]:
                        on_record(self.topics[tp.topic], r)
                if recs and recs[-1].offset >= ends[tp] - 1:
                    todo.discard(tp)
            for tp in list(todo):  # compaction can leave the end offset without a record
                if await c.position(tp) >= ends[tp]:
                    todo.discard(tp)

    async def latest(self, timeout_s: float = 30.0) -> dict[str, list[int]]:
        """Per table, the value sizes of the newest record of each non-empty partition."""
        ends = await self._consumer.end_offsets(self._parts)
        starts = {tp: max(0, ends[tp] - 1) for tp in self._parts}
        out: dict[str, list[int]] = {t: [] for t in self.topics.values()}

        def keep(table: str, r: Any) -> None:
            out[table].append(len(r.value or b""))

        await self._read(starts, ends, keep, timeout_s)
        return out

    async def scan(self, timeout_s: float = 600.0) -> dict[str, TableSizes]:
        """Every record the changelogs hold now, summarised per table."""
        ends = await self._consumer.end_offsets(self._parts)
        starts = await self._consumer.beginning_offsets(self._parts)
        out = {t: TableSizes(t) for t in self.topics.values()}
        for tp in self._parts:
            out[self.topics[tp.topic]].written += ends[tp]

        def keep(table: str, r: Any) -> None:
            sizes = out[table]
            value = r.value or b""
            sizes.sizes.append(len(value))
            if r.value is None:  # a tombstone: the key was deleted
                sizes.latest.pop(r.key, None)
            else:
                sizes.latest[r.key] = value

        await self._read(starts, ends, keep, timeout_s)
        return out
