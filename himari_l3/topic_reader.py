"""Read a whole topic, every partition, from the beginning to its end as of now (no group)."""

from collections.abc import Callable
from typing import Any

from himari_l3 import kafka_clients
from himari_l3.tail import assign_all
from schemas.config import KafkaConfig


async def read_to_end(
    cfg: KafkaConfig,
    topic: str,
    wait_s: float = 10.0,
    on_read: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """Every record of `topic`; under exactly_once, of committed transactions only. The end of
    a partition is the larger of ListOffsets and the fetch high watermark, since Tansu
    under-reports the former (DESIGN §7 quirk 1). `on_read(read, about)`: progress so far."""
    isolation = "read_committed" if cfg.exactly_once else "read_uncommitted"
    consumer = kafka_clients.consumer(cfg, enable_auto_commit=False, isolation_level=isolation)
    async with kafka_clients.running(consumer):
        await assign_all(consumer, topic, from_beginning=True, wait_s=wait_s)
        tps = sorted(consumer.assignment())
        listed = await consumer.end_offsets(tps)
        records: list[Any] = []
        pending = set(tps)
        while pending:
            for batch in (await consumer.getmany(*pending, timeout_ms=500)).values():
                records.extend(batch)
            if on_read is not None:
                on_read(len(records), sum(listed.values()))
            for tp in list(pending):
                highwater = consumer.highwater(tp)
                if highwater is not None and await consumer.position(tp) >= max(
                    listed[tp], highwater
                ):
                    pending.discard(tp)
        return records
