"""(c) References on the same broker and the same encoded signals, each in its own process:
(c1) raw aiokafka consume → orjson → produce → commit, (c2) a minimal per-event Faust agent.

Both drain a backlog of the N signals pre-produced to a topic of their own (8 partitions, the
same keys and bytes as the worker's input); rate = outputs between the first and the N-th.
"""

import asyncio
import time
from typing import Any

import latency
import procs
from kafka_io import Watch, create_topics, drain_rate, produce, producer, settle
from workload import Record

from schemas.config import Layer3Config

WARMUP = 50


def _raw(bootstrap: str, cfg: Layer3Config, src: str, dst: str, group: str) -> procs.Child:
    k, w = cfg.kafka, cfg.worker
    args = (bootstrap, src, dst, group, k.fetch_max_wait_ms, k.producer_linger_ms, w.batch_max)
    return procs.script("raw_passthrough", *(str(a) for a in args))


def _faust(bootstrap: str, src: str, dst: str, app_id: str) -> procs.Child:
    env = procs.worker_env(bootstrap, "", app_id)
    return procs.script("faust_passthrough", src, dst, env=env)


async def _drain(child: procs.Child, watch: Watch, topic: str, n: int) -> float:
    try:
        task = asyncio.ensure_future(drain_rate(watch, topic, 0, n, timeout=60 + n / 200))
        while not task.done():
            if child.proc.poll() is not None:
                task.cancel()
                child.check_alive()
            await asyncio.wait([task], timeout=0.5)
        return task.result()
    finally:
        child.stop()


async def run(
    bootstrap: str,
    cfg: Layer3Config,
    run_id: str,
    sigs: list[Record],
    lat: tuple[int, float] | None,
) -> dict[str, Any]:
    """c1 and c2 signals/s; with lat=(rate, seconds), the raw passthrough's latency too."""
    p = f"{run_id}.ref."
    src, raw_out, faust_out, lat_in, lat_out = (
        p + s for s in ("in", "raw", "faust", "lat-in", "lat-out")
    )
    topics = [src, raw_out, faust_out, lat_in, lat_out]
    await create_topics(bootstrap, topics, cfg.topics.partitions)
    await settle(bootstrap, topics)
    prod = producer(bootstrap, cfg.kafka.producer_linger_ms)
    watch = Watch(bootstrap, [raw_out, faust_out, lat_out])
    out: dict[str, Any] = {}
    await prod.start()
    try:
        await watch.start()
        await produce(prod, [(src, r.key, r.value) for r in sigs])
        n = len(sigs)
        out["raw"] = await _drain(_raw(bootstrap, cfg, src, raw_out, f"{p}raw"), watch, raw_out, n)
        out["faust"] = await _drain(
            _faust(bootstrap, src, faust_out, f"{p}faust"), watch, faust_out, n
        )
        if lat is not None:
            child = _raw(bootstrap, cfg, lat_in, lat_out, f"{p}lat")
            try:
                # Warm up: the group has joined once these come out.
                await produce(prod, [(lat_in, r.key, r.value) for r in sigs[:WARMUP]])
                t0 = time.monotonic()
                while watch.count[lat_out] < WARMUP:
                    child.check_alive()
                    if time.monotonic() - t0 > 60:
                        raise TimeoutError(f"raw passthrough never answered:\n{child.tail()}")
                    await asyncio.sleep(0.2)
                out["latency"] = await latency.measure(
                    watch, prod, (lat_in, lat_out), rate=lat[0], seconds=lat[1], tag=f"lat{run_id}"
                )
                child.check_alive()
            finally:
                child.stop()
    finally:
        await watch.stop()
        await prod.stop()
    return out
