"""The worker creates the contract topics, and refuses input topics that are not co-partitioned."""

import asyncio

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from schemas.topics import CONTRACT, Topic
from streams.topic_admin import partition_counts

pytestmark = pytest.mark.integration


async def create(bootstrap: str, topics: dict[str, int]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, n, 1) for name, n in topics.items()])
    finally:
        await admin.close()


async def counts(bootstrap: str, names: list[str]) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return await partition_counts(admin, names)
    finally:
        await admin.close()


def test_worker_refuses_input_topics_that_are_not_copartitioned(worker_factory):
    worker = worker_factory()
    asyncio.run(
        create(worker.bootstrap, {worker.topic(Topic.TACTICAL): 4, worker.topic(Topic.REGIME): 8})
    )
    worker.start(wait=False)
    assert worker.proc is not None
    assert worker.proc.wait(timeout=60) == 2
    logs = worker.logs()
    assert "co-partitioned" in logs
    assert f"{worker.topic(Topic.TACTICAL)}=4" in logs and f"{worker.topic(Topic.REGIME)}=8" in logs


def test_worker_creates_every_contract_topic_with_the_configured_partitions(worker_factory):
    worker = worker_factory(HIMARI_L3__TOPICS__PARTITIONS="3").start()
    names = [worker.topic(t) for t in CONTRACT]
    found = asyncio.run(counts(worker.bootstrap, names))
    assert found == {name: (1 if name == worker.topic(Topic.CONFIG) else 3) for name in names}


def test_missing_topics_follow_the_partition_count_of_existing_copartitioned_ones(worker_factory):
    worker = worker_factory()
    asyncio.run(create(worker.bootstrap, {worker.topic(Topic.TACTICAL): 5}))
    worker.start()
    found = asyncio.run(
        counts(worker.bootstrap, [worker.topic(Topic.REGIME), worker.topic(Topic.PORTFOLIO)])
    )
    assert found == {worker.topic(Topic.REGIME): 5, worker.topic(Topic.PORTFOLIO): 8}
