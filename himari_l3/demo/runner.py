"""`himari-l3 demo`: publish the bundled scenario in event-time order and print decisions."""

import asyncio
import time
from collections.abc import Sequence

from himari_l3 import kafka_clients
from himari_l3.demo.scenario import JSONL_PATH, ScenarioEvent, read_jsonl, stamped
from himari_l3.publish import encode
from himari_l3.tail import tail
from schemas.config import Layer3Config
from schemas.topics import CONTRACT, Topic, full_name


async def publish_scenario(
    cfg: Layer3Config, events: Sequence[ScenarioEvent], speed: float, start_ns: int
) -> int:
    """Send each event when its scenario time comes (divided by `speed`), stamped from `start_ns`."""
    async with kafka_clients.running(kafka_clients.producer(cfg.kafka)) as producer:
        began = time.monotonic()
        for event in events:
            delay = event.at_ms / 1000.0 / speed - (time.monotonic() - began)
            if delay > 0:
                await producer.flush()
                await asyncio.sleep(delay)
            value = stamped(event, start_ns)
            key_field = CONTRACT[event.topic].key_field
            key = str(value[key_field]).encode() if key_field else None
            await producer.send(full_name(event.topic, cfg.topics.prefix), encode(value), key=key)
        await producer.flush()
    return len(events)


async def run_demo(cfg: Layer3Config, speed: float = 1.0, show: bool = True, loops: int = 1) -> int:
    """Publish the scenario `loops` times (0 = forever), printing decisions while it runs."""
    events = read_jsonl(JSONL_PATH)
    printer = None
    if show:
        decisions = full_name(Topic.DECISIONS, cfg.topics.prefix)
        printer = asyncio.create_task(tail(cfg, decisions))
        await asyncio.sleep(1.0)  # let the tail take its partitions before the first decision
    n = 0
    try:
        while loops == 0 or n < loops:
            sent = await publish_scenario(cfg, events, speed, time.time_ns())
            n += 1
            print(f"-- demo: scenario pass {n} published ({sent} events)", flush=True)
        if printer is not None:
            await asyncio.sleep(3.0)  # the last decisions are still on their way
    finally:
        if printer is not None:
            printer.cancel()
            await asyncio.gather(printer, return_exceptions=True)
    return 0
