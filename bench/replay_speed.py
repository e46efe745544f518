"""How fast the replay re-derives a recorded history of N signals.

The history is recorded in process by the same core, as the worker writes it (state inputs,
then each signal's sized record and decision, with their lineage), over the topics' partitions
(`recorded_history`). Then either:

  default   `himari_l3.audit.audit` on the history in memory: the recompute alone;
  --broker  the history produced to an embedded Kafka broker, and `himari-l3 replay` run on it
            end to end (reading the topics included), timed from outside the process.

Issue 5 asks for 1,000,000 signals in under 60 s, reading included: that is
`python bench/replay_speed.py --broker --signals 1000000`. Before each run, a host check times
the same fold of a small fixed history in one process (µs a signal): this host's speed varies
2-3x from day to day, so runs of different days compare through it.

    python bench/replay_speed.py [--signals 100000] [--repeat 3] [--jobs 2] [--broker]
"""

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kafka_io import create_topics
from procs import VENV_BIN
from recorded_history import audited, in_memory, record

from himari_l3.embedded import EmbeddedBroker
from schemas.config import Layer3Config
from schemas.config_loading import load_config
from schemas.topics import INPUT_TOPICS, Topic, full_name

TARGET_S = 60.0
PREFIX = "replay-bench."
REFERENCE_SIGNALS = 3_000  # the host check's history: a few seconds of fold


def host_check(cfg: Layer3Config) -> float:
    """µs a signal of a one-process, in-memory fold of a small fixed history, right now: the
    same code on the same host varies 2-3x between days (shared cores), so a run's figures
    are read against this one."""
    history = in_memory(REFERENCE_SIGNALS, cfg)
    t0 = time.perf_counter()
    audited(history, cfg)
    return (time.perf_counter() - t0) / REFERENCE_SIGNALS * 1e6


def children_cpu_s() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def compute_only(args: argparse.Namespace, cfg: Layer3Config) -> list[float]:
    started = time.perf_counter()
    history = in_memory(args.signals, cfg)
    mb = sum(len(r.value) for t in (Topic.SIZED, Topic.DECISIONS) for r in history[t]) / 1e6
    print(f"recorded {args.signals:,} signals in process in {time.perf_counter() - started:.1f} s"
          f" ({mb:,.0f} MB of sized records and decisions)")  # fmt: skip
    seconds = []
    for run in range(1, args.repeat + 1):
        reference = host_check(cfg)
        t0 = time.perf_counter()
        result = audited(history, cfg, args.jobs)
        seconds.append(time.perf_counter() - t0)
        clean = result.decisions.identical == result.sized.identical == args.signals
        print(f"run {run}/{args.repeat}: {seconds[-1]:.1f} s, {'clean' if clean else 'NOT CLEAN'}, "
              f"host check {reference:.0f} µs a signal")  # fmt: skip
        if not clean:
            raise SystemExit(1)
    return seconds


def produce(bootstrap: str, n: int, cfg: Layer3Config, partitions: int) -> None:
    """The history of n signals onto fresh topics, each record at its recorded partition: the
    inputs uncompressed, the answers compressed as the worker's producer compresses them."""
    from confluent_kafka import Producer

    answers = {full_name(t, PREFIX) for t in (Topic.SIZED, Topic.DECISIONS)}
    names = [full_name(t, PREFIX) for t in INPUT_TOPICS] + sorted(answers)
    asyncio.run(create_topics(bootstrap, names, partitions))
    options = {"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 50,
               "batch.size": 1_000_000, "queue.buffering.max.kbytes": 1_048_576}  # fmt: skip
    inputs = Producer(options)
    worker = Producer({**options, "compression.type": cfg.kafka.producer_compression})
    started, count, size = time.perf_counter(), 0, 0
    for _, rec in record(n, cfg, PREFIX, partitions):
        producer = worker if rec.topic in answers else inputs
        while True:
            try:
                producer.produce(rec.topic, rec.value, rec.key, partition=rec.partition)
                break
            except BufferError:
                producer.poll(0.05)
        count, size = count + 1, size + len(rec.value)
        if count % 10_000 == 0:
            inputs.poll(0)
            worker.poll(0)
    if inputs.flush(300) or worker.flush(300):
        raise SystemExit("the broker did not take the whole history")
    print(f"recorded {n:,} signals and produced {count:,} records ({size / 1e6:,.0f} MB, answers "
          f"compressed with {cfg.kafka.producer_compression}) in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip


def end_to_end(args: argparse.Namespace) -> list[float]:
    exe = VENV_BIN / "himari-l3"
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "himari_l3.cli"]
    with EmbeddedBroker("kafka") as broker, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
               "HIMARI_L3__TOPICS__PREFIX": PREFIX}  # fmt: skip
        cfg = load_config(env=env)
        produce(broker.bootstrap_servers, args.signals, cfg, cfg.topics.partitions)
        report = Path(tmp) / "report.json"
        seconds = []
        for run in range(1, args.repeat + 1):
            reference = host_check(cfg)
            t0, cpu0 = time.perf_counter(), children_cpu_s()
            done = subprocess.run([*argv, "replay", "--json", str(report), "--jobs",
                                   str(args.jobs)], check=False, env=env,
                                  stdout=subprocess.DEVNULL)  # fmt: skip
            seconds.append(time.perf_counter() - t0)
            cpu = children_cpu_s() - cpu0
            found = orjson.loads(report.read_bytes())
            checked = found["decisions"]["identical"]
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"run {run}/{args.repeat}: {seconds[-1]:.1f} s, exit {done.returncode}, "
                  f"{checked:,} decisions identical, peak RSS {peak:,.0f} MiB, CPU {cpu:.0f} s "
                  f"(user + sys of the replay's processes; the broker's not counted), host check "
                  f"{reference:.0f} µs a signal")  # fmt: skip
            if done.returncode != 0 or checked != args.signals:
                raise SystemExit(1)
    return seconds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--signals", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--broker", action="store_true", help="end to end, from an embedded broker")
    args = p.parse_args()
    seconds = end_to_end(args) if args.broker else compute_only(args, Layer3Config())
    median = statistics.median(seconds)
    million = median * 1_000_000 / args.signals
    what = "end to end, reading included" if args.broker else "compute only, no broker read"
    verdict = "PASS" if million < TARGET_S else "FAIL"
    print(f"median {median:.1f} s for {args.signals:,} signals ({args.signals / median:,.0f}/s, "
          f"{args.jobs} jobs, {what}): 1,000,000 signals in {million:.0f} s "
          f"(target < {TARGET_S:.0f} s with the read)  {verdict}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
