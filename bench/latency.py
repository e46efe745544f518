"""Signal-to-output latency at a fixed offered rate, and percentile summaries."""

import asyncio
import contextlib
import math
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer
from kafka_io import Watch, paced


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[rank - 1]


def summary(ms: list[float]) -> dict[str, float]:
    if not ms:
        return {"n": 0, "p50": math.nan, "p99": math.nan, "max": math.nan}
    return {"n": len(ms), "p50": percentile(ms, 50), "p99": percentile(ms, 99), "max": max(ms)}


async def measure(
    watch: Watch,
    prod: AIOKafkaProducer,
    topics: tuple[str, str],
    *,
    rate: int,
    seconds: float,
    tag: str,
) -> dict[str, Any]:
    """Offer `rate` signals/s to in_topic for `seconds`; latency = arrival on out_topic (wall
    clock, when the watcher's fetch returns) − the signal's timestamp_ns (stamped at send)."""
    in_topic, out_topic = topics
    lat_ms: list[float] = []
    prefix = f'"correlation_id":"{tag}-'.encode()

    def on_record(record: Any, arrival_ns: int) -> None:
        if record.topic == out_topic and prefix in record.value:
            lat_ms.append((arrival_ns - orjson.loads(record.value)["timestamp_ns"]) / 1e6)

    watch.on_record = on_record
    base = watch.count[out_topic]
    try:
        sent = await paced(prod, in_topic, rate, seconds, tag)
        with contextlib.suppress(TimeoutError):  # what never came is reported as missing
            await watch.wait_for(out_topic, base + sent, timeout=20.0)
        await asyncio.sleep(0.1)
    finally:
        watch.on_record = None
    return {**summary(lat_ms), "sent": sent, "missing": sent - len(lat_ms)}
