"""Drive real worker processes through kills while the input is published, then read it all
back from the broker and audit it against the pure core (himari_l3.audit)."""

import asyncio
import random
import signal
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from himari_l3.audit.recompute import Audit, audit
from himari_l3.audit.recorded import Recorded
from himari_l3.topic_reader import read_to_end
from schemas.topics import INPUT_TOPICS, Topic
from streams.codecs import StateCodec
from streams.log_ends import log_ends
from streams.tables import TABLE_STATES
from tests.chaos.workload import Message, messages
from tests.integration.harness import Worker

AUDITED_TABLES = ("cascade", "regime", "sentiment", "track_record", "portfolio")


@dataclass
class Chaos:
    """One worker's life story: how often it was killed, and when."""

    worker: Worker
    rng: random.Random
    kills: list[str] = field(default_factory=list)

    async def kill_after(self, ready: bool) -> None:
        """Start the worker, then SIGKILL it at a random moment (before or after it is ready)."""
        self.worker.start(wait=False)
        started = time.monotonic()
        if ready:
            await asyncio.to_thread(self.worker.wait_ready)
        await asyncio.sleep(self.rng.uniform(0.3, 4.0))
        assert self.worker.proc is not None and self.worker.proc.poll() is None, self.tail()
        self.worker.proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(self.worker.proc.wait)
        phase = "running" if ready else "starting"
        self.kills.append(f"{phase}, {time.monotonic() - started:.1f} s after start")

    def tail(self) -> str:
        return self.worker.logs()[-3000:]


async def publish(
    bootstrap: str, worker: Worker, messages: list[Message], rate: float, idempotent: bool = True
) -> None:
    """Send in order at about `rate` messages a second (batched, as DESIGN §7 asks).

    Idempotent where the broker allows it (not Tansu): a send retried across a broker stall
    would otherwise land twice, and the run would hold more signals than it published.
    """
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=5, acks="all", enable_idempotence=idempotent
    )
    await producer.start()
    try:
        started, chunk = time.monotonic(), 200
        for i in range(0, len(messages), chunk):
            futures = [
                await producer.send(worker.topic(t), v, key=k)
                for t, k, v in messages[i : i + chunk]
            ]
            await asyncio.gather(*futures)
            ahead = (i + chunk) / rate - (time.monotonic() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)
    finally:
        await producer.stop()


async def read(worker: Worker, topic: str) -> list[Recorded]:
    found = await read_to_end(worker.config.kafka, topic)
    return [Recorded(r.topic, r.partition, r.offset, r.key, r.value) for r in found]


async def decided(worker: Worker) -> set[str]:
    return {
        orjson.loads(r.value)["decision_id"]
        for r in await read(worker, worker.topic(Topic.DECISIONS))
    }


def wait_for_decisions(worker: Worker, expected: int, timeout_s: float = 180.0) -> int:
    """Poll the decisions topic until `expected` distinct decisions are there (or time is up)."""
    deadline = time.monotonic() + timeout_s
    while (count := len(asyncio.run(decided(worker)))) < expected and time.monotonic() < deadline:
        assert worker.proc is not None and worker.proc.poll() is None, worker.logs()[-3000:]
        time.sleep(3.0)
    return count


async def lag(worker: Worker) -> dict[str, int]:
    """Per input partition not consumed to its end: the records the group has not committed."""
    group = worker.config.worker.app_id
    consumer = AIOKafkaConsumer(bootstrap_servers=worker.bootstrap, group_id=group)
    await consumer.start()
    try:
        topics = (*(worker.topic(t) for t in INPUT_TOPICS), worker.topic(Topic.SIZED))
        tps = [(t, p) for t in topics for p in range(worker.config.topics.partitions)]
        ends = await log_ends(worker.config.kafka, tps)  # Tansu under-reports ListOffsets
        behind: dict[str, int] = {}
        for (topic, partition), end in ends.items():
            committed = await consumer.committed(TopicPartition(topic, partition)) or 0
            if committed < end:
                behind[f"{topic}/{partition}"] = end - committed
        return behind
    finally:
        await consumer.stop()


def wait_for_inputs(worker: Worker, timeout_s: float = 60.0) -> dict[str, int]:
    """Poll until the worker has consumed every input partition to its end (or time is up); what
    is left (`lag`). Under exactly_once a sized partition keeps 1: its last commit marker."""
    deadline = time.monotonic() + timeout_s
    sized = worker.topic(Topic.SIZED)
    while True:
        behind = asyncio.run(lag(worker))
        pending = [at for at, n in behind.items() if n > 1 or not at.startswith(f"{sized}/")]
        if not pending or time.monotonic() > deadline:
            return behind
        time.sleep(1.0)


def finished_run(
    bootstrap: str, workdir: Path, signals: int
) -> tuple[Worker, dict[str, list[Recorded]]]:
    """A worker's topics after `signals` signals with state inputs interleaved, the worker
    stopped, and every record as the broker holds it."""
    worker = Worker(bootstrap, workdir)
    worker.start()
    asyncio.run(publish(bootstrap, worker, messages(signals), rate=2_000))
    assert wait_for_decisions(worker, signals, timeout_s=120) == signals
    worker.stop()
    return worker, asyncio.run(capture(worker))


async def capture(worker: Worker) -> dict[str, list[Recorded]]:
    """Every record of the run's topics and changelogs, as the broker holds them."""
    app_id = worker.config.worker.app_id
    names = [
        worker.topic(t) for t in (*INPUT_TOPICS, Topic.SIZED, Topic.DECISIONS, Topic.DEADLETTER)
    ]
    names += [f"{app_id}-{table}-changelog" for table in (*AUDITED_TABLES, "ensemble")]
    return {name: await read(worker, name) for name in names}


def audit_run(
    worker: Worker, captured: dict[str, list[Recorded]]
) -> tuple[Audit, dict[str, dict[str, Any]]]:
    """The audit of the captured run, and each table as its changelog last wrote it."""
    inputs = {t: captured[worker.topic(t)] for t in INPUT_TOPICS}
    sized, decisions = captured[worker.topic(Topic.SIZED)], captured[worker.topic(Topic.DECISIONS)]
    return audit(inputs, sized, decisions, worker.config), _tables(worker, captured)


def _tables(worker: Worker, captured: dict[str, list[Recorded]]) -> dict[str, dict[str, Any]]:
    app_id = worker.config.worker.app_id
    tables: dict[str, dict[str, Any]] = defaultdict(dict)
    for name in (*AUDITED_TABLES, "ensemble"):
        codec = StateCodec(TABLE_STATES[name])
        for rec in sorted(captured[f"{app_id}-{name}-changelog"], key=lambda r: r.offset):
            assert rec.key is not None
            if rec.value is None:  # a tombstone: the entry expired
                tables[name].pop(rec.key.decode(), None)
            else:
                tables[name][rec.key.decode()] = codec._loads(rec.value)
    return tables


def book_state(book: Any) -> dict[str, Any]:
    """The book without its kept answers, which depend on how the batches fell."""
    state: dict[str, Any] = book.as_dict()
    state.pop("replies")
    return state


def ranges(ids: list[str], triggers: dict[str, Any]) -> dict[int, list[tuple[int, int]]]:
    """The trigger offsets of `ids`, per partition, as (first, last) runs: what went missing."""
    by_partition: dict[int, list[int]] = defaultdict(list)
    for i in ids:
        by_partition[triggers[i].partition].append(triggers[i].offset)
    runs: dict[int, list[tuple[int, int]]] = {}
    for partition, offsets in sorted(by_partition.items()):
        offsets.sort()
        runs[partition] = []
        for o in offsets:
            if runs[partition] and runs[partition][-1][1] == o - 1:
                runs[partition][-1] = (runs[partition][-1][0], o)
            else:
                runs[partition].append((o, o))
    return runs


def assigned(worker: Worker, topic: Topic) -> list[set[int]]:
    """The partitions of `topic` in each assignment the worker logged, oldest first."""
    name = worker.topic(topic)
    found = []
    for line in worker.logs().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) == 4 and cells[1] == name and cells[2].startswith("{"):
            found.append(_partition_set(cells[2]))
    return found


def _partition_set(text: str) -> set[int]:
    parts: set[int] = set()
    for item in text.strip("{}").split(","):
        first, _, last = item.strip().partition("-")
        parts.update(range(int(first), int(last or first) + 1))
    return parts
