"""Bad-input fuzzing through the real broker (DESIGN §6, "Bad input"): over ten thousand hostile
messages among valid ones, on every input topic; the worker survives and accounts for each one.

The messages come from tests/integration/hostile_inputs.py (hypothesis, derandomized).
"""

import asyncio
import base64
import re
import time
from collections import Counter, defaultdict
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas.outputs import SizingDecision
from schemas.topics import INPUT_TOPICS, Topic
from streams.decoding import ErrorType
from streams.outbox import KEY_SHOWN_BYTES
from tests.integration.harness import Worker
from tests.integration.hostile_inputs import QUOTAS, Case, census, workload

pytestmark = pytest.mark.integration

Ref = tuple[str, int, int]  # topic, partition, offset
# Reasons about one field must name it (DESIGN §3: "a sentence a person understands, naming the field").
FIELD_ERRORS = {
    ErrorType.MISSING_FIELD,
    ErrorType.WRONG_TYPE,
    ErrorType.OUT_OF_RANGE,
    ErrorType.UNKNOWN_ENUM,
    ErrorType.INVALID_VALUE,
    ErrorType.UNKNOWN_SCHEMA_VERSION,
    ErrorType.KEY_MISSING,
    ErrorType.KEY_MISMATCH,
}
NAMES_A_FIELD = re.compile(r"(?:field|keyed by) '[^']+'")
OUTPUTS_TIMEOUT_S = 150.0


async def publish(worker: Worker, cases: list[Case]) -> list[Ref]:
    """Send every case in order, batched (DESIGN §7 quirk 2); each one's (topic, partition, offset)."""
    producer = AIOKafkaProducer(bootstrap_servers=worker.bootstrap, linger_ms=5, acks="all")
    await producer.start()
    refs: list[Ref] = []
    try:
        for i in range(0, len(cases), 500):
            futures = [
                await producer.send(worker.topic(c.topic), c.raw, key=c.key)
                for c in cases[i : i + 500]
            ]
            refs.extend((m.topic, m.partition, m.offset) for m in await asyncio.gather(*futures))
    finally:
        await producer.stop()
    return refs


def assert_alive(worker: Worker) -> None:
    assert worker.proc is not None and worker.proc.poll() is None, (
        f"the worker died (exit {worker.proc and worker.proc.returncode}):\n{worker.logs()[-4000:]}"
    )


async def uncommitted(worker: Worker) -> int:
    """Input records the worker's group has not committed; it commits only after delivering."""
    topics = [*(worker.topic(t) for t in INPUT_TOPICS), worker.topic(Topic.SIZED)]
    tps = [TopicPartition(t, p) for t in topics for p in range(worker.config.topics.partitions)]
    admin = AIOKafkaAdminClient(bootstrap_servers=worker.bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=worker.bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(worker.config.worker.app_id)
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        return sum(
            end - max(0, committed[tp].offset if tp in committed else 0) for tp, end in ends.items()
        )
    finally:
        await consumer.stop()
        await admin.close()


async def wait_committed(worker: Worker, deadline: float) -> None:
    while (behind := await uncommitted(worker)) and time.monotonic() < deadline:
        assert_alive(worker)
        await asyncio.sleep(1.0)
    assert behind == 0, f"{behind} inputs not committed by the worker:\n{worker.logs()[-3000:]}"


class Outputs:
    """The worker's dead letters (by source record) and decisions (by trigger), as they arrive."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.deadletter = worker.topic(Topic.DEADLETTER)
        self.letters: dict[Ref, list[dict[str, Any]]] = defaultdict(list)
        self.decisions: dict[Ref, list[dict[str, Any]]] = defaultdict(list)

    def add(self, topic: str, value: bytes) -> None:
        doc = orjson.loads(value)
        if topic == self.deadletter:
            self.letters[(doc["source_topic"], doc["partition"], doc["offset"])].append(doc)
        else:
            t = doc["lineage"]["trigger"]
            self.decisions[(t["topic"], t["partition"], t["offset"])].append(doc)

    async def read(self, letters: set[Ref], decided: set[Ref]) -> None:
        """Read until every expected output is in, the group committed all inputs, then to the end."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.worker.bootstrap, enable_auto_commit=False, fetch_max_wait_ms=100
        )
        await consumer.start()
        try:
            deadline = time.monotonic() + OUTPUTS_TIMEOUT_S
            consumer.subscribe([self.deadletter, self.worker.topic(Topic.DECISIONS)])
            while not consumer.assignment() and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            await consumer.seek_to_beginning()
            while time.monotonic() < deadline and not (
                letters <= self.letters.keys() and decided <= self.decisions.keys()
            ):
                assert_alive(self.worker)
                await self.fetch(consumer)
            await wait_committed(self.worker, deadline)
            ends = await consumer.end_offsets(list(consumer.assignment()))
            while any([await consumer.position(tp) < end for tp, end in ends.items()]):
                await self.fetch(consumer)
        finally:
            await consumer.stop()

    async def fetch(self, consumer: AIOKafkaConsumer) -> None:
        for tp, records in (await consumer.getmany(timeout_ms=500)).items():
            for r in records:
                self.add(tp.topic, r.value)


def raw_of(letter: dict[str, Any]) -> bytes:
    if letter["raw_encoding"] == "utf-8":
        return str(letter["raw"]).encode()
    return base64.b64decode(letter["raw"])


def names(error: str, field: str) -> bool:
    """The reason names the field (or a field inside it), or for a refused JSON literal its key."""
    last = field.rsplit(".", 1)[-1]
    return f"'{field}'" in error or f"'{field}." in error or f"field '{last}'" in error


def problems(letter: dict[str, Any], case: Case) -> list[str]:
    """What is wrong with a dead letter: it must carry the decoder's reason, non-empty and
    naming the field, and the record's own key and bytes."""
    want = case.rejection
    assert want is not None
    error, kept, original = str(letter["error"]), raw_of(letter), case.raw or b""
    found: list[str] = []
    if (letter["error_type"], error) != (want.error_type.value, want.error):
        found.append(f"reason {letter['error_type']}: {error[:200]!r}, not {want.error[:200]!r}")
    if not error.strip() or (want.error_type in FIELD_ERRORS and not NAMES_A_FIELD.search(error)):
        found.append(f"the reason names no field: {error[:200]!r}")
    named = want.error_type in FIELD_ERRORS or want.error_type is ErrorType.NON_FINITE
    if case.field and named and not names(error, case.field):
        found.append(f"the reason does not name {case.field!r}: {error[:200]!r}")
    shown = None if case.key is None else case.key[:KEY_SHOWN_BYTES].decode(errors="replace")
    if letter["key"] != shown:
        found.append(f"key {str(letter['key'])[:80]!r} is not the record's {case.key!r:.80}")
    if letter["raw_encoding"] == "base64-truncated":  # too large to keep whole in a dead letter
        if not kept or not original.startswith(kept):
            found.append("raw is not the start of the record")
    elif kept != original:
        found.append(f"raw {kept[:80]!r} is not the record's {original[:80]!r}")
    return [f"{case.kind} on {case.topic.value}: {p}" for p in found]


def check_dead_letters(out: Outputs, bad: dict[Ref, Case]) -> None:
    missing = Counter(bad[ref].kind for ref in bad.keys() - out.letters.keys())
    unexpected = [ls[0] for ref, ls in out.letters.items() if ref not in bad]
    doubled = [ref for ref, ls in out.letters.items() if len(ls) > 1]
    assert not missing, f"bad messages not dead-lettered, by kind: {dict(missing)}"
    assert not unexpected, f"{len(unexpected)} valid messages dead-lettered: {unexpected[:3]}"
    assert not doubled, f"{len(doubled)} messages dead-lettered twice: {doubled[:3]}"
    wrong = [p for ref, case in bad.items() for p in problems(out.letters[ref][0], case)]
    assert not wrong, f"{len(wrong)} dead letters are wrong, e.g.:\n" + "\n".join(wrong[:12])


def check_decisions(out: Outputs, signals: dict[Ref, Case]) -> None:
    missing = signals.keys() - out.decisions.keys()
    unexpected = out.decisions.keys() - signals.keys()
    doubled = [ref for ref, ds in out.decisions.items() if len(ds) > 1]
    assert not missing, f"{len(missing)} valid signals without a decision: {sorted(missing)[:5]}"
    assert not unexpected, f"{len(unexpected)} decisions for bad messages: {sorted(unexpected)[:5]}"
    assert not doubled, f"{len(doubled)} signals decided twice: {doubled[:3]}"
    for ref, case in signals.items():
        [decision] = out.decisions[ref]
        SizingDecision.model_validate(decision)  # whole; a NaN size would come as null and fail
        assert decision["correlation_id"] == (case.correlation_id or "/".join(map(str, ref)))


def test_ten_thousand_hostile_messages_are_dead_lettered_and_every_valid_signal_is_decided(
    worker_factory,
):
    started = time.monotonic()
    worker: Worker = worker_factory().start(wait=False)  # it starts while the cases are built
    cases = workload(worker.config.inputs.max_message_bytes)
    counts = census(cases)
    assert sum(counts["error_type"].values()) >= 10_000
    assert all(counts["kind"][kind] >= quota for kind, quota in QUOTAS.items()), counts["kind"]
    assert set(counts["topic"]) == {t.value for t in INPUT_TOPICS}, counts["topic"]
    worker.wait_ready()

    refs = asyncio.run(publish(worker, cases))
    bad = {ref: c for ref, c in zip(refs, cases, strict=True) if c.rejection is not None}
    signals = {
        ref: c
        for ref, c in zip(refs, cases, strict=True)
        if c.rejection is None and c.topic is Topic.TACTICAL
    }
    assert len(signals) >= 1_000
    out = Outputs(worker)
    asyncio.run(out.read(set(bad), set(signals)))

    assert_alive(worker)
    check_dead_letters(out, bad)
    check_decisions(out, signals)
    assert sum(map(len, out.letters.values())) == len(bad)
    print(
        f"\nfuzz: {len(bad)} bad, {len(cases) - len(bad)} valid ({len(signals)} signals) "
        f"in {time.monotonic() - started:.1f} s; kinds {dict(counts['kind'])}; "
        f"reasons {dict(counts['error_type'])}; topics {dict(counts['topic'])}"
    )
