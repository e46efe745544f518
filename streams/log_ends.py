"""Where each partition's log really ends, from a fetch response rather than ListOffsets.

Tansu answers ListOffsets(latest) with the start of the last record batch + 1 (DESIGN §7 quirk
1); fetch responses carry the true high watermark. Table recovery and the input watchdog need
the true end, or a restarted worker stops reading a changelog before its newest records.
"""

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from himari_l3 import kafka_clients
from schemas.config import KafkaConfig

FETCH_WAIT_MS = 1_000
LIST_TIMEOUT_S = 5.0
MAX_FETCHES = 60


async def fetched_ends(
    consumer: AIOKafkaConsumer, partitions: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], int]:
    """The end offset of each partition: the larger of ListOffsets and a fetch's high watermark."""
    parts = [TopicPartition(topic, partition) for topic, partition in partitions]
    if not parts:
        return {}
    consumer.assign(parts)
    try:
        listed = await asyncio.wait_for(consumer.end_offsets(parts), LIST_TIMEOUT_S)
    except (KafkaError, TimeoutError):
        # Tansu can refuse ListOffsets for a partition never written (StaleMetadata): fetch
        # from the start instead; the high watermark comes with the first response anyway.
        listed = dict.fromkeys(parts, 0)
    for part in parts:
        consumer.seek(part, max(0, listed[part] - 1))
    await consumer.getmany(*parts, timeout_ms=FETCH_WAIT_MS, max_records=len(parts))
    return {(p.topic, p.partition): max(listed[p], consumer.highwater(p) or 0) for p in parts}


async def log_ends(
    kafka: KafkaConfig, partitions: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], int]:
    """`fetched_ends` with a consumer of its own."""
    async with kafka_clients.running(kafka_clients.consumer(kafka, enable_auto_commit=False)) as c:
        return await fetched_ends(c, partitions)


async def last_visible(
    kafka: KafkaConfig, partitions: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], int]:
    """Per partition, the offset of the last record a read_committed reader gets (-1: none).

    Under transactions a log ends in a commit marker, which no reader ever receives: waiting
    for the record before the last stable offset would wait forever.
    """
    parts = [TopicPartition(topic, partition) for topic, partition in partitions]
    if not parts:
        return {}
    consumer = kafka_clients.consumer(
        kafka, enable_auto_commit=False, isolation_level="read_committed"
    )
    async with kafka_clients.running(consumer):
        consumer.assign(parts)
        stable = await consumer.end_offsets(parts)
        return {(p.topic, p.partition): await _last_before(consumer, p, stable[p]) for p in parts}


async def _last_before(consumer: AIOKafkaConsumer, part: TopicPartition, end: int) -> int:
    """The last visible record before `end`, read back in growing steps from it."""
    step, high = 64, end
    while high > 0:
        low = max(0, high - step)
        consumer.seek(part, low)
        last, fetches = -1, 0
        while await consumer.position(part) < high:
            fetches += 1
            if fetches > MAX_FETCHES:
                raise TimeoutError(f"{part.topic}/{part.partition}: no record before {high}")
            found = await consumer.getmany(part, timeout_ms=FETCH_WAIT_MS)
            offsets = [r.offset for r in found.get(part, []) if r.offset < high]
            last = max([last, *offsets])
        if last >= 0:
            return last
        high, step = low, step * 4
    return -1
