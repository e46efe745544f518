"""`himari-l3 tail TOPIC`: print decisions (and dead letters) readably as they arrive."""

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer

from himari_l3 import kafka_clients
from schemas.config import Layer3Config
from streams.errors import StreamError


def _clock(ns: Any) -> str:
    if not isinstance(ns, int):
        return "?"
    return datetime.fromtimestamp(ns / 1e9, tz=UTC).strftime("%H:%M:%S.%f")[:-3]


async def assign_all(
    consumer: AIOKafkaConsumer, topic: str, from_beginning: bool, wait_s: float = 60.0
) -> None:
    """Own every partition (no group), positioned at the start or at the current end."""
    consumer.subscribe([topic])  # without a group id, aiokafka assigns every partition itself
    deadline = time.monotonic() + wait_s
    while not (tps := consumer.assignment()):
        if time.monotonic() > deadline:
            raise StreamError(f"topic {topic} does not exist (is the worker running?)")
        await asyncio.sleep(0.1)
    # Then by hand: a subscription is reassigned whenever a metadata update lists other
    # partitions (a transient topic error lists none), and a new assignment forgets the
    # positions, which jump to the log end (auto_offset_reset): a read would end early.
    consumer.unsubscribe()
    consumer.assign(sorted(tps))
    if from_beginning:
        await consumer.seek_to_beginning(*tps)
    else:
        await consumer.seek_to_end(*tps)
    for tp in tps:
        await consumer.position(tp)  # pins "the end" to now, before anything new arrives


def format_decision(d: dict[str, Any]) -> str:
    reasons = ",".join(d.get("reasons") or []) or "-"
    return (
        f"{_clock(d.get('timestamp_ns'))} {d.get('symbol', '?'):<9} {d.get('strategy_id', '?'):<16} "
        f"{d.get('portfolio_id', '?'):<8} {d.get('action', '?'):<11} -> {d.get('side', '?'):<5} "
        f"{d.get('target_position_usd', 0.0):>+12,.2f} USD  qty {d.get('target_quantity', 0.0):>+11.5f}  "
        f"regime {d.get('regime') or '-':<15} cascade {d.get('recommendation') or '-':<10} "
        f"{d.get('trading_state', '?')}  reasons {reasons}"
    )


def format_dead_letter(d: dict[str, Any]) -> str:
    return (
        f"DEAD LETTER {d.get('source_topic')}[{d.get('partition')}]@{d.get('offset')} "
        f"key={d.get('key')!r} {d.get('error_type')}: {d.get('error')}"
    )


def format_record(value: bytes) -> str:
    """A readable line for any record: decision, dead letter, or raw text."""
    try:
        doc = orjson.loads(value)
    except orjson.JSONDecodeError:
        return value.decode(errors="replace")
    if isinstance(doc, dict) and "decision_id" in doc and "side" in doc:
        return format_decision(doc)
    if isinstance(doc, dict) and "error_type" in doc and "source_topic" in doc:
        return format_dead_letter(doc)
    return orjson.dumps(doc).decode()


async def tail(
    cfg: Layer3Config,
    topic: str,
    as_json: bool = False,
    from_beginning: bool = False,
    limit: int | None = None,
    idle_timeout_s: float | None = None,
    emit: Callable[[str], None] = print,
) -> int:
    """Print records until `limit` are shown, `idle_timeout_s` passes without one, or cancelled."""
    shown = 0
    async with kafka_clients.running(
        kafka_clients.consumer(cfg.kafka, enable_auto_commit=False)
    ) as consumer:
        await assign_all(consumer, topic, from_beginning)
        while limit is None or shown < limit:
            batch = await consumer.getmany(timeout_ms=500)
            if not batch and idle_timeout_s is not None:
                idle_timeout_s -= 0.5
                if idle_timeout_s <= 0:
                    break
            for records in batch.values():
                for record in records:
                    if record.value is None:
                        continue
                    emit(
                        record.value.decode(errors="replace")
                        if as_json
                        else format_record(record.value)
                    )
                    shown += 1
    return shown
