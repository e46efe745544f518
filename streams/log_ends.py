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
