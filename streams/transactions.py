"""Exactly-once on Kafka: a delivery's records and its inputs' offsets in one transaction.

faust itself stays at-least-once: its exactly-once mode commits offsets on a timer, apart from
our deliveries, and would leave the Outbox's sends outside its transactions. Here each delivery
is begin → every record → the inputs' offsets → commit, so a read_committed reader (the worker
itself included: stage 2, table recovery) sees a batch whole or not at all. A restarted worker
reuses its transactional ids: the broker then fences the dead process and aborts its open
transaction. faust's own offset commits are switched off (`streams.transport`): they would
commit outside the transactions.
"""

import contextlib
import socket
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer, TopicPartition

from himari_l3 import kafka_clients
from schemas.config import Layer3Config
from streams.outbox import Outbox


def transactional_id(cfg: Layer3Config, agent: str) -> str:
    instance = cfg.worker.instance_id or socket.gethostname()
    return f"{cfg.worker.app_id}-{instance}-{agent}"


def input_offsets(messages: Iterable[Any]) -> dict[TopicPartition, int]:
    """The offsets to commit after `messages`: per partition, the next one to read."""
    offsets: dict[TopicPartition, int] = {}
    for m in messages:
        tp = TopicPartition(m.topic, m.partition)
        offsets[tp] = max(offsets.get(tp, 0), m.offset + 1)
    return offsets


async def started(cfg: Layer3Config, agent: str) -> "TransactionalDelivery | None":
    """The agent's started transactional producer under exactly_once, else None."""
    if not cfg.kafka.exactly_once:
        return None
    producer = kafka_clients.producer(
        cfg.kafka, transactional_id=transactional_id(cfg, agent), enable_idempotence=True
    )
    await producer.start()  # InitProducerId: fences a predecessor and aborts its transaction
    return TransactionalDelivery(producer, cfg.worker.app_id)


class _Sends:
    """aiokafka's `send` behind the positional signature of faust's producer, which the
    Outbox calls."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer

    async def send(
        self, topic: str, key: bytes | None, value: bytes | None, partition: int | None, *_: Any
    ) -> Any:
        return await self.producer.send(topic, value=value, key=key, partition=partition)


class TransactionalDelivery:
    """One agent's transactional producer: at most one transaction open at a time."""

    def __init__(self, producer: AIOKafkaProducer, group_id: str) -> None:
        self.producer = producer  # started, with a transactional id
        self.group_id = group_id  # faust's consumer group: the app id
        self._sends = _Sends(producer)

    async def deliver(self, outbox: Outbox, offsets: dict[TopicPartition, int]) -> None:
        """Commit the outbox's records with `offsets`; any failure aborts them all."""
        if not offsets and outbox.empty():
            return
        await self.producer.begin_transaction()
        try:
            # A failed send does not abort the transaction by itself: every future is awaited.
            await outbox.deliver(self._sends, ordered=False)
            if offsets:
                await self.producer.send_offsets_to_transaction(offsets, self.group_id)
            await self.producer.commit_transaction()
        except BaseException:
            with contextlib.suppress(Exception):  # fenced or broker gone: the error below says
                await self.producer.abort_transaction()
            raise

    async def stop(self) -> None:
        await self.producer.stop()
