"""(b) The whole worker as a subprocess: signals in → decisions out, on fresh topics per run.

1. Fresh topic prefix and app id; the contract topics are created; the state inputs (regime,
   on-chain, sentiment per symbol, outcomes per pair, portfolio snapshots) are produced.
2. The worker starts. Probe signals, one per (strategy, symbol), are sent in rounds until a
   probe decision of every pair shows all six table entries read (lineage.reads): the state is
   applied and the whole path runs.
3. The worker is frozen (SIGSTOP), the N signals are produced, the worker is resumed: it drains
   a backlog, as the references do. Rate = decisions between the first and the N-th new one.
4. Optionally, latency at a fixed offered rate on the same worker.
"""

import asyncio
import signal
import time
from typing import Any

import latency
import orjson
import procs
from kafka_io import Watch, drain_rate, produce, producer, settle
from workload import Record, probe_docs, state_records

from schemas.config_loading import load_config
from schemas.topics import Topic, full_name
from streams.topic_admin import ensure_topics

START_TIMEOUT_S = 120.0
# The entries the bench's state records fill; the book (`ensemble`) and a kill-switch reset
# are read too, but the first decision of a portfolio finds no book, and no reset is sent.
STATE_READS = ("cascade", "regime", "sentiment", "posterior", "residuals", "portfolio")
MAX_FREEZE_S = 3.5  # well under the 6 s session timeout: no rebalance while frozen


async def _wait_state_applied(watch: Watch, prod: Any, worker: procs.Child, names: Any) -> int:
    """Send probe rounds until every pair's decision read all table entries; probes sent."""
    pending = {d["correlation_id"].split("-", 2)[2] for d in probe_docs(0)}

    def on_record(record: Any, _arrival_ns: int) -> None:
        doc = orjson.loads(record.value)
        cid = doc.get("correlation_id", "")
        reads = doc["lineage"]["reads"]
        if cid.startswith("probe-") and all(reads[k] is not None for k in STATE_READS):
            pending.discard(cid.split("-", 2)[2])

    watch.on_record = on_record
    deadline, sent, round_no = time.monotonic() + START_TIMEOUT_S, 0, 0
    decisions = names[Topic.DECISIONS]
    try:
        while pending:
            docs = [
                d for d in probe_docs(round_no) if d["correlation_id"].split("-", 2)[2] in pending
            ]
            for d in docs:
                d["timestamp_ns"] = time.time_ns()
            await produce(
                prod, [(names[Topic.TACTICAL], d["symbol"].encode(), orjson.dumps(d)) for d in docs]
            )
            sent, round_no = sent + len(docs), round_no + 1
            while watch.count[decisions] < sent:
                worker.check_alive()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no decisions for the probes:\n{worker.tail()}")
                await asyncio.sleep(0.2)
    finally:
        watch.on_record = None
    if watch.count[names[Topic.DEADLETTER]]:
        raise RuntimeError("the worker dead-lettered bench inputs; see its dead-letter topic")
    return sent


async def run(
    bootstrap: str, run_id: str, sigs: list[Record], lat: tuple[int, float] | None
) -> dict[str, Any]:
    """Signals/s of the worker draining len(sigs) signals; latency at lat=(rate, seconds)."""
    prefix = f"{run_id}."
    env = procs.worker_env(bootstrap, prefix, f"himari-{run_id}")
    cfg = load_config(env={**env, "HIMARI_L3__WORKER__DATA_DIR": "unused"})
    names = {t: full_name(t, prefix) for t in Topic}
    await ensure_topics(cfg)
    await settle(bootstrap, list(names.values()))
    watch = Watch(bootstrap, [names[Topic.DECISIONS], names[Topic.DEADLETTER]])
    prod = producer(bootstrap, cfg.kafka.producer_linger_ms)
    await prod.start()
    worker: procs.Child | None = None
    out: dict[str, Any] = {}
    try:
        await watch.start()
        await produce(prod, [(names[r.topic], r.key, r.value) for r in state_records()])
        items = [(names[r.topic], r.key, r.value) for r in sigs]
        t0 = time.monotonic()
        worker = procs.worker(bootstrap, prefix, env["HIMARI_L3__WORKER__APP_ID"])
        probes = await _wait_state_applied(watch, prod, worker, names)
        out["ready_s"] = time.monotonic() - t0
        worker.signal(signal.SIGSTOP)
        sending = asyncio.ensure_future(produce(prod, items))
        try:
            out["produce_s"] = await asyncio.wait_for(asyncio.shield(sending), MAX_FREEZE_S)
            out["overlap"] = False
        except TimeoutError:
            out["overlap"] = True  # the worker resumed before all signals were produced
        finally:
            worker.signal(signal.SIGCONT)
        out["produce_s"] = await sending
        n, decisions = len(items), names[Topic.DECISIONS]
        out["rate"] = await drain_rate(watch, decisions, probes, n, timeout=60 + n / 200)
        await asyncio.sleep(0.5)
        out["extra_decisions"] = watch.count[decisions] - probes - n
        out["dead_letters"] = watch.count[names[Topic.DEADLETTER]]
        if lat is not None:
            topics = (names[Topic.TACTICAL], decisions)
            out["latency"] = await latency.measure(
                watch, prod, topics, rate=lat[0], seconds=lat[1], tag=f"lat{run_id}"
            )
        worker.check_alive()
    finally:
        if worker is not None:
            worker.stop()
        await watch.stop()
        await prod.stop()
    return out
