"""Exactly-once delivery: one transaction per delivery, with the offsets of its inputs.

The calls into a recording stand-in for aiokafka's producer; the kill test runs it on Kafka
(tests/chaos/test_kill.py::test_exactly_once_...).
"""

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from agent_harness import Shell, regime
from aiokafka import TopicPartition

from schemas.config import Layer3Config
from schemas.topics import Topic
from streams import transactions
from streams.transactions import TransactionalDelivery


class TransactionLog:
    """Records begin/send/offsets/commit/abort in order; a send may fail."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.calls: list[Any] = []
        self.fail = fail

    async def begin_transaction(self) -> None:
        self.calls.append("begin")

    async def send(self, topic: str, value: Any = None, key: Any = None, partition: Any = None):
        self.calls.append(("send", topic))
        future = asyncio.get_running_loop().create_future()
        if self.fail is None:
            future.set_result(None)
        else:
            future.set_exception(self.fail)
        return future

    async def send_offsets_to_transaction(self, offsets: Any, group_id: str) -> None:
        self.calls.append(("offsets", dict(offsets), group_id))

    async def commit_transaction(self) -> None:
        self.calls.append("commit")

    async def abort_transaction(self) -> None:
        self.calls.append("abort")


def delivery(log: TransactionLog) -> TransactionalDelivery:
    return TransactionalDelivery(log, "himari-l3")  # type: ignore[arg-type]


def test_a_delivery_is_one_transaction_committing_its_inputs_offsets() -> None:
    shell, log = Shell(), TransactionLog()
    fed = [shell.feed(Topic.REGIME, regime("TRENDING_UP"), partition=2) for _ in range(3)]
    offsets = transactions.input_offsets(fed)
    asyncio.run(delivery(log).deliver(shell.outbox, offsets))
    name = shell.name(Topic.REGIME)
    assert offsets == {TopicPartition(name, 2): 3}
    assert log.calls == [
        "begin",
        ("send", "himari-l3-regime-changelog"),  # the entry
        ("send", "himari-l3-regime-changelog"),  # its partition's sweep mark
        ("offsets", offsets, "himari-l3"),
        "commit",
    ]


def test_a_failed_send_aborts_the_transaction_and_commits_no_offsets() -> None:
    shell, log = Shell(), TransactionLog(fail=RuntimeError("broker gone"))
    fed = shell.feed(Topic.REGIME, regime("TRENDING_UP"))
    with pytest.raises(RuntimeError):
        asyncio.run(delivery(log).deliver(shell.outbox, transactions.input_offsets([fed])))
    assert log.calls[0] == "begin" and log.calls[-1] == "abort"
    assert not any(c == "commit" or c[0] == "offsets" for c in log.calls)


def test_nothing_to_deliver_opens_no_transaction() -> None:
    log = TransactionLog()
    asyncio.run(delivery(log).deliver(Shell().outbox, {}))
    assert log.calls == []


def test_the_offsets_committed_are_the_next_to_read_per_partition() -> None:
    msgs = [SimpleNamespace(topic="t", partition=p, offset=o) for p, o in [(0, 5), (0, 3), (1, 9)]]
    assert transactions.input_offsets(msgs) == {
        TopicPartition("t", 0): 6,
        TopicPartition("t", 1): 10,
    }


def test_transactional_ids_are_per_worker_instance_and_agent() -> None:
    cfg = Layer3Config.model_validate({"worker": {"app_id": "l3", "instance_id": "pod-2"}})
    assert transactions.transactional_id(cfg, "portfolio_inputs") == "l3-pod-2-portfolio_inputs"
