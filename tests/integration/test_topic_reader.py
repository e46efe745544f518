"""Reading a whole topic with no group: a metadata change while it is read cannot move the
consumer's positions (a read of the chaos tests once came back empty)."""

import asyncio

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic

from himari_l3 import kafka_clients
from himari_l3.tail import assign_all
from himari_l3.topic_reader import read_to_end
from schemas.config import KafkaConfig

pytestmark = pytest.mark.integration
TOPIC = "reader-metadata-change"


async def _topic_with_records(bootstrap: str, per_partition: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(TOPIC, 2, replication_factor=1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for i in range(per_partition):
            for p in (0, 1):
                await producer.send_and_wait(TOPIC, b"%d" % i, partition=p)
    finally:
        await producer.stop()


async def _add_a_partition(bootstrap: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_partitions({TOPIC: NewPartitions(total_count=3)})
    finally:
        await admin.close()


def test_positions_stay_where_they_were_put_when_the_topics_metadata_changes(kafka):
    cfg = KafkaConfig(bootstrap_servers=kafka.bootstrap_servers)

    async def run() -> tuple[dict[int, int], set[int], int]:
        await _topic_with_records(kafka.bootstrap_servers, 5)
        consumer = kafka_clients.consumer(cfg, enable_auto_commit=False)
        async with kafka_clients.running(consumer):
            await assign_all(consumer, TOPIC, from_beginning=True)
            await _add_a_partition(kafka.bootstrap_servers)
            await consumer._client.force_metadata_update()  # as a periodic refresh would
            await asyncio.sleep(0.5)
            positions = {tp.partition: await consumer.position(tp) for tp in consumer.assignment()}
            owned = {tp.partition for tp in consumer.assignment()}
        return positions, owned, len(await read_to_end(cfg, TOPIC))

    positions, owned, read = asyncio.run(run())

    assert owned == {0, 1}
    assert positions == {0: 0, 1: 0}
    assert read == 10
