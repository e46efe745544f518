"""Broker-side helpers: topics, batched producing, paced producing, and an output watcher."""

import asyncio
import contextlib
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from workload import signal_doc

WATCH_FETCH_WAIT_MS = 10  # the watcher's own fetch wait: small, so it adds little latency
OnRecord = Callable[[Any, int], None]


async def create_topics(bootstrap: str, names: Sequence[str], partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, partitions, 1) for n in names])
    finally:
        await admin.close()


def producer(bootstrap: str, linger_ms: int) -> AIOKafkaProducer:
    # Big batches (with a linger) so the broker sees few record batches (DESIGN §7 quirk 2).
    return AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=linger_ms, acks="all",
                            max_batch_size=256 * 1024)  # fmt: skip


async def produce(prod: AIOKafkaProducer, items: Sequence[tuple[str, bytes, bytes]]) -> float:
    """Send (topic, key, value) items as fast as the client can; seconds until all acked."""
    t0 = time.perf_counter()
    futs = [await prod.send(topic, value, key=key) for topic, key, value in items]
    await asyncio.gather(*futs)
    return time.perf_counter() - t0


async def paced(prod: AIOKafkaProducer, topic: str, rate: int, seconds: float, tag: str) -> int:
    """Offer `rate` signals/s for `seconds`, in bursts every 10 ms; each is stamped at send."""
    tick, per_tick = 0.01, rate / 100.0
    rng, sent, k = random.Random(7), 0, 0
    start = time.monotonic()
    futs = []
    while time.monotonic() - start < seconds:
        due = per_tick * (k + 1)
        while sent < due:
            doc = signal_doc(rng, sent, tag)
            doc["timestamp_ns"] = time.time_ns()
            futs.append(await prod.send(topic, orjson.dumps(doc), key=doc["symbol"].encode()))
            sent += 1
        k += 1
        await asyncio.sleep(max(0.0, start + k * tick - time.monotonic()))
    await asyncio.gather(*futs)
    return sent


async def _led_partitions(c: AIOKafkaConsumer, topics: list[str]) -> list[TopicPartition]:
    """All partitions of the topics, once each has a leader (new topics take a moment)."""
    deadline = time.monotonic() + 30.0
    while True:
        await c._client.force_metadata_update()
        parts = [TopicPartition(t, p) for t in topics for p in c.partitions_for_topic(t) or ()]
        led = all((c._client.cluster.leader_for_partition(tp) or -1) >= 0 for tp in parts)
        if led and {tp.topic for tp in parts} == set(topics):
            return parts
        if time.monotonic() > deadline:
            raise RuntimeError(f"some partitions of {topics} have no leader after 30 s")
        await asyncio.sleep(0.2)


async def settle(bootstrap: str, topics: Sequence[str], timeout: float = 30.0) -> float:
    """Wait until every partition of new topics has a leader that answers ListOffsets; seconds.

    A worker started on a fresh Kafka (KRaft) broker within a second of its topics' creation
    sometimes joins, logs Ready and then processes nothing (see README): wait for this first.
    """
    t0 = time.monotonic()
    c = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await c.start()
    try:
        parts = await _led_partitions(c, list(topics))
        while True:
            try:
                await asyncio.wait_for(c.end_offsets(parts), 5.0)
                await asyncio.wait_for(c.beginning_offsets(parts), 5.0)
                return time.monotonic() - t0
            except Exception:
                if time.monotonic() - t0 > timeout:
                    raise
                await asyncio.sleep(0.3)
    finally:
        await c.stop()


class Watch:
    """Reads every partition of some topics from the beginning (no group) and counts arrivals.

    `on_record(record, arrival_ns)` is called for each record when set. Each fetch that brought
    records of a topic is kept as (perf_counter at arrival, the topic's count after it).
    """

    def __init__(self, bootstrap: str, topics: Sequence[str]) -> None:
        self.bootstrap, self.topics = bootstrap, list(topics)
        self.count = dict.fromkeys(self.topics, 0)
        self.history: dict[str, list[tuple[float, int]]] = {t: [] for t in self.topics}
        self.on_record: OnRecord | None = None
        self._tick = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        c = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                             fetch_max_wait_ms=WATCH_FETCH_WAIT_MS)  # fmt: skip
        self._consumer = c
        await c.start()
        parts = await _led_partitions(c, self.topics)
        c.assign(parts)
        await c.seek_to_beginning(*parts)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            batch = await self._consumer.getmany(timeout_ms=200)
            now_ns, now = time.time_ns(), time.perf_counter()
            for tp, recs in batch.items():
                self.count[tp.topic] += len(recs)
                if self.on_record is not None:
                    for r in recs:
                        self.on_record(r, now_ns)
            for topic in {tp.topic for tp in batch}:
                self.history[topic].append((now, self.count[topic]))
            tick, self._tick = self._tick, asyncio.Event()
            tick.set()

    async def wait_for(self, topic: str, n: int, timeout: float) -> None:
        """Return once `topic` has seen n records; TimeoutError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self.count[topic] < n:
            if self._task is not None and self._task.done():
                self._task.result()
            if (remaining := deadline - time.monotonic()) <= 0:
                raise TimeoutError(
                    f"{topic}: {self.count[topic]} of {n} records after {timeout:.0f} s"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._tick.wait(), min(remaining, 1.0))

    def crossing(self, topic: str, n: int) -> tuple[float, int]:
        """(arrival time, count after) of the fetch that brought the n-th record of `topic`."""
        return next((t, c) for t, c in self.history[topic] if c >= n)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()


async def drain_rate(watch: Watch, topic: str, base: int, n: int, timeout: float) -> float:
    """Outputs/s between the first and the n-th new record of `topic` (after `base`); the
    records of the first fetch are not counted (they were processed before the clock started)."""
    await watch.wait_for(topic, base + n, timeout)
    t_first, seen = watch.crossing(topic, base + 1)
    t_last, _ = watch.crossing(topic, base + n)
    if t_last <= t_first or seen >= base + n:
        raise RuntimeError(f"{topic}: all {n} records came in one fetch; raise --signals")
    return (base + n - seen) / (t_last - t_first)
